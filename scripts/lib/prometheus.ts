/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for the tests and the
 * load test that read Edgeway's `/_edgeway/metrics` back: every line must be a HELP, a
 * TYPE or a sample; a family's TYPE comes once and before its samples; values parse.
 * Anything else throws, naming the line.
 */

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface ParsedMetrics {
  readonly help: ReadonlyMap<string, string>;
  readonly type: ReadonlyMap<string, string>;
  readonly samples: readonly MetricSample[];
}

const NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
const LABEL_NAME = "[a-zA-Z_][a-zA-Z0-9_]*";
/** A label value: anything but an unescaped quote, backslash or newline. */
const LABEL_VALUE = '(?:[^"\\\\\\n]|\\\\[\\\\"n])*';
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL_NAME}="${LABEL_VALUE}")(?:,${LABEL_NAME}="${LABEL_VALUE}")*)\\})? (\\S+)$`);
const LABEL_PAIR = new RegExp(`(${LABEL_NAME})="(${LABEL_VALUE})"`, "g");

function unescape(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

export function parsePrometheus(text: string): ParsedMetrics {
  if (!text.endsWith("\n")) throw new Error("Prometheus text must end with a newline");
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: MetricSample[] = [];
  const body = text.slice(0, -1);
  for (const line of body === "" ? [] : body.split("\n")) {
    const helpMatch = HELP.exec(line);
    if (helpMatch !== null) {
      help.set(helpMatch[1] ?? "", helpMatch[2] ?? "");
      continue;
    }
    const typeMatch = TYPE.exec(line);
    if (typeMatch !== null) {
      if (type.has(typeMatch[1] ?? "")) throw new Error(`second TYPE for ${typeMatch[1]}`);
      type.set(typeMatch[1] ?? "", typeMatch[2] ?? "");
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not a Prometheus line: ${JSON.stringify(line)}`);
    const name = sample[1] ?? "";
    if (!type.has(name)) throw new Error(`sample of ${name} before its TYPE`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? "").matchAll(LABEL_PAIR)) labels[pair[1] ?? ""] = unescape(pair[2] ?? "");
    const value = Number(sample[3]);
    if (Number.isNaN(value)) throw new Error(`value of ${name} is not a number: ${sample[3]}`);
    samples.push({ name, labels, value });
  }
  return { help, type, samples };
}

/** Sum of a metric over the samples whose labels include every one of `match`. */
export function sumMetric(samples: readonly MetricSample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(match).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

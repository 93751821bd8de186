/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for the tests and the
 * load test that read Edgeway's `/_edgeway/metrics` back: every line must be a HELP, a
 * TYPE or a sample; a family's TYPE comes once and before its samples; values parse
 * (`+Inf`, `-Inf` and `NaN` included). A histogram's samples are `<name>_bucket` (with an
 * `le` label), `<name>_sum` and `<name>_count`; each series' buckets must rise in `le`,
 * be cumulative (never fall), end with `le="+Inf"` equal to `_count`, and come with a
 * `_sum`. Anything else throws, naming the line or the series.
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

function unescapeLabel(value: string): string {
  return value.replace(/\\(["\\n])/g, (_, c: string) => (c === "n" ? "\n" : c));
}

/** A sample value: a Go float literal as Prometheus writes it. */
function parseValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  if (text === "NaN") return Number.NaN;
  const value = Number(text);
  // Number("") is 0 and Number("0x1") is 1: accept only decimal literals.
  return /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? value : Number.NaN;
}

/** The family a sample belongs to: its own name, or a histogram's (or summary's) name for `_bucket`, `_sum`, `_count`. */
function familyOf(name: string, type: ReadonlyMap<string, string>): string | undefined {
  if (type.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = type.get(base);
    if (t === "histogram" || (t === "summary" && suffix !== "_bucket")) return base;
  }
  return undefined;
}

/** A series' identity without `le`: its labels sorted. */
function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([k]) => k !== "le")
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

interface HistogramParts {
  buckets: { le: number; count: number }[];
  sum: number | undefined;
  count: number | undefined;
}

/** Checks every histogram series: rising `le`, cumulative counts, a final +Inf bucket equal to `_count`, a `_sum`. */
function checkHistograms(samples: readonly MetricSample[], type: ReadonlyMap<string, string>): void {
  const series = new Map<string, HistogramParts>();
  for (const s of samples) {
    const family = familyOf(s.name, type);
    if (family === undefined || type.get(family) !== "histogram") continue;
    const id = `${family}${seriesKey(s.labels)}`;
    let parts = series.get(id);
    if (parts === undefined) {
      parts = { buckets: [], sum: undefined, count: undefined };
      series.set(id, parts);
    }
    if (s.name === `${family}_bucket`) {
      const le = s.labels.le;
      if (le === undefined) throw new Error(`${id}: a bucket without an le label`);
      const bound = parseValue(le);
      if (Number.isNaN(bound)) throw new Error(`${id}: le="${le}" is not a number`);
      const previous = parts.buckets.at(-1);
      if (previous !== undefined && !(bound > previous.le)) throw new Error(`${id}: le="${le}" does not rise`);
      if (previous !== undefined && s.value < previous.count)
        throw new Error(`${id}: bucket le="${le}" (${s.value}) is below the one before (${previous.count}): buckets must be cumulative`);
      parts.buckets.push({ le: bound, count: s.value });
    } else if (s.name === `${family}_sum`) {
      parts.sum = s.value;
    } else if (s.name === `${family}_count`) {
      parts.count = s.value;
    } else {
      throw new Error(`${id}: a histogram sample must be _bucket, _sum or _count, not ${s.name}`);
    }
  }
  for (const [id, parts] of series) {
    const last = parts.buckets.at(-1);
    if (last === undefined || last.le !== Number.POSITIVE_INFINITY) throw new Error(`${id}: no le="+Inf" bucket`);
    if (parts.count === undefined) throw new Error(`${id}: no _count`);
    if (parts.sum === undefined) throw new Error(`${id}: no _sum`);
    if (last.count !== parts.count) throw new Error(`${id}: the +Inf bucket (${last.count}) differs from _count (${parts.count})`);
  }
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
    if (familyOf(name, type) === undefined) throw new Error(`sample of ${name} before its TYPE`);
    const labels: Record<string, string> = {};
    for (const pair of (sample[2] ?? "").matchAll(LABEL_PAIR)) labels[pair[1] ?? ""] = unescapeLabel(pair[2] ?? "");
    const value = parseValue(sample[3] ?? "");
    if (Number.isNaN(value) && sample[3] !== "NaN") throw new Error(`value of ${name} is not a number: ${sample[3]}`);
    samples.push({ name, labels, value });
  }
  checkHistograms(samples, type);
  return { help, type, samples };
}

/** One histogram series, read back: cumulative buckets in rising `le`, `_sum` and `_count`. */
export interface ParsedHistogram {
  readonly buckets: readonly { readonly le: number; readonly count: number }[];
  readonly sum: number;
  readonly count: number;
}

/**
 * The histogram `name` summed over the series whose labels include every one of `match`
 * (buckets added by `le`: every series of a family has the same bounds).
 */
export function histogramOf(samples: readonly MetricSample[], name: string, match: Readonly<Record<string, string>> = {}): ParsedHistogram {
  const byLe = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const s of samples) {
    if (!Object.entries(match).every(([k, v]) => s.labels[k] === v)) continue;
    if (s.name === `${name}_bucket`) {
      const le = parseValue(s.labels.le ?? "");
      byLe.set(le, (byLe.get(le) ?? 0) + s.value);
    } else if (s.name === `${name}_sum`) {
      sum += s.value;
    } else if (s.name === `${name}_count`) {
      count += s.value;
    }
  }
  const buckets = [...byLe].sort(([a], [b]) => a - b).map(([le, c]) => ({ le, count: c }));
  return { buckets, sum, count };
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

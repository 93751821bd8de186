/**
 * Counters and gauges kept by the isolate, rendered in the Prometheus text exposition
 * format (version 0.0.4). Each isolate counts its own traffic: scrape through a colo and
 * you see that isolate's view; sum across scrapes for totals.
 */

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly help: string;
  readonly type: "counter" | "gauge";
  readonly values: Map<string, number>;
}

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(value: string): string {
  // Ids are plain: skip the three replaces unless something needs escaping.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return "";
  let key = "{";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    key += `${i === 0 ? "" : ","}${k}="${escapeLabel(labels[k] ?? "")}"`;
  }
  return `${key}}`;
}

/** A set of metric families. */
export class Metrics {
  readonly #families = new Map<string, Family>();

  #family(name: string, type: Family["type"], help: string): Family {
    let family = this.#families.get(name);
    if (family === undefined) {
      family = { help, type, values: new Map() };
      this.#families.set(name, family);
    }
    return family;
  }

  /** Adds `by` to a counter. */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    const family = this.#family(name, "counter", help);
    const key = labelKey(labels);
    family.values.set(key, (family.values.get(key) ?? 0) + by);
  }

  /** Sets a gauge. */
  set(name: string, help: string, labels: Labels, value: number): void {
    this.#family(name, "gauge", help).values.set(labelKey(labels), value);
  }

  /** Drops every series of a gauge family (before setting it afresh). */
  clear(name: string): void {
    this.#families.get(name)?.values.clear();
  }

  /** Prometheus text exposition. */
  render(): string {
    const lines: string[] = [];
    for (const [name, family] of this.#families) {
      lines.push(`# HELP ${name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${family.type}`);
      for (const [key, value] of family.values) lines.push(`${name}${key} ${value}`);
    }
    return `${lines.join("\n")}\n`;
  }
}

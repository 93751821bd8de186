/**
 * Counters, gauges and histograms kept by the isolate, rendered in the Prometheus text
 * exposition format (version 0.0.4). Each isolate counts its own traffic: scrape through a
 * colo and you see that isolate's view; sum across scrapes for totals.
 *
 * A series is a handle: `metrics.counter(name, help).series(labels)` builds and sorts the
 * label string once, and the handle's `inc()` is a field update. The request path keeps
 * its handles (src/observe/request-metrics.ts), so a request builds no label strings.
 */

export type Labels = Readonly<Record<string, string>>;

/** A counter's series: only goes up. */
export interface CounterSeries {
  inc(by?: number): void;
  readonly value: number;
}

/** A gauge's series: set to the current value. */
export interface GaugeSeries {
  set(value: number): void;
  readonly value: number;
}

/** A histogram's series: counts observations into cumulative `le` buckets. */
export interface HistogramSeries {
  observe(value: number): void;
  readonly count: number;
  readonly sum: number;
}

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabel(value: string): string {
  // Ids are plain: skip the three replaces unless something needs escaping.
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

/** `{a="1",b="2"}`, label names sorted; "" without labels. */
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

/** A sample value as Prometheus writes it: `+Inf`, `-Inf`, `NaN`, else the number. */
export function formatValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

class CounterValue implements CounterSeries {
  readonly key: string;
  value = 0;

  constructor(key: string) {
    this.key = key;
  }

  inc(by = 1): void {
    // A counter never goes down (Prometheus reads a decrease as a restart).
    if (!(by >= 0)) throw new RangeError(`a counter can only go up (inc by ${by})`);
    this.value += by;
  }
}

class GaugeValue implements GaugeSeries {
  readonly key: string;
  value = 0;

  constructor(key: string) {
    this.key = key;
  }

  set(value: number): void {
    this.value = value;
  }
}

class BucketSeries implements HistogramSeries {
  readonly key: string;
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative (the last is the +Inf bucket); summed when rendered. */
  readonly #counts: Float64Array;
  /** Each bucket's label string, `le` included, built once. */
  readonly bucketKeys: readonly string[];
  count = 0;
  sum = 0;

  constructor(key: string, labels: Labels, bounds: readonly number[]) {
    this.key = key;
    this.bounds = bounds;
    this.#counts = new Float64Array(bounds.length + 1);
    this.bucketKeys = [...bounds, Number.POSITIVE_INFINITY].map((b) => labelKey({ ...labels, le: formatValue(b) }));
  }

  observe(value: number): void {
    if (Number.isNaN(value)) return;
    const bounds = this.bounds;
    let i = 0;
    // `le` is inclusive: a value equal to a bound counts in that bucket.
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
    this.count++;
    this.sum += value;
  }

  /** Cumulative counts, one per bucket (the last is the +Inf bucket, equal to `count`). */
  cumulative(): number[] {
    let total = 0;
    return Array.from(this.#counts, (c) => (total += c));
  }
}

type FamilyType = "counter" | "gauge" | "histogram";

abstract class Family<S extends { readonly key: string }> {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  readonly #series = new Map<string, S>();

  constructor(name: string, help: string, type: FamilyType) {
    this.name = name;
    this.help = help;
    this.type = type;
  }

  protected abstract make(key: string, labels: Labels): S;

  /** The series for `labels` (created at zero on first use). Keep the handle: this call builds and sorts a label string. */
  series(labels: Labels = {}): S {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (series === undefined) {
      series = this.make(key, labels);
      this.#series.set(key, series);
    }
    return series;
  }

  /** Drops every series (before setting a gauge afresh). Handles taken before keep working but are no longer rendered. */
  clear(): void {
    this.#series.clear();
  }

  get size(): number {
    return this.#series.size;
  }

  protected all(): IterableIterator<S> {
    return this.#series.values();
  }

  abstract samples(out: string[]): void;
}

/** A counter family. */
export class Counter extends Family<CounterValue> {
  constructor(name: string, help: string) {
    super(name, help, "counter");
  }

  protected make(key: string): CounterValue {
    return new CounterValue(key);
  }

  samples(out: string[]): void {
    for (const s of this.all()) out.push(`${this.name}${s.key} ${formatValue(s.value)}`);
  }
}

/** A gauge family. */
export class Gauge extends Family<GaugeValue> {
  constructor(name: string, help: string) {
    super(name, help, "gauge");
  }

  protected make(key: string): GaugeValue {
    return new GaugeValue(key);
  }

  samples(out: string[]): void {
    for (const s of this.all()) out.push(`${this.name}${s.key} ${formatValue(s.value)}`);
  }
}

/** A histogram family: `<name>_bucket{le=…}` (cumulative), `<name>_sum` and `<name>_count` per series. */
export class Histogram extends Family<BucketSeries> {
  readonly bounds: readonly number[];

  constructor(name: string, help: string, bounds: readonly number[]) {
    super(name, help, "histogram");
    if (bounds.length === 0) throw new RangeError(`histogram ${name} needs at least one bucket`);
    for (let i = 0; i < bounds.length; i++) {
      const b = bounds[i] as number;
      if (!Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number)))
        throw new RangeError(`histogram ${name}: buckets must be finite and increasing`);
    }
    this.bounds = [...bounds];
  }

  protected make(key: string, labels: Labels): BucketSeries {
    if ("le" in labels) throw new RangeError(`histogram ${this.name}: "le" is reserved for buckets`);
    return new BucketSeries(key, labels, this.bounds);
  }

  samples(out: string[]): void {
    for (const s of this.all()) {
      const cumulative = s.cumulative();
      for (let i = 0; i < cumulative.length; i++)
        out.push(`${this.name}_bucket${s.bucketKeys[i] ?? ""} ${formatValue(cumulative[i] ?? 0)}`);
      out.push(`${this.name}_sum${s.key} ${formatValue(s.sum)}`, `${this.name}_count${s.key} ${formatValue(s.count)}`);
    }
  }
}

type AnyFamily = Counter | Gauge | Histogram;

/** A set of metric families. */
export class Metrics {
  readonly #families = new Map<string, AnyFamily>();

  #family<F extends AnyFamily>(name: string, type: FamilyType, make: () => F): F {
    const family = this.#families.get(name);
    if (family === undefined) {
      const made = make();
      this.#families.set(name, made);
      return made;
    }
    if (family.type !== type) throw new TypeError(`metric ${name} is a ${family.type}, not a ${type}`);
    return family as F;
  }

  /** The counter family `name` (created on first use). */
  counter(name: string, help: string): Counter {
    return this.#family(name, "counter", () => new Counter(name, help));
  }

  /** The gauge family `name` (created on first use). */
  gauge(name: string, help: string): Gauge {
    return this.#family(name, "gauge", () => new Gauge(name, help));
  }

  /** The histogram family `name` with upper bounds `buckets` (created on first use; later calls must name the same buckets). */
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    const family = this.#family(name, "histogram", () => new Histogram(name, help, buckets));
    if (family.bounds.length !== buckets.length || family.bounds.some((b, i) => b !== buckets[i]))
      throw new TypeError(`histogram ${name} already has other buckets`);
    return family;
  }

  /** Adds `by` to a counter. Builds a label string: off the request path only (keep a handle there). */
  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.counter(name, help).series(labels).inc(by);
  }

  /** Sets a gauge. */
  set(name: string, help: string, labels: Labels, value: number): void {
    this.gauge(name, help).series(labels).set(value);
  }

  /** Drops every series of a family (before setting a gauge afresh). */
  clear(name: string): void {
    this.#families.get(name)?.clear();
  }

  /**
   * Prometheus text exposition of this registry, followed by `also`'s (registries built
   * for one scrape). A family with no series is left out; a name in two registries throws.
   */
  render(...also: readonly Metrics[]): string {
    const lines: string[] = [];
    const seen = new Set<string>();
    for (const registry of [this, ...also]) {
      for (const [name, family] of registry.#families) {
        if (seen.has(name)) throw new Error(`metric ${name} is in two registries`);
        seen.add(name);
        if (family.size === 0) continue;
        lines.push(`# HELP ${name} ${family.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${family.type}`);
        family.samples(lines);
      }
    }
    return `${lines.join("\n")}\n`;
  }
}

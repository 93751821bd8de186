/**
 * Sparkline geometry for the status page: time series in, SVG path data out. Pure (no
 * DOM, no clock), so the charts are drawn on the server and the maths is unit-tested.
 *
 * A point whose value is `null` is a gap (no probe, no traffic in that bucket): the line
 * breaks there rather than drawing a slope across time nobody measured.
 */

/** One sample: a time (ms since the epoch) and a value, or null for "nothing measured". */
export interface SparkPoint {
  readonly t: number;
  readonly v: number | null;
}

/** The box a sparkline is drawn in and the ranges it shows. */
export interface SparkFrame {
  readonly width: number;
  readonly height: number;
  /** The time at the left edge and at the right edge. */
  readonly t0: number;
  readonly t1: number;
  /** The value at the top edge (the bottom edge is 0). */
  readonly vMax: number;
  /** Room kept inside the box on every side, so strokes are not clipped. */
  readonly pad?: number;
}

/** A point in SVG user units. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

const DEFAULT_PAD = 1.5;

/** Two decimals are far below a pixel and keep the markup short. */
function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Where a sample lands in the frame; times and values outside the ranges are clamped to the edges. */
export function project(t: number, v: number, frame: SparkFrame): XY {
  const pad = frame.pad ?? DEFAULT_PAD;
  const span = frame.t1 - frame.t0;
  const tx = span > 0 ? (Math.min(Math.max(t, frame.t0), frame.t1) - frame.t0) / span : 1;
  const vy = frame.vMax > 0 ? Math.min(Math.max(v, 0), frame.vMax) / frame.vMax : 0;
  return { x: pad + tx * (frame.width - 2 * pad), y: frame.height - pad - vy * (frame.height - 2 * pad) };
}

/**
 * The runs of consecutive measured points, in time order, projected into the frame.
 * Points before `t0` or after `t1`, and values that are not finite, are left out.
 */
export function runs(points: readonly SparkPoint[], frame: SparkFrame): XY[][] {
  const sorted = [...points].filter((p) => p.t >= frame.t0 && p.t <= frame.t1).sort((a, b) => a.t - b.t);
  const out: XY[][] = [];
  let current: XY[] = [];
  for (const p of sorted) {
    if (p.v === null || !Number.isFinite(p.v)) {
      if (current.length > 0) out.push(current);
      current = [];
      continue;
    }
    current.push(project(p.t, p.v, frame));
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** A lone point is drawn as a short flat dash so that it shows at all. */
function widen(run: readonly XY[]): readonly XY[] {
  const [only] = run;
  if (run.length !== 1 || only === undefined) return run;
  return [
    { x: only.x - 1, y: only.y },
    { x: only.x + 1, y: only.y },
  ];
}

/** SVG path data for the line: one `M … L …` subpath per run; "" when nothing was measured. */
export function linePath(points: readonly SparkPoint[], frame: SparkFrame): string {
  return runs(points, frame)
    .map((run) =>
      widen(run)
        .map((p, i) => `${i === 0 ? "M" : "L"}${fmt(p.x)} ${fmt(p.y)}`)
        .join(""),
    )
    .join("");
}

/** SVG path data for the area under the line: each run closed down to the baseline; "" when nothing was measured. */
export function areaPath(points: readonly SparkPoint[], frame: SparkFrame): string {
  const base = frame.height - (frame.pad ?? DEFAULT_PAD);
  return runs(points, frame)
    .map((run) => {
      const w = widen(run);
      const first = w[0];
      const last = w[w.length - 1];
      if (first === undefined || last === undefined) return "";
      return `M${fmt(first.x)} ${fmt(base)}${w.map((p) => `L${fmt(p.x)} ${fmt(p.y)}`).join("")}L${fmt(last.x)} ${fmt(base)}Z`;
    })
    .join("");
}

/**
 * A round upper bound for the value axis: the smallest 1, 2 or 5 × 10ⁿ at or above the
 * largest value (and at least `floor`), so charts of similar series share a scale.
 */
export function niceCeiling(values: readonly (number | null)[], floor = 1): number {
  let max = floor;
  for (const v of values) if (v !== null && Number.isFinite(v) && v > max) max = v;
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/**
 * The samples in time order with a gap (a null point) wherever two neighbours lie more
 * than `maxStep` ms apart: missing traffic buckets, a monitor that stopped.
 */
export function withGaps(points: readonly SparkPoint[], maxStep: number): SparkPoint[] {
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const out: SparkPoint[] = [];
  let previous: SparkPoint | undefined;
  for (const p of sorted) {
    if (previous !== undefined && p.t - previous.t > maxStep) out.push({ t: (previous.t + p.t) / 2, v: null });
    out.push(p);
    previous = p;
  }
  return out;
}

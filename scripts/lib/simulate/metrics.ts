/**
 * The figures of one run, computed from its record (engine.ts). A timing is a number of
 * seconds, "never" when the run ended first, or "n/a" when the run gives it nothing to
 * measure (a policy that never sent the slowed origin much traffic has nothing to shift).
 */
import { BIN_MS } from "./engine.ts";
import type { RunRecord } from "./engine.ts";
import type { Scenario } from "./types.ts";

export type Timing = number | "never" | "n/a";

/** A slowed origin has shifted once it gets at most this share of its colos' tries. */
export const SHIFT_SHARE = 0.1;
/** …and has recovered once it gets back this fraction of its share before the slowdown. */
export const RECOVER_FRACTION = 0.8;
/** Below this share before the slowdown there is nothing to shift. */
export const SHIFT_MIN_BEFORE = 0.2;
/** A new origin is in use once it gets this share of the tries of the colos it is best for. */
export const IN_USE_SHARE = 0.5;
/** Seconds after a fast failure starts from which its share is counted. */
export const FAST_FAIL_GRACE_S = 5;
/** Seconds before the slowdown its share is measured over. */
const BEFORE_S = 10;

export interface Figures {
  readonly scenario: string;
  readonly policy: string;
  readonly requests: number;
  /** Share of first tries (after the warm-up) that went to the best origin for their colo at that moment. */
  readonly bestShare: number;
  /** The same per colo. */
  readonly bestShareByColo: Readonly<Record<string, number>>;
  /** Request latency after the warm-up: mean and p99, ms. */
  readonly meanMs: number;
  readonly p99Ms: number;
  /** Share of requests (after the warm-up) the client got an error for. */
  readonly errorRate: number;
  readonly shiftS?: Timing;
  readonly recoverS?: Timing;
  readonly newOriginS?: Timing;
  /** Share of the slowed origin in its colos before the slowdown (for reading shiftS). */
  readonly shareBeforeSlowdown?: number;
  /** Share of all tries the fast-failing origin got from FAST_FAIL_GRACE_S after it started failing. */
  readonly fastFailShare?: number;
  /** The smallest share of a colo's tries any origin that stayed healthy got, and where. */
  readonly minShare: { readonly share: number; readonly colo: string; readonly origin: string };
  /** The longest time a colo went without trying an origin that stayed healthy, and where. */
  readonly maxGap: { readonly seconds: number; readonly colo: string; readonly origin: string };
}

/** Nearest-rank percentile of `values` (0 < p ≤ 100); NaN when empty. */
export function percentile(values: Float64Array | readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Share of `origin`'s tries among all tries of `colos` over bins [from, to). */
export function shareOf(record: RunRecord, origin: number, colos: readonly number[], from: number, to: number): number {
  const C = record.colos.length;
  const O = record.origins.length;
  let mine = 0;
  let all = 0;
  for (let b = Math.max(0, from); b < Math.min(to, record.nBins); b++) {
    for (const c of colos) {
      const base = (b * C + c) * O;
      mine += record.tries[base + origin] ?? 0;
      for (let o = 0; o < O; o++) all += record.tries[base + o] ?? 0;
    }
  }
  return all === 0 ? 0 : mine / all;
}

/** The first bin from `from` whose share passes `test`, as seconds from `atMs` to that bin's end. */
function firstBin(
  record: RunRecord,
  origin: number,
  colos: readonly number[],
  from: number,
  atMs: number,
  test: (share: number) => boolean,
): Timing {
  for (let b = from; b < record.nBins; b++) {
    if (test(shareOf(record, origin, colos, b, b + 1))) return ((b + 1) * BIN_MS - atMs) / 1_000;
  }
  return "never";
}

const binAt = (seconds: number): number => Math.round((seconds * 1_000) / BIN_MS);

/** Origins present from the start whose condition no event changes. */
function steadyOrigins(scenario: Scenario): Set<string> {
  const touched = new Set(scenario.events.map((e) => e.origin));
  return new Set(scenario.origins.filter((o) => !touched.has(o.id) && o.initial === undefined).map((o) => o.id));
}

export function figuresOf(scenario: Scenario, record: RunRecord): Figures {
  const C = record.colos.length;
  const O = record.origins.length;
  const warm = binAt(scenario.warmupS);
  const allColos = record.colos.map((_, c) => c);

  let first = 0;
  let best = 0;
  const firstByColo = new Float64Array(C);
  const bestByColo = new Float64Array(C);
  let requests = 0;
  let errors = 0;
  for (let b = warm; b < record.nBins; b++) {
    requests += record.requests[b] ?? 0;
    errors += record.errors[b] ?? 0;
    for (let c = 0; c < C; c++) {
      firstByColo[c] = (firstByColo[c] ?? 0) + (record.firstTries[b * C + c] ?? 0);
      bestByColo[c] = (bestByColo[c] ?? 0) + (record.bestFirst[b * C + c] ?? 0);
    }
  }
  for (let c = 0; c < C; c++) {
    first += firstByColo[c] ?? 0;
    best += bestByColo[c] ?? 0;
  }
  const bestShareByColo = Object.fromEntries(
    record.colos.map((code, c) => [code, (firstByColo[c] ?? 0) === 0 ? 0 : (bestByColo[c] ?? 0) / (firstByColo[c] ?? 1)]),
  );
  const latencies: number[] = [];
  let sum = 0;
  record.startMs.forEach((start, i) => {
    if (start < scenario.warmupS * 1_000) return;
    const ms = record.latencyMs[i] ?? 0;
    latencies.push(ms);
    sum += ms;
  });

  const stayed = steadyOrigins(scenario);
  let minShare = { share: Number.POSITIVE_INFINITY, colo: "", origin: "" };
  let maxGap = { seconds: 0, colo: "", origin: "" };
  record.origins.forEach((id, o) => {
    if (!stayed.has(id)) return;
    for (let c = 0; c < C; c++) {
      const share = shareOf(record, o, [c], warm, record.nBins);
      const colo = record.colos[c] ?? "";
      if (share < minShare.share) minShare = { share, colo, origin: id };
      const gap = (record.maxGapMs[c * O + o] ?? 0) / 1_000;
      if (gap > maxGap.seconds) maxGap = { seconds: gap, colo, origin: id };
    }
  });
  if (!Number.isFinite(minShare.share)) minShare = { share: 0, colo: "", origin: "" };

  const figures: Figures = {
    scenario: scenario.name,
    policy: record.policy,
    requests: record.startMs.length,
    bestShare: first === 0 ? 0 : best / first,
    bestShareByColo,
    meanMs: latencies.length === 0 ? Number.NaN : sum / latencies.length,
    p99Ms: percentile(latencies, 99),
    errorRate: requests === 0 ? 0 : errors / requests,
    minShare,
    maxGap,
  };
  return {
    ...figures,
    ...slowdownFigures(scenario, record),
    ...joinFigures(scenario, record),
    ...fastFailFigures(scenario, record, allColos),
  };
}

function slowdownFigures(scenario: Scenario, record: RunRecord): Partial<Figures> {
  const mark = scenario.marks.slowdown;
  if (mark === undefined || record.bestBeforeSlowdown === undefined) return {};
  const x = record.origins.indexOf(mark.origin);
  const colos = record.bestBeforeSlowdown.flatMap((b, c) => (b === x ? [c] : []));
  const before = shareOf(record, x, colos, binAt(mark.at - BEFORE_S), binAt(mark.at));
  if (colos.length === 0 || before < SHIFT_MIN_BEFORE) return { shareBeforeSlowdown: before, shiftS: "n/a", recoverS: "n/a" };
  const shiftS = firstBin(record, x, colos, binAt(mark.at), mark.at * 1_000, (s) => s <= SHIFT_SHARE);
  if (shiftS === "never" || shiftS === "n/a" || shiftS > mark.recoverAt - mark.at)
    return { shareBeforeSlowdown: before, shiftS: shiftS === "never" ? "never" : shiftS, recoverS: "n/a" };
  const recoverS = firstBin(record, x, colos, binAt(mark.recoverAt), mark.recoverAt * 1_000, (s) => s >= RECOVER_FRACTION * before);
  return { shareBeforeSlowdown: before, shiftS, recoverS };
}

function joinFigures(scenario: Scenario, record: RunRecord): Partial<Figures> {
  const mark = scenario.marks.join;
  if (mark === undefined || record.bestAfterJoin === undefined) return {};
  const n = record.origins.indexOf(mark.origin);
  const colos = record.bestAfterJoin.flatMap((b, c) => (b === n ? [c] : []));
  if (colos.length === 0) return { newOriginS: "n/a" };
  return { newOriginS: firstBin(record, n, colos, binAt(mark.at), mark.at * 1_000, (s) => s >= IN_USE_SHARE) };
}

function fastFailFigures(scenario: Scenario, record: RunRecord, colos: readonly number[]): Partial<Figures> {
  const mark = scenario.marks.fastFail;
  if (mark === undefined) return {};
  const f = record.origins.indexOf(mark.origin);
  return { fastFailShare: shareOf(record, f, colos, binAt(mark.at + FAST_FAIL_GRACE_S), record.nBins) };
}

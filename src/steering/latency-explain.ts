/**
 * What `latency` steering sees and why it chooses, for /explain: every candidate's
 * estimate, age, tries in flight (and their usual level and pile-up), cost and staleness,
 * the knobs in force and the rule's constants, the exploring credit, and the share each
 * candidate gets while the signals stay as they are. Computed
 * by the same functions the policies choose with (latency-choice.ts), never a copy, and
 * read-only: it spends no credit and draws nothing.
 */
import { PEAK_RATIO } from "./latency.ts";
import type { LatencySettings } from "./latency.ts";
import {
  AT_LAST_SAMPLE,
  bandLimit,
  compareInBand,
  exploreCredit,
  latencyCost,
  PILE_UP_SIGMAS,
  PILE_UP_SLACK,
  pileUp,
  staleAgeMs,
  TIE_BAND,
} from "./latency-choice.ts";
import type { LatencyItems } from "./latency-choice.ts";
import type { SteeringMemory, SteeringSignals } from "./types.ts";

/** One candidate as latency steering sees it. */
export interface LatencyCandidate {
  /** Its signals key: the origin id, or `pool:<id>`. */
  readonly key: string;
  /** The estimate decayed to now (ms), or null when never measured from this colo. */
  readonly estimateMs: number | null;
  /** The estimate as of its last sample (ms), what steering compares (AT_LAST_SAMPLE), or null. */
  readonly comparedMs: number | null;
  /** Milliseconds since its last sample, or null when never measured. */
  readonly ageMs: number | null;
  readonly outstanding: number;
  /** The usual count in flight at dispatch (outstanding.ts), rounded to 0.01. */
  readonly usualOutstanding: number;
  /** Tries in flight beyond usual + PILE_UP_SIGMAS × √usual + PILE_UP_SLACK (0 at the usual concurrency). */
  readonly pileUp: number;
  /** comparedMs × (pile-up + 1); 0 for a key never measured with nothing in flight. */
  readonly costMs: number;
  /** Due for exploring: no sample for exploreIntervalSeconds and nothing in flight. */
  readonly stale: boolean;
  /** Whether it may serve (a pool that is down may not). */
  readonly usable: boolean;
}

export interface LatencyExplained {
  /** The knobs in force (the pool's or route's `latency`, defaults filled in). */
  readonly settings: LatencySettings;
  readonly candidates: readonly LatencyCandidate[];
  /** Index of the candidate the rule picks (within TIE_BAND of the cheapest, the one carrying the stream), or -1. */
  readonly best: number;
  /** Index of the candidate the next exploring pick would go to, or -1 when none is stale. */
  readonly explore: number;
  /** The exploring credit before the next pick (1 = the next pick may explore). */
  readonly credit: number;
  /** Share of picks each candidate gets while the signals stay as they are. */
  readonly shares: readonly number[];
  /** The rule's fixed constants (latency.ts, latency-choice.ts). */
  readonly constants: { readonly peakRatio: number; readonly pileUpSigmas: number; readonly pileUpSlack: number; readonly tieBand: number };
  /** One sentence on the choice. */
  readonly why: string;
}

const round = (ms: number): number => Math.round(ms * 100) / 100;

/** Explains the choice latency steering makes among `items`. `name` labels an item in `why`. */
export function explainLatency<T>(
  items: readonly T[],
  how: LatencyItems<T>,
  signals: SteeringSignals,
  settings: LatencySettings,
  memory: SteeringMemory | undefined,
  name: (item: T) => string,
): LatencyExplained {
  const decayMs = settings.decaySeconds * 1_000;
  const candidates = items.map((item): LatencyCandidate => {
    const key = how.keyOf(item);
    const estimate = signals.latencyMs(key, decayMs);
    const compared = signals.latencyMs(key, AT_LAST_SAMPLE);
    const age = signals.latencyAgeMs?.(key);
    return {
      key,
      estimateMs: estimate === undefined ? null : round(estimate),
      comparedMs: compared === undefined ? null : round(compared),
      ageMs: age === undefined ? null : Math.round(age),
      outstanding: signals.outstanding(key),
      usualOutstanding: round(signals.usualOutstanding?.(key) ?? 0),
      pileUp: round(estimate === undefined ? 0 : pileUp(key, signals)),
      costMs: latencyCost(key, signals, settings),
      stale: staleAgeMs(key, signals, settings) !== undefined,
      usable: how.usable === undefined || how.usable(item),
    };
  });
  // The rule chooseByLatency applies: the lowest cost, then within the tie band the one carrying the stream.
  let lowest = Number.POSITIVE_INFINITY;
  for (const c of candidates) if (c.usable && c.costMs < lowest) lowest = c.costMs;
  const limit = bandLimit(lowest);
  const usualOf = (i: number): number => signals.usualOutstanding?.(candidates[i]?.key ?? "") ?? 0;
  let best = -1;
  candidates.forEach((c, i) => {
    if (!c.usable || !(c.costMs <= limit)) return;
    const b = candidates[best];
    if (b === undefined || compareInBand(usualOf(i), c.costMs, usualOf(best), b.costMs) > 0) best = i;
  });
  const bestCost = candidates[best]?.costMs ?? Number.POSITIVE_INFINITY;
  const credit = memory === undefined ? 1 : exploreCredit(memory);
  let explore = -1;
  let oldest = -1;
  candidates.forEach((c, i) => {
    if (i !== best && c.usable && c.stale && (c.ageMs ?? 0) > oldest) {
      explore = i;
      oldest = c.ageMs ?? 0;
    }
  });
  if (settings.explorePercent <= 0) explore = -1;
  const exploreShare = explore < 0 ? 0 : settings.explorePercent / 100;
  // Candidates tied with the winner (same cost, same usual level) split by weight (pools) or go to the first (routes).
  const tied = candidates
    .map((c, i) =>
      best >= 0 && c.usable && c.costMs <= limit && compareInBand(usualOf(i), c.costMs, usualOf(best), bestCost) === 0 ? i : -1,
    )
    .filter((i) => i >= 0);
  const weights = tied.map((i) => (how.weightOf === undefined ? (i === best ? 1 : 0) : how.weightOf(items[i] as T)));
  const total = weights.reduce((a, b) => a + b, 0);
  const shares = candidates.map(() => 0);
  tied.forEach((i, k) => {
    shares[i] = total > 0 ? ((weights[k] ?? 0) / total) * (1 - exploreShare) : 0;
  });
  if (explore >= 0) shares[explore] = exploreShare;
  const constants = { peakRatio: PEAK_RATIO, pileUpSigmas: PILE_UP_SIGMAS, pileUpSlack: PILE_UP_SLACK, tieBand: TIE_BAND };
  const knobs =
    `τ ${settings.decaySeconds} s, explore ≤ ${settings.explorePercent}% of picks for estimates older than ${settings.exploreIntervalSeconds} s, failures count ≥ ${settings.failurePenaltyMs} ms; ` +
    `an answer ≥ ${PEAK_RATIO}× the estimate (twice in a row) or ≤ 1/${PEAK_RATIO} of it replaces it, in flight beyond usual + ${PILE_UP_SIGMAS}√usual + ${PILE_UP_SLACK} is a pile-up, estimates compared as of their last sample, costs within ${TIE_BAND * 100}% of the lowest tie and the one carrying the stream keeps it`;
  const first = items[best];
  const cheapest = candidates.findIndex((c) => c.usable && c.costMs === lowest);
  const why =
    first === undefined
      ? `latency: nothing can serve (${knobs})`
      : `latency: ${name(first)} ${cheapest === best ? "has the lowest cost" : `is within ${TIE_BAND * 100}% of the lowest cost and carries the stream`}, estimate at its last sample × (pile-up + 1) = ${round(bestCost)} ms (a candidate never measured costs 0 while nothing is in flight to it)` +
        (tied.length > 1 ? `; ${tied.length} tie and split ${how.weightOf === undefined ? "by order" : "by weight"}` : "") +
        (explore >= 0
          ? `; ${name(items[explore] as T)} is stale (${candidates[explore]?.ageMs} ms since its last sample) and takes ${settings.explorePercent}% of picks to be measured again${credit >= 1 ? ", starting with the next" : ""}`
          : "") +
        ` (${knobs})`;
  return {
    settings,
    candidates: candidates.map((c) => ({ ...c, costMs: round(c.costMs) })),
    best,
    explore,
    credit: round(credit),
    shares,
    constants,
    why,
  };
}

/**
 * The four one-sided tests a rollout's target must not fail, each on one stratum (one colo,
 * or all colos with the stable side weighted to the target's colo mix): each gives the
 * p-value of "the target is within the limit" — the chance of figures at least this bad if
 * the target were exactly at the limit — and the words that name the figure when it fails.
 *
 * - error rate: exact binomial test of the target's failures against maxErrorRate;
 * - error rate against stable: the target's failures tested exactly against the stable's
 *   upper Wilson bound plus the margin, the level split between the two;
 * - latency against stable: Welch's t on mean(target) − ratio × mean(stable),
 *   Welch–Satterthwaite degrees of freedom;
 * - latency: one-sample t of the target's mean against maxLatencyMs.
 *
 * docs/rollouts.md#analysis says why these and not Kayenta's Mann–Whitney or Flagger's
 * thresholds.
 */
import { binomialUpperTail, normalUpperQuantile, normalUpperTail, studentUpperTail, wilsonBounds } from "./stats.ts";

/** Failures among requests; counts may be fractional on a weighted (standardised) side. */
export interface ErrorSide {
  readonly failures: number;
  readonly requests: number;
}

/**
 * A side's mean latency and the variance of that mean as a sum of parts, each part with its
 * own degrees of freedom: `variance` = Σ vᵢ and `varianceDf` = Σ vᵢ² / dfᵢ, what
 * Welch–Satterthwaite needs (df = variance² / varianceDf).
 */
export interface LatencySide {
  readonly meanMs: number;
  readonly variance: number;
  readonly varianceDf: number;
  readonly count: number;
}

/** A test's outcome: its p-value and the figure in words. */
export interface CheckResult {
  readonly check: "error rate" | "error rate vs stable" | "latency vs stable" | "latency";
  readonly p: number;
  /** e.g. "error rate 0.052 > 0.010": the confidence and the colo are added by the caller. */
  readonly figure: string;
}

const rate = (x: number): string => x.toFixed(3);
const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

/** Exact one-sided binomial test of H₀: the target's error rate ≤ `limit`. Needs whole counts. */
export function errorRateCheck(target: ErrorSide, limit: number): CheckResult {
  const failures = Math.round(target.failures);
  const requests = Math.round(target.requests);
  const p = limit >= 1 ? 1 : limit <= 0 ? (failures > 0 ? 0 : 1) : binomialUpperTail(failures, requests, limit);
  return { check: "error rate", p, figure: `error rate ${rate(failures / requests)} > ${rate(limit)}` };
}

/**
 * H₀: p(target) ≤ p(stable) + margin, at level L: the stable's rate is bounded above by its
 * Wilson bound at L/2, and the target's failures are tested exactly against that bound plus
 * the margin at L/2. Whatever the stable's true rate, the two errors add to at most L (a union
 * bound), and the target's side stays exact with few requests, where a normal approximation
 * (Wilson's lower bound, Newcombe's difference) fails a target too readily. The p-value is
 * the smallest L that rejects (found by bisection; rejecting only gets easier as L grows).
 */
export function errorRateVsStableCheck(target: ErrorSide, stable: ErrorSide, margin: number): CheckResult {
  const failures = Math.round(target.failures);
  const requests = Math.round(target.requests);
  const pt = failures / requests;
  const ps = stable.failures / stable.requests;
  const figure = `error rate ${rate(pt)} > stable ${rate(ps)} + ${rate(margin)}`;
  if (pt <= ps + margin) return { check: "error rate vs stable", p: 1, figure };
  const rejects = (level: number): boolean => {
    const bound = wilsonBounds(stable.failures, stable.requests, normalUpperQuantile(level / 2)).upper + margin;
    return bound < 1 && binomialUpperTail(failures, requests, bound) <= level / 2;
  };
  if (!rejects(1)) return { check: "error rate vs stable", p: 1, figure };
  // Bisection on log10 of the level, between 1e-300 and 1, to 1e-8 of a decade; the upper end (a level that rejects) is kept.
  let lo = -300;
  let hi = 0;
  if (rejects(10 ** lo)) return { check: "error rate vs stable", p: 0, figure };
  for (let i = 0; i < 36; i++) {
    const mid = (lo + hi) / 2;
    if (rejects(10 ** mid)) hi = mid;
    else lo = mid;
  }
  return { check: "error rate vs stable", p: 10 ** hi, figure };
}

/** The one-sided p-value of a t statistic with Satterthwaite's degrees of freedom; a zero variance decides by the sign. */
function tTail(difference: number, variance: number, varianceDf: number): number {
  if (!(variance > 0)) return difference > 0 ? 0 : 1;
  const df = varianceDf > 0 ? (variance * variance) / varianceDf : Number.POSITIVE_INFINITY;
  const t = difference / Math.sqrt(variance);
  return Number.isFinite(df) ? studentUpperTail(t, df) : normalUpperTail(t);
}

/** Welch's test of H₀: mean(target) ≤ ratio × mean(stable). */
export function latencyVsStableCheck(target: LatencySide, stable: LatencySide, ratio: number): CheckResult {
  const difference = target.meanMs - ratio * stable.meanMs;
  const variance = target.variance + ratio * ratio * stable.variance;
  const varianceDf = target.varianceDf + ratio ** 4 * stable.varianceDf;
  return {
    check: "latency vs stable",
    p: tTail(difference, variance, varianceDf),
    figure: `latency ${ms(target.meanMs)} ms > ${ratio} × stable ${ms(stable.meanMs)} ms`,
  };
}

/** One-sample t test of H₀: mean(target) ≤ limitMs. */
export function latencyCheck(target: LatencySide, limitMs: number): CheckResult {
  return {
    check: "latency",
    p: tTail(target.meanMs - limitMs, target.variance, target.varianceDf),
    figure: `latency ${ms(target.meanMs)} ms > ${limitMs} ms`,
  };
}

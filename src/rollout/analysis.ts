/**
 * An interval's verdict on a rollout's target, from the fleet's own traffic reports: in every
 * colo, the target against the stable pools in that colo over the same window, and all colos
 * together with the stable side weighted to the target's colo mix (strata.ts).
 *
 * - A colo with fewer than `minRequests` target requests is not judged (it neither passes
 *   nor fails on noise); all colos together are judged once they add up to `minRequests`.
 * - Each judged stratum runs the checks of checks.ts. They are one family: a check fails
 *   when its p-value is at most α / m, m the number of checks run (Bonferroni), so a target
 *   that meets every limit in every colo fails an interval with probability at most α — the
 *   `confidence` the user stated is the confidence of the whole verdict, not of each check.
 * - fail: any check failed (the colo and the figure are named; a colo's failure is named
 *   before the all-colos one, being more specific); pass: at least one colo was judged and
 *   nothing failed; inconclusive: no colo had enough target requests and nothing failed.
 *
 * Pure: no clock, no bindings. docs/rollouts.md#analysis explains the choices.
 */
import { errorRateCheck, errorRateVsStableCheck, latencyCheck, latencyVsStableCheck } from "./checks.ts";
import type { CheckResult } from "./checks.ts";
import { stratumOf } from "./strata.ts";
import type { ColoCounts, Stratum } from "./strata.ts";
import type { AnalysisSpec, Figures, IntervalCounts, Verdict } from "./types.ts";

/**
 * How much worse than stable the target's error rate may be, as a share of maxErrorRate:
 * with the default 1 % limit, 0.5 percentage points. Half the limit, so a target that would
 * double the failures of a healthy stable pool is caught before it reaches the absolute limit.
 */
export const RELATIVE_ERROR_MARGIN = 0.5;

/** What `analyse` concluded. */
export interface Analysis {
  readonly verdict: Verdict;
  /** The failing stratum's figures on a fail; all colos' together otherwise. */
  readonly figures: Figures;
  /** The colo that failed, when one did (undefined for a failure of all colos together). */
  readonly colo: string | undefined;
  /** Colos judged (with at least minRequests target requests), in code order. */
  readonly judged: readonly string[];
  /** Checks run (the Bonferroni m). */
  readonly checks: number;
}

/** "95", "99.9": a confidence as the words print it. */
export function confidenceWords(confidence: number): string {
  return `${Number((confidence * 100).toFixed(3))} %`;
}

/** The checks one stratum runs (those its counts can carry). */
function checksOf(stratum: Stratum, spec: AnalysisSpec): CheckResult[] {
  const results = [errorRateCheck(stratum.targetErrors, spec.maxErrorRate)];
  if (stratum.errorPair !== undefined) {
    results.push(errorRateVsStableCheck(stratum.errorPair.target, stratum.errorPair.stable, RELATIVE_ERROR_MARGIN * spec.maxErrorRate));
  }
  if (stratum.latencyPair !== undefined) {
    results.push(latencyVsStableCheck(stratum.latencyPair.target, stratum.latencyPair.stable, spec.maxLatencyRatio));
  }
  if (spec.maxLatencyMs !== undefined && stratum.targetLatency !== undefined) {
    results.push(latencyCheck(stratum.targetLatency, spec.maxLatencyMs));
  }
  return results;
}

/** A stratum's figures (the stable side as weighted for the comparison). */
function figuresOf(stratum: Stratum, failed: string | undefined): Figures {
  const pair = stratum.errorPair;
  return {
    targetRequests: stratum.targetRequests,
    stableRequests: stratum.stableRequests,
    targetErrorRate: stratum.targetRequests === 0 ? 0 : stratum.targetErrors.failures / stratum.targetRequests,
    stableErrorRate: pair === undefined ? 0 : pair.stable.failures / pair.stable.requests,
    targetLatencyMs: stratum.targetLatency?.meanMs,
    stableLatencyMs: stratum.latencyPair?.stable.meanMs,
    failed,
  };
}

/**
 * For a failure of all colos together, the colo that contributed most to it: the most
 * failures beyond what the stable pools had there (error checks), or the most milliseconds
 * beyond the limit summed over its timed responses (latency checks).
 */
function mostFrom(colos: readonly (readonly [string, ColoCounts])[], check: CheckResult["check"], spec: AnalysisSpec): string | undefined {
  let best: string | undefined;
  let bestExcess = 0;
  for (const [code, { target, stable }] of colos) {
    let excess: number;
    if (check === "error rate" || check === "error rate vs stable") {
      const expected = check === "error rate" || stable.requests === 0 ? spec.maxErrorRate : stable.failures / stable.requests;
      excess = target.failures - target.requests * expected;
    } else {
      if (target.latencyCount === 0) continue;
      const targetMean = target.latencySumMs / target.latencyCount;
      const limit =
        check === "latency"
          ? (spec.maxLatencyMs ?? 0)
          : stable.latencyCount === 0
            ? targetMean
            : spec.maxLatencyRatio * (stable.latencySumMs / stable.latencyCount);
      excess = target.latencyCount * (targetMean - limit);
    }
    if (excess > bestExcess) {
      best = code;
      bestExcess = excess;
    }
  }
  return best;
}

/**
 * Judges one interval's counts. `alpha` is the chance of failing a target that meets every
 * limit this verdict may spend (1 − confidence by default; the controller passes its share
 * of it for a look inside an interval, controller.ts).
 */
export function analyse(counts: IntervalCounts, spec: AnalysisSpec, alpha: number = 1 - spec.confidence): Analysis {
  const colos = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const all: ColoCounts[] = colos.map(([, c]) => c);
  const judgedColos = colos.filter(([, c]) => c.target.requests >= spec.minRequests);
  const strata: Stratum[] = judgedColos.map(([code, c]) => stratumOf(code, [c]));
  const together = stratumOf(undefined, all);
  const withTarget = all.filter((c) => c.target.requests > 0).length;
  // All colos together are a stratum of their own only when more than one colo saw the target.
  if (withTarget >= 2 && together.targetRequests >= spec.minRequests) strata.push(together);

  const results = strata.map((stratum) => ({ stratum, checks: checksOf(stratum, spec) }));
  const m = results.reduce((n, r) => n + r.checks.length, 0);
  const level = m === 0 ? 0 : alpha / m;
  const failures = results.flatMap(({ stratum, checks }) => checks.filter((c) => c.p <= level).map((check) => ({ stratum, check })));
  const judged = judgedColos.map(([code]) => code);

  if (failures.length > 0) {
    // A colo's failure is more specific than all colos': name it first; then the strongest evidence.
    failures.sort((a, b) => Number(a.stratum.colo === undefined) - Number(b.stratum.colo === undefined) || a.check.p - b.check.p);
    const first = failures[0] as (typeof failures)[number];
    const others = [
      ...new Set(
        failures.slice(1).flatMap((f) => (f.stratum.colo === undefined || f.stratum.colo === first.stratum.colo ? [] : [f.stratum.colo])),
      ),
    ];
    const most = first.stratum.colo === undefined ? mostFrom(colos, first.check.check, spec) : undefined;
    const where = first.stratum.colo === undefined ? ` across all colos${most === undefined ? "" : `, most from ${most}`}` : "";
    const also = others.length === 0 ? "" : `; also failing: ${others.join(", ")}`;
    const failed = `${first.check.figure} (one-sided ${confidenceWords(spec.confidence)})${where}${also}`;
    return { verdict: "fail", figures: figuresOf(first.stratum, failed), colo: first.stratum.colo, judged, checks: m };
  }
  return {
    verdict: judged.length === 0 ? "inconclusive" : "pass",
    figures: figuresOf(together, undefined),
    colo: undefined,
    judged,
    checks: m,
  };
}

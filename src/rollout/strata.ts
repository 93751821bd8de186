/**
 * A stratum is what one verdict compares: one colo's target and stable counts, or all colos
 * together. Together, the stable side is weighted to the target's colo mix (direct
 * standardisation): each colo's stable figure counts as much as that colo's share of the
 * target's requests, so the target is compared with what the stable pools did for the same
 * clients — never with a different mix of colos (Simpson's paradox). For one colo the
 * weighting is the identity, so one code path serves both.
 */
import type { ErrorSide, LatencySide } from "./checks.ts";
import type { SideCounts } from "./types.ts";

/** One colo's counts for the interval. */
export interface ColoCounts {
  readonly target: SideCounts;
  readonly stable: SideCounts;
}

/** The sides one stratum's checks compare; a side is absent when the counts cannot carry its test. */
export interface Stratum {
  /** The colo, or undefined for all colos together. */
  readonly colo: string | undefined;
  readonly targetRequests: number;
  readonly stableRequests: number;
  /** The target's failures, whole counts (the exact test needs them). */
  readonly targetErrors: ErrorSide;
  /** Target and stable restricted to colos where both had requests; stable weighted to the target's mix. */
  readonly errorPair: { readonly target: ErrorSide; readonly stable: ErrorSide } | undefined;
  /** The target's latency (colos where it had ≥ 2 timed responses). */
  readonly targetLatency: LatencySide | undefined;
  /** Target and stable latency restricted to colos where both had ≥ 2 timed responses; stable weighted. */
  readonly latencyPair: { readonly target: LatencySide; readonly stable: LatencySide } | undefined;
}

/** Sample mean and variance of a side's latency; undefined below two timed responses. */
function moments(side: SideCounts): { readonly mean: number; readonly variance: number; readonly n: number } | undefined {
  const n = side.latencyCount;
  if (n < 2) return undefined;
  const mean = side.latencySumMs / n;
  // Sum of squares minus n·mean²; rounding can leave a tiny negative.
  const variance = Math.max(0, (side.latencySumSqMs - n * mean * mean) / (n - 1));
  return { mean, variance, n };
}

/** A weighted mean of per-colo means, with the variance parts Welch–Satterthwaite needs. */
function weightedLatency(parts: readonly { readonly w: number; readonly m: { mean: number; variance: number; n: number } }[]): LatencySide {
  let meanMs = 0;
  let variance = 0;
  let varianceDf = 0;
  let count = 0;
  for (const { w, m } of parts) {
    const v = (w * w * m.variance) / m.n;
    meanMs += w * m.mean;
    variance += v;
    varianceDf += (v * v) / (m.n - 1);
    count += m.n;
  }
  return { meanMs, variance, varianceDf, count };
}

/** The stratum of `colos` (one colo, or all of them with `colo` undefined). */
export function stratumOf(colo: string | undefined, colos: readonly ColoCounts[]): Stratum {
  let targetRequests = 0;
  let targetFailures = 0;
  let stableRequests = 0;
  for (const c of colos) {
    targetRequests += c.target.requests;
    targetFailures += c.target.failures;
    stableRequests += c.stable.requests;
  }

  // Errors against stable: colos where both sides had requests, stable weighted by the target's requests there.
  const both = colos.filter((c) => c.target.requests > 0 && c.stable.requests > 0);
  const bothTarget = both.reduce((n, c) => n + c.target.requests, 0);
  let errorPair: Stratum["errorPair"];
  if (bothTarget > 0) {
    let rateStd = 0;
    let invEffective = 0;
    let failures = 0;
    for (const c of both) {
      const w = c.target.requests / bothTarget;
      rateStd += (w * c.stable.failures) / c.stable.requests;
      invEffective += (w * w) / c.stable.requests;
      failures += c.target.failures;
    }
    // Kish's effective size of the weighted stable rate: the n a plain rate of its precision would have.
    const effective = 1 / invEffective;
    errorPair = {
      target: { failures, requests: bothTarget },
      stable: { failures: rateStd * effective, requests: effective },
    };
  }

  const timedTarget = colos.flatMap((c) => {
    const m = moments(c.target);
    return m === undefined ? [] : [m];
  });
  const timedTargetCount = timedTarget.reduce((n, m) => n + m.n, 0);
  const targetLatency = timedTargetCount === 0 ? undefined : weightedLatency(timedTarget.map((m) => ({ w: m.n / timedTargetCount, m })));

  const timedBoth = colos.flatMap((c) => {
    const t = moments(c.target);
    const s = moments(c.stable);
    return t === undefined || s === undefined ? [] : [{ t, s }];
  });
  const timedBothCount = timedBoth.reduce((n, x) => n + x.t.n, 0);
  const latencyPair =
    timedBothCount === 0
      ? undefined
      : {
          target: weightedLatency(timedBoth.map((x) => ({ w: x.t.n / timedBothCount, m: x.t }))),
          stable: weightedLatency(timedBoth.map((x) => ({ w: x.t.n / timedBothCount, m: x.s }))),
        };

  return {
    colo,
    targetRequests,
    stableRequests,
    targetErrors: { failures: targetFailures, requests: targetRequests },
    errorPair,
    targetLatency,
    latencyPair,
  };
}

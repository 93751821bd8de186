/**
 * Counts for the rollout tests: SideCounts from figures (requests, failures, latency mean and
 * standard deviation), and seeded draws of what an interval of real traffic would report —
 * binomial failures and the latency sums of normal samples — without drawing every request.
 */
import type { RandomSource } from "../../../src/steering/types.ts";
import type { IntervalCounts, SideCounts } from "../../../src/rollout/types.ts";

/** A side with `failures` of `requests` failed, and (when given) latency of this mean and sd over the successful ones. */
export function side(requests: number, failures = 0, latency?: { mean: number; sd: number }): SideCounts {
  const n = latency === undefined ? 0 : requests - failures;
  const mean = latency?.mean ?? 0;
  const sd = latency?.sd ?? 0;
  return {
    requests,
    failures,
    latencySumMs: n * mean,
    latencySumSqMs: n < 2 ? n * mean * mean : (n - 1) * sd * sd + n * mean * mean,
    latencyCount: n,
  };
}

/** Interval counts from colo → [target, stable]. */
export function countsOf(colos: Record<string, readonly [SideCounts, SideCounts]>): IntervalCounts {
  return new Map(Object.entries(colos).map(([colo, [target, stable]]) => [colo, { target, stable }]));
}

/** A standard normal draw (Box–Muller). */
export function normal(random: RandomSource): number {
  const u = Math.max(Number.MIN_VALUE, random());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A Binomial(n, p) draw: exact inversion for small means, the normal approximation (rounded, clamped) for large ones. */
export function binomial(n: number, p: number, random: RandomSource): number {
  if (p <= 0 || n <= 0) return 0;
  if (p >= 1) return n;
  if (n * p < 50) {
    const u = random();
    let k = 0;
    let pmf = (1 - p) ** n;
    let cdf = pmf;
    while (u > cdf && k < n) {
      pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
      k++;
      cdf += pmf;
    }
    return k;
  }
  const x = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * normal(random));
  return Math.min(n, Math.max(0, x));
}

/**
 * What a side reports over an interval when each request fails with probability `p` and the
 * successful ones take Normal(mean, sd) ms: the sample mean and variance are drawn from their
 * exact distributions (mean ~ N(μ, σ²/n), variance ~ σ²·χ²ₙ₋₁/(n − 1), Wilson–Hilferty).
 */
export function drawSide(requests: number, p: number, latency: { mean: number; sd: number }, random: RandomSource): SideCounts {
  const failures = binomial(requests, p, random);
  const n = requests - failures;
  if (n < 2) return side(requests, failures, n === 1 ? { mean: latency.mean, sd: 0 } : undefined);
  const mean = latency.mean + (latency.sd / Math.sqrt(n)) * normal(random);
  const k = n - 1;
  const chi2 = k * (1 - 2 / (9 * k) + normal(random) * Math.sqrt(2 / (9 * k))) ** 3;
  return side(requests, failures, { mean, sd: latency.sd * Math.sqrt(Math.max(0, chi2) / k) });
}

/**
 * Peak-EWMA latency estimates, as Finagle's and Linkerd's balancers keep them: a sample
 * above the estimate replaces it at once (so a slowdown is seen on the next request), a
 * sample below it pulls it down with a weight that grows with the time since the last
 * sample (decay time DECAY_MS). A failure counts as at least FAILURE_PENALTY_MS: an origin
 * that answers 503 in 1 ms must not look fast (the trap ANCHORS.md describes).
 * Pure: the clock is a parameter.
 */

/** Time constant of the moving average (Finagle's default decay time). */
export const DECAY_MS = 10_000;
/** What a failed try counts as; also Tower's assumed latency for an endpoint never measured. */
export const FAILURE_PENALTY_MS = 1_000;

interface Estimate {
  ewma: number;
  at: number;
}

/** Latency estimates keyed by origin id or `pool:<id>`. */
export class LatencyTracker {
  readonly #estimates = new Map<string, Estimate>();

  /** Records one try: its time to response headers and whether it succeeded. */
  observe(key: string, rttMs: number, ok: boolean, now: number): void {
    const sample = ok ? Math.max(0, rttMs) : Math.max(rttMs, FAILURE_PENALTY_MS);
    const current = this.#estimates.get(key);
    // A failure never makes an origin look faster, however slow it was before.
    if (!ok && current !== undefined && sample <= current.ewma) return;
    if (current === undefined || sample > current.ewma) {
      this.#estimates.set(key, { ewma: sample, at: now });
      return;
    }
    const w = Math.exp(-Math.max(0, now - current.at) / DECAY_MS);
    current.ewma = current.ewma * w + sample * (1 - w);
    current.at = now;
  }

  /** Seeds an estimate this isolate has not measured (from the colo's view in the Durable Object). */
  seed(key: string, ewma: number, now: number): void {
    if (!this.#estimates.has(key)) this.#estimates.set(key, { ewma, at: now });
  }

  /** The estimate in ms, or undefined when never measured. */
  estimate(key: string): number | undefined {
    return this.#estimates.get(key)?.ewma;
  }

  /** Every estimate, for reporting to the Durable Object. */
  entries(): [string, number][] {
    return [...this.#estimates].map(([key, e]) => [key, e.ewma]);
  }
}

/** The signals key for a pool's own latency and load (CompiledPool.key holds it ready). Origin ids cannot contain ":". */
export function poolKey(poolId: string): string {
  return `pool:${poolId}`;
}

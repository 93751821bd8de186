/**
 * A per-route retry budget in the Linkerd/Finagle style: over a sliding window (10 s by
 * default), retries and hedges may be at most `budgetPercent`% of the requests seen plus
 * a floor of `minRetriesPerSecond` × the window's seconds. The floor lets a quiet route
 * retry at all; the percentage keeps a busy route from doubling its load on a dying
 * origin. Counts live in a ring of buckets (a tenth of the window each), so the window
 * slides in steps of one bucket and no call allocates. Pure: the caller passes the time.
 */

/** Buckets per window: the window slides in steps of a tenth of its length. */
const BUCKETS = 10;

export class RetryBudget {
  readonly #bucketMs: number;
  readonly #windowSeconds: number;
  /** The bucket number (time ÷ bucket length) each slot holds counts for; -Infinity when never used. */
  readonly #epochs = new Float64Array(BUCKETS).fill(Number.NEGATIVE_INFINITY);
  readonly #requests = new Float64Array(BUCKETS);
  readonly #retries = new Float64Array(BUCKETS);

  constructor(windowMs = 10_000) {
    if (!(windowMs > 0) || !Number.isFinite(windowMs))
      throw new RangeError(`retry budget window must be a positive number of ms, got ${windowMs}`);
    this.#bucketMs = windowMs / BUCKETS;
    this.#windowSeconds = windowMs / 1000;
  }

  /** A request started (each client request, not each try). */
  recordRequest(now: number): void {
    const slot = this.#slot(now);
    this.#requests[slot] = (this.#requests[slot] ?? 0) + 1;
  }

  /** Asks for one retry or hedge at `now`; when allowed, counts it and returns true. */
  tryAcquire(now: number, budgetPercent: number, minRetriesPerSecond: number): boolean {
    const slot = this.#slot(now);
    const current = this.#epochs[slot] ?? 0;
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < BUCKETS; i++) {
      // Slots last written more than a window ago are stale until reused: skip them (and
      // any "future" slot, should the clock step back).
      const epoch = this.#epochs[i] ?? Number.NEGATIVE_INFINITY;
      if (epoch > current - BUCKETS && epoch <= current) {
        requests += this.#requests[i] ?? 0;
        retries += this.#retries[i] ?? 0;
      }
    }
    // Whole retries only, as Finagle's token bucket: 3 requests at 20% earn 0.6 of a retry,
    // which is not one. Scaled by 100 so whole-number percentages stay exact.
    const allowedTimes100 = requests * budgetPercent + minRetriesPerSecond * this.#windowSeconds * 100;
    if ((retries + 1) * 100 > allowedTimes100) return false;
    this.#retries[slot] = (this.#retries[slot] ?? 0) + 1;
    return true;
  }

  /** The slot for `now`, cleared first when it still holds counts from an earlier window. */
  #slot(now: number): number {
    const epoch = Math.floor(now / this.#bucketMs);
    const slot = ((epoch % BUCKETS) + BUCKETS) % BUCKETS;
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch;
      this.#requests[slot] = 0;
      this.#retries[slot] = 0;
    }
    return slot;
  }
}

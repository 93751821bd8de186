/**
 * Requests in flight from this isolate, per origin and per pool, for least-outstanding
 * steering and for latency steering's pile-up factor. A try counts from the moment it is
 * sent until its response headers arrive or it fails.
 *
 * Also what is usual for each key: an EWMA of the count in flight at dispatch (before the
 * try sent is counted), over about USUAL_DISPATCHES dispatches. By Little's law that is
 * the key's rate × latency, so an origin that takes a colo's whole stream has a few tries
 * in flight all the time, and latency steering (latency-choice.ts) charges only for tries
 * beyond that. O(1) and allocation-free per dispatch once a key is known.
 */

/**
 * The usual count in flight is an EWMA over about this many dispatches to the key: 32, a
 * little over half a second of a colo's stream at the 50 requests/s the latency-steering
 * issue states its targets at, so it follows a change of rate or latency within a second
 * or two while one dispatch moves it by 1/32 of its surprise.
 */
export const USUAL_DISPATCHES = 32;

/** Keys kept once nothing is in flight to them (their usual count with them); beyond it idle keys are forgotten. */
export const MAX_IDLE_KEYS = 4_096;

interface Count {
  n: number;
  usual: number;
}

export class OutstandingTracker {
  readonly #counts = new Map<string, Count>();

  start(keys: readonly string[]): void {
    for (const key of keys) this.#start(key);
  }

  finish(keys: readonly string[]): void {
    for (const key of keys) this.#finish(key);
  }

  #start(key: string): void {
    const c = this.#counts.get(key);
    if (c === undefined) {
      this.#counts.set(key, { n: 1, usual: 0 });
      return;
    }
    c.usual += (c.n - c.usual) / USUAL_DISPATCHES;
    c.n++;
  }

  #finish(key: string): void {
    const c = this.#counts.get(key);
    if (c === undefined) return;
    c.n = Math.max(0, c.n - 1);
    if (c.n === 0 && this.#counts.size > MAX_IDLE_KEYS) this.#counts.delete(key);
  }

  /** One try sent to `origin` through the pool whose key is `pool` (start for both keys, with no array). */
  startTry(origin: string, pool: string): void {
    this.#start(origin);
    this.#start(pool);
  }

  /** One try to `origin` through `pool` ended. */
  finishTry(origin: string, pool: string): void {
    this.#finish(origin);
    this.#finish(pool);
  }

  /** Tries in flight to the key now. */
  get(key: string): number {
    return this.#counts.get(key)?.n ?? 0;
  }

  /** The usual count in flight to the key at dispatch (0 for a key never dispatched to). */
  usual(key: string): number {
    return this.#counts.get(key)?.usual ?? 0;
  }
}

/**
 * Requests in flight from this isolate, per origin and per pool, for least-outstanding
 * steering and for peak-EWMA's load factor. A try counts from the moment it is sent until
 * its response headers arrive or it fails.
 */
export class OutstandingTracker {
  readonly #counts = new Map<string, number>();

  start(keys: readonly string[]): void {
    for (const key of keys) this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  finish(keys: readonly string[]): void {
    for (const key of keys) {
      const next = (this.#counts.get(key) ?? 0) - 1;
      if (next <= 0) this.#counts.delete(key);
      else this.#counts.set(key, next);
    }
  }

  get(key: string): number {
    return this.#counts.get(key) ?? 0;
  }
}

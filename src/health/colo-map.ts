/**
 * Per-colo state in one isolate. In production an isolate serves one colo, so each map
 * holds one entry; locally one isolate can play several colos (the debug geo header's
 * `colo=`), each with its own passive-health view, as separate isolates in separate
 * colos would have. Bounded: past MAX_COLOS_PER_ISOLATE the colo used least recently is
 * forgotten.
 */

/** More colos than any local test plays; production uses one. */
export const MAX_COLOS_PER_ISOLATE = 32;

export class ColoMap<T> {
  readonly #make: (colo: string) => T;
  readonly #max: number;
  /** Insertion order is use order: get() moves an entry to the end. */
  readonly #entries = new Map<string, T>();
  #last: { colo: string; value: T } | undefined;

  constructor(make: (colo: string) => T, max = MAX_COLOS_PER_ISOLATE) {
    this.#make = make;
    this.#max = max;
  }

  /** The colo's entry, made on first use. O(1) and allocation-free for the colo used last (the request path's case). */
  get(colo: string): T {
    if (this.#last?.colo === colo) return this.#last.value;
    let value = this.#entries.get(colo);
    if (value === undefined) {
      value = this.#make(colo);
      if (this.#entries.size >= this.#max) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
    } else {
      this.#entries.delete(colo);
    }
    this.#entries.set(colo, value);
    this.#last = { colo, value };
    return value;
  }

  /** The colo's entry if it has one (does not make one). */
  peek(colo: string): T | undefined {
    return this.#entries.get(colo);
  }

  /** Colos with an entry, least recently used first. */
  colos(): string[] {
    return [...this.#entries.keys()];
  }

  entries(): IterableIterator<[string, T]> {
    return this.#entries.entries();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/**
 * The event queue of the virtual clock: a binary min-heap on (time, sequence). The
 * sequence number breaks ties in insertion order, so a run never depends on how the
 * heap happens to order equal times.
 */
export class EventQueue<T> {
  readonly #times: number[] = [];
  readonly #seqs: number[] = [];
  readonly #items: T[] = [];
  #seq = 0;

  get size(): number {
    return this.#items.length;
  }

  push(time: number, item: T): void {
    this.#times.push(time);
    this.#seqs.push(this.#seq++);
    this.#items.push(item);
    this.#up(this.#items.length - 1);
  }

  /** The earliest event's time; Infinity when empty. */
  peekTime(): number {
    return this.#times[0] ?? Number.POSITIVE_INFINITY;
  }

  /** Removes and returns the earliest event with its time. */
  pop(): { time: number; item: T } | undefined {
    const n = this.#items.length;
    if (n === 0) return undefined;
    const time = this.#times[0] as number;
    const item = this.#items[0] as T;
    const lastTime = this.#times.pop() as number;
    const lastSeq = this.#seqs.pop() as number;
    const lastItem = this.#items.pop() as T;
    if (n > 1) {
      this.#times[0] = lastTime;
      this.#seqs[0] = lastSeq;
      this.#items[0] = lastItem;
      this.#down(0);
    }
    return { time, item };
  }

  #less(a: number, b: number): boolean {
    const ta = this.#times[a] as number;
    const tb = this.#times[b] as number;
    return ta < tb || (ta === tb && (this.#seqs[a] as number) < (this.#seqs[b] as number));
  }

  #swap(a: number, b: number): void {
    const t = this.#times[a] as number;
    this.#times[a] = this.#times[b] as number;
    this.#times[b] = t;
    const s = this.#seqs[a] as number;
    this.#seqs[a] = this.#seqs[b] as number;
    this.#seqs[b] = s;
    const i = this.#items[a] as T;
    this.#items[a] = this.#items[b] as T;
    this.#items[b] = i;
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(i, parent)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#items.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.#less(l, m)) m = l;
      if (r < n && this.#less(r, m)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }
}

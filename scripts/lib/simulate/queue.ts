/**
 * The origins' queueing model. An origin serves `capacity` requests per second; at
 * utilisation ρ = arrival rate ÷ capacity its mean response time is the M/M/1 curve
 * service ÷ (1 − ρ): flat while the origin is idle, twice the service time at ρ = 0.5,
 * ten times at 0.9. Piling every colo onto the fastest origin therefore costs. Past
 * RHO_MAX the curve is held (a real queue would grow without bound; the per-try timeout
 * cuts it off anyway). The arrival rate is a sliding one-second count over every colo.
 */

/** Utilisation the curve is held at: 50× the service time. */
export const RHO_MAX = 0.98;

/** Mean response time in ms of an M/M/1 queue with mean service time `serviceMs` at utilisation `rho`. */
export function mm1ResponseMs(serviceMs: number, rho: number): number {
  const held = Math.min(Math.max(rho, 0), RHO_MAX);
  return serviceMs / (1 - held);
}

/** A sample of an exponential distribution with the given mean (the M/M/1 response time's distribution). */
export function exponential(mean: number, random: () => number): number {
  return -mean * Math.log(1 - random());
}

/**
 * Share of the response time that is fixed work; the rest is exponential. A pure
 * exponential (the M/M/1 response time, coefficient of variation 1) makes a web origin
 * far noisier than real ones; half fixed, half exponential keeps the M/M/1 mean with a
 * coefficient of variation of 0.5 and a p99 of 2.8× the mean.
 */
export const FIXED_SHARE = 0.5;

/** One response time with mean `mean`: FIXED_SHARE of it fixed, the rest exponential. */
export function responseSample(mean: number, random: () => number): number {
  return mean * FIXED_SHARE + exponential(mean * (1 - FIXED_SHARE), random);
}

/** Window of the arrival-rate meter. */
export const RATE_WINDOW_MS = 1_000;
const BUCKETS = 10;

/** Arrivals per second over the last RATE_WINDOW_MS, counted in ten buckets. Time only moves forward. */
export class RateMeter {
  readonly #counts = new Float64Array(BUCKETS);
  readonly #epochs = new Float64Array(BUCKETS).fill(-1);
  readonly #bucketMs = RATE_WINDOW_MS / BUCKETS;

  /** Counts one arrival at `now` (ms). */
  add(now: number): void {
    const slot = this.#slot(now);
    this.#counts[slot] = (this.#counts[slot] ?? 0) + 1;
  }

  /** Arrivals per second over the window ending at `now`. */
  rate(now: number): number {
    const current = Math.floor(now / this.#bucketMs);
    let n = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const epoch = this.#epochs[i] ?? -1;
      if (epoch > current - BUCKETS && epoch <= current) n += this.#counts[i] ?? 0;
    }
    return (n * 1_000) / RATE_WINDOW_MS;
  }

  #slot(now: number): number {
    const epoch = Math.floor(now / this.#bucketMs);
    const slot = epoch % BUCKETS;
    if (this.#epochs[slot] !== epoch) {
      this.#epochs[slot] = epoch;
      this.#counts[slot] = 0;
    }
    return slot;
  }
}

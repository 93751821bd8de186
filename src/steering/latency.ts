/**
 * The one latency estimator that `latency` steering uses, for pools (which origin) and for
 * routes (which pool): an EWMA with peaks, after Finagle's and Linkerd's peak-EWMA, with
 * the clock passed in.
 *
 * - Ordinary answers are averaged with weight 1 − exp(−Δt / τ) (τ = `decaySeconds`, Δt
 *   the time since the previous sample), at least 1/n while the estimate holds n answers:
 *   an origin taking a steady stream is estimated at its mean over about τ.
 * - Two answers in a row at least PEAK_RATIO × the estimate replace it (a slowdown is seen
 *   on its second answer); one alone is held and dropped if the next is ordinary, so the
 *   tail of a noisy origin does not move it. An answer at most 1 / PEAK_RATIO of it (a
 *   trough) replaces it at once: the origin has recovered.
 * - Decay on read: reading it `idle` ms after its last sample gives value × exp(−idle / τ)
 *   (Finagle's decay on read, computed from the time of the last sample so the result does
 *   not depend on how often it is read): an estimate nobody has refreshed ages toward
 *   "unknown" in explain and in the colo view. Steering compares values as of their last
 *   sample (latency-choice.ts AT_LAST_SAMPLE) and refreshes stale ones by exploring.
 * - A failed try is a penalty sample, at least `failurePenaltyMs`: it can raise the
 *   estimate, never lower it, is not undone by a trough, and is averaged away by later
 *   answers, so an origin answering 503 in 1 ms never looks fastest (the trap ANCHORS.md
 *   describes).
 *
 * Pure: no clock, no randomness, no I/O. The isolate keeps one LatencyTracker per colo
 * (latency-colo.ts); steering reads it through SteeringSignals and chooses with
 * latency-choice.ts.
 */

/** Finagle's PeakEwma decay time, 10 s (ANCHORS.md, Linkerd / Finagle / Tower). */
export const DEFAULT_DECAY_SECONDS = 10;
/**
 * What a failed try counts as, at least: Tower's assumed latency for an endpoint it has
 * not measured, 1 s (ANCHORS.md, Linkerd / Finagle / Tower), which ANCHORS.md's failing-fast
 * trap asks to count as slow. Also the cost of an origin never measured while a try to it
 * is in flight, so a new origin is tried once, not flooded.
 */
export const DEFAULT_FAILURE_PENALTY_MS = 1_000;
/**
 * Share of a pool's (or route's) picks that may go to exploring a stale estimate: 2%, the
 * bound the latency-steering issue sets; Edgeway's own choice, as none of the anchors
 * explores (Linkerd relies on P2C's randomness, Cloudflare on probes).
 */
export const DEFAULT_EXPLORE_PERCENT = 2;
/**
 * An estimate with no sample for this long is stale and due for one exploring request:
 * half of Finagle's 10 s decay time (ANCHORS.md), so a stale estimate is refreshed before
 * it has decayed below exp(−½) ≈ 61% of its value.
 */
export const DEFAULT_EXPLORE_INTERVAL_SECONDS = 5;

/**
 * How far from the estimate a success must be to replace it at once rather than move it
 * as an average: a peak is at least PEAK_RATIO × the estimate, a trough at most
 * 1 / PEAK_RATIO of it. 3×, Edgeway's own choice (the anchors' peak-EWMA, Finagle's and
 * Linkerd's, replaces on any slower answer, which makes the estimate of an origin taking
 * a steady stream its recent worst answer, not its usual one). An answer three times the
 * mean comes about once in 150 from an origin whose service time varies as much as the
 * simulator's (half fixed, half exponential), two in a row about once in 20,000 (every
 * seven minutes at 50 answers/s, and the next exploring answer, a trough, undoes it),
 * while a 10× slowdown (the issue's shift target) clears it from every colo whose network
 * time is under four times the service time; from farther colos the average and the
 * pile-up in flight see it within a second or two.
 */
export const PEAK_RATIO = 3;

/** The decay time in ms (DEFAULT_DECAY_SECONDS). */
export const DECAY_MS = DEFAULT_DECAY_SECONDS * 1_000;
/** The failure penalty in ms (DEFAULT_FAILURE_PENALTY_MS). */
export const FAILURE_PENALTY_MS = DEFAULT_FAILURE_PENALTY_MS;

/** The knobs of latency steering, per pool and per route (`"latency": { … }` in the config). */
export interface LatencySettings {
  /** τ of the moving average and of the decay on read. */
  readonly decaySeconds: number;
  /** At most this share of picks explores a stale estimate (0 turns exploration off). */
  readonly explorePercent: number;
  /** An estimate without a sample for this long is due for exploring. */
  readonly exploreIntervalSeconds: number;
  /** A failed try counts as at least this slow. */
  readonly failurePenaltyMs: number;
}

export const DEFAULT_LATENCY_SETTINGS: LatencySettings = {
  decaySeconds: DEFAULT_DECAY_SECONDS,
  explorePercent: DEFAULT_EXPLORE_PERCENT,
  exploreIntervalSeconds: DEFAULT_EXPLORE_INTERVAL_SECONDS,
  failurePenaltyMs: DEFAULT_FAILURE_PENALTY_MS,
};

/** One key's estimate: its value at its last sample, and when that was. */
export interface Estimate {
  value: number;
  at: number;
  /** Measured by this tracker (false: seeded from the Durable Object's colo view). */
  measured: boolean;
  /** The last success when it was a peak not yet confirmed by a second (0: none pending). */
  peak: number;
  /** The value holds a failure's penalty not yet averaged away: a trough does not undo it. */
  failed: boolean;
  /** Answers averaged into the value since it was last replaced (a first sample, a peak, a trough, a failure). */
  samples: number;
}

/** The estimate `now`, decayed toward 0 since its last sample (decay on read). */
export function decayedValue(estimate: Estimate, now: number, decayMs: number): number {
  const idle = now - estimate.at;
  return idle <= 0 ? estimate.value : estimate.value * Math.exp(-idle / decayMs);
}

/**
 * The estimator's rule: one sample of `rttMs` at `now` applied to an estimate (its value
 * and the peak it leaves pending), in place: nothing is allocated per try. A failure counts
 * as at least `failurePenaltyMs`, replaces a lower estimate at once and never lowers one
 * (ANCHORS.md's failing-fast trap). A success:
 *
 * - that is a peak (≥ PEAK_RATIO × the estimate) is held, not averaged in; a second peak
 *   right after it replaces the estimate with the smaller of the two: a slowdown is seen
 *   on its second answer, while one slow answer in the tail of a noisy origin changes
 *   nothing (an ordinary answer after it drops it);
 * - that is a trough (≤ the estimate / PEAK_RATIO) replaces it at once: latency varies
 *   upward (queues, retransmits), rarely to a third of its usual value, so an origin that
 *   answers that fast has recovered, and the first answer after a shunned origin's
 *   recovery brings its traffic back. Not when the estimate holds a failure's penalty: an
 *   origin failing one request in ten answers the other nine fast, and a trough would
 *   hand it the stream back after every failure; its successes average the penalty away;
 * - otherwise moves the estimate toward it as an EWMA whose weight grows with Δt, the time
 *   since the previous sample: 1 − exp(−Δt / τ), and is at least 1/n while the estimate
 *   holds only n answers (their plain mean). A steady stream gives its mean over about τ;
 *   a lone sample after a long silence nearly replaces it.
 *
 * The average starts from the value at the last sample, not the value decayed to now:
 * decay on read is how an idle estimate looks to steering, not evidence about the origin
 * (starting from the decayed value would settle a busy origin's estimate at half its mean).
 */
export function applySample(estimate: Estimate, rttMs: number, ok: boolean, now: number, decayMs: number, failurePenaltyMs: number): void {
  const base = estimate.value;
  if (!ok) {
    estimate.value = Math.max(rttMs, failurePenaltyMs, decayedValue(estimate, now, decayMs));
    estimate.peak = 0;
    estimate.failed = true;
    estimate.samples = 1;
    return;
  }
  const sample = Math.max(0, rttMs);
  const trough = sample * PEAK_RATIO <= base;
  if (sample >= base * PEAK_RATIO) {
    if (estimate.peak > 0) {
      estimate.value = Math.min(estimate.peak, sample);
      estimate.peak = 0;
      estimate.samples = 1;
    } else estimate.peak = sample;
  } else if (trough && !estimate.failed) {
    estimate.value = sample;
    estimate.peak = 0;
    estimate.samples = 1;
  } else {
    estimate.samples++;
    estimate.value = average(base, sample, now - estimate.at, decayMs, estimate.samples);
    estimate.peak = 0;
  }
  // A penalty is averaged away once answers are no longer troughs beside it.
  if (!trough) estimate.failed = false;
}

/** The value after one sample of `rttMs` at `now` (applySample on a copy); `previous` undefined: never measured. */
export function nextValue(
  previous: Readonly<Estimate> | undefined,
  rttMs: number,
  ok: boolean,
  now: number,
  decayMs: number,
  failurePenaltyMs: number,
): number {
  const sample = ok ? Math.max(0, rttMs) : Math.max(rttMs, failurePenaltyMs);
  if (previous === undefined) return sample;
  const next = { ...previous };
  applySample(next, rttMs, ok, now, decayMs, failurePenaltyMs);
  return next.value;
}

/**
 * The EWMA step: `base` moved toward `sample` with weight 1 − exp(−Δt / τ), or 1/n when
 * the value holds only n answers and that is more (the plain mean of the first few: an
 * origin explored every few seconds is not judged for a minute on its first answer).
 */
function average(base: number, sample: number, dtMs: number, decayMs: number, samples: number): number {
  const weight = Math.max(1 - Math.exp(-Math.max(0, dtMs) / decayMs), 1 / samples);
  return base * (1 - weight) + sample * weight;
}

/** One reported estimate: key, value in ms, time of its last sample. */
export type LatencyEntry = readonly [key: string, valueMs: number, at: number];

/** Latency estimates keyed by origin id or `pool:<id>`, as measured from one edge location. */
export class LatencyTracker {
  readonly #estimates = new Map<string, Estimate>();

  /**
   * Records one try: its time to response headers and whether it succeeded. `decayMs` and
   * `failurePenaltyMs` are the settings of the pool (origin keys) or route (pool keys) the
   * try went through.
   */
  observe(key: string, rttMs: number, ok: boolean, now: number, decayMs = DECAY_MS, failurePenaltyMs = FAILURE_PENALTY_MS): void {
    const current = this.#estimates.get(key);
    if (current === undefined) {
      this.#estimates.set(key, {
        value: ok ? Math.max(0, rttMs) : Math.max(rttMs, failurePenaltyMs),
        at: now,
        measured: true,
        peak: 0,
        failed: !ok,
        samples: 1,
      });
      return;
    }
    applySample(current, rttMs, ok, now, decayMs, failurePenaltyMs);
    current.at = Math.max(current.at, now);
    current.measured = true;
  }

  /**
   * Adopts an estimate this tracker has not measured itself (the colo's view from the
   * Durable Object), sampled at `at`; a newer seed replaces an older one, a measured
   * estimate is never overwritten.
   */
  seed(key: string, value: number, at: number): void {
    if (!Number.isFinite(value) || value < 0 || !Number.isFinite(at)) return;
    const current = this.#estimates.get(key);
    if (current === undefined) this.#estimates.set(key, { value, at, measured: false, peak: 0, failed: false, samples: 1 });
    else if (!current.measured && at > current.at) {
      current.value = value;
      current.at = at;
    }
  }

  /** The estimate in ms decayed to `now`, or undefined when never measured. */
  estimate(key: string, now: number, decayMs = DECAY_MS): number | undefined {
    const e = this.#estimates.get(key);
    return e === undefined ? undefined : decayedValue(e, now, decayMs);
  }

  /** Milliseconds since the key's last sample, or undefined when never measured. */
  ageMs(key: string, now: number): number | undefined {
    const e = this.#estimates.get(key);
    return e === undefined ? undefined : Math.max(0, now - e.at);
  }

  /** The raw record (value at its last sample), for explain and reports; undefined when never measured. */
  get(key: string): Readonly<Estimate> | undefined {
    return this.#estimates.get(key);
  }

  /** Estimates this tracker measured itself (seeded ones are not echoed back), for reporting. */
  entries(): LatencyEntry[] {
    const out: LatencyEntry[] = [];
    for (const [key, e] of this.#estimates) if (e.measured) out.push([key, e.value, e.at]);
    return out;
  }

  /** Forgets estimates whose last sample is older than `maxAgeMs` (they have decayed to nothing). */
  prune(now: number, maxAgeMs: number): void {
    for (const [key, e] of this.#estimates) if (now - e.at > maxAgeMs) this.#estimates.delete(key);
  }

  /** Keys held. */
  get size(): number {
    return this.#estimates.size;
  }
}

/** The signals key for a pool's own latency and load (CompiledPool.key holds it ready). Origin ids cannot contain ":". */
export function poolKey(poolId: string): string {
  return `pool:${poolId}`;
}

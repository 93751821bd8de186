/**
 * Latency estimates per edge location (colo): latency measured from one colo steers that
 * colo only. An isolate serves one colo in production, so it holds one tracker; with the
 * debug geo header one local isolate can play many colos, and each gets its own.
 * Also builds the SteeringSignals steering reads for one colo. Pure: the clock is passed in.
 */
import type { CompiledPool, CompiledRoute } from "../config/compile.ts";
import { LatencyTracker } from "./latency.ts";
import type { SteeringSignals } from "./types.ts";

/** The most colos one isolate keeps estimates for (Cloudflare has ~330; one in production). */
export const MAX_COLOS = 400;

/** The colo of requests that name none (local development without the debug header). */
export const LOCAL_COLO = "local";

export class ColoLatency {
  readonly #trackers = new Map<string, LatencyTracker>();
  readonly #signals = new Map<string, SteeringSignals>();

  /** The colo's tracker, made on first use; beyond MAX_COLOS the oldest colo is forgotten. */
  tracker(colo: string): LatencyTracker {
    let tracker = this.#trackers.get(colo);
    if (tracker === undefined) {
      if (this.#trackers.size >= MAX_COLOS) {
        const oldest = this.#trackers.keys().next().value;
        if (oldest !== undefined) {
          this.#trackers.delete(oldest);
          this.#signals.delete(oldest);
        }
      }
      tracker = new LatencyTracker();
      this.#trackers.set(colo, tracker);
    }
    return tracker;
  }

  /** The colo's tracker if it has one. */
  peek(colo: string): LatencyTracker | undefined {
    return this.#trackers.get(colo);
  }

  /** Every colo with its tracker. */
  colos(): IterableIterator<[string, LatencyTracker]> {
    return this.#trackers.entries();
  }

  /** Signals over the colo's tracker, made once per colo and reused (nothing allocated per request). */
  signals(
    colo: string,
    outstanding: (key: string) => number,
    now: () => number,
    liveWeights?: SteeringSignals["liveWeights"],
    usual?: (key: string) => number,
  ): SteeringSignals {
    let signals = this.#signals.get(colo);
    if (signals === undefined) {
      signals = latencySignals(this.tracker(colo), outstanding, now, liveWeights, usual);
      this.#signals.set(colo, signals);
    }
    return signals;
  }
}

/**
 * SteeringSignals over one tracker: estimates decayed to `now()`, their ages, the tries
 * in flight `outstanding` counts and the usual count in flight `usual` gives
 * (OutstandingTracker.usual). What the data plane and the simulator hand to selectOrigin
 * / routeOrder.
 */
export function latencySignals(
  tracker: LatencyTracker,
  outstanding: (key: string) => number,
  now: () => number,
  liveWeights?: SteeringSignals["liveWeights"],
  usual?: (key: string) => number,
): SteeringSignals {
  return {
    outstanding,
    ...(usual === undefined ? {} : { usualOutstanding: usual }),
    latencyMs: (key, decayMs) => tracker.estimate(key, now(), decayMs),
    latencyAgeMs: (key) => tracker.ageMs(key, now()),
    ...(liveWeights === undefined ? {} : { liveWeights }),
  };
}

/**
 * Records one finished try as latency samples, as the data plane does: under the origin's
 * id with its pool's settings, and under the pool's key with the route's settings.
 * `rttMs` is the time to response headers, `ok` false for a connect failure, a timeout or
 * a 5xx, `now` when the answer (or failure) came.
 */
export function recordTryLatency(
  tracker: LatencyTracker,
  route: CompiledRoute,
  pool: CompiledPool,
  originId: string,
  rttMs: number,
  ok: boolean,
  now: number,
): void {
  const byPool = pool.source.latency;
  tracker.observe(originId, rttMs, ok, now, byPool.decaySeconds * 1_000, byPool.failurePenaltyMs);
  const byRoute = route.source.latency;
  tracker.observe(pool.key, rttMs, ok, now, byRoute.decaySeconds * 1_000, byRoute.failurePenaltyMs);
}

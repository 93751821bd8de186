/**
 * The interfaces every steering policy implements. Policies are pure: they get the
 * candidates, the client, a random source and a per-pool (or per-route) scratch memory,
 * and return a choice; they never fetch, read a clock or keep globals of their own.
 */
import type { CompiledOrigin, CompiledPool, CompiledRoute } from "../config/compile.ts";
import type { ClientInfo } from "../routing/client.ts";
import type { LiveWeight } from "./load-weights.ts";

/** A random number in [0, 1); tests and benchmarks pass a seeded one. */
export type RandomSource = () => number;

/**
 * Scratch state a policy keeps between picks, one per pool (or route) and policy:
 * smooth weighted round robin's current weights, round robin's counter. Held by the
 * isolate; losing it only resets the rotation.
 */
export type SteeringMemory = Map<string, number>;

/**
 * What this isolate has measured of each origin, for the load- and latency-aware
 * policies. Both are local to the isolate: latency is measured where it matters, from
 * the edge location that serves the request (DESIGN.md principle 2).
 */
export interface SteeringSignals {
  /** Requests from this isolate to the origin still waiting for response headers. */
  outstanding(originId: string): number;
  /**
   * The usual count in flight to the key at dispatch (OutstandingTracker.usual); a source
   * without it counts nothing as usual, so every try in flight beyond the pile-up slack
   * counts (latency-choice.ts).
   */
  usualOutstanding?(key: string): number;
  /**
   * Peak-EWMA latency estimate in ms from this edge location (failures count as slow),
   * decayed to now with time constant `decayMs` (latency.ts; default 10 s); undefined when
   * never measured.
   */
  latencyMs(key: string, decayMs?: number): number | undefined;
  /**
   * Milliseconds since the key's last latency sample; undefined when never measured. A
   * source without it (a fixed table in a test) counts every estimate as fresh, so
   * nothing is explored.
   */
  latencyAgeMs?(key: string): number | undefined;
  /**
   * A load-aware pool's live weights by origin id (load-weights.ts); absent or undefined
   * when nothing tracks load reports, and the pool's configured weights apply.
   */
  liveWeights?(pool: CompiledPool): ReadonlyMap<string, LiveWeight> | undefined;
}

/** Signals for when nothing has been measured: no load, no latency. */
export const NO_SIGNALS: SteeringSignals = {
  outstanding: () => 0,
  latencyMs: () => undefined,
};

export interface PoolSteeringInput {
  readonly pool: CompiledPool;
  /** Origins that may take this request: healthy, enabled, weight > 0, not tried yet. Never empty. */
  readonly candidates: readonly CompiledOrigin[];
  readonly client: ClientInfo;
  readonly random: RandomSource;
  readonly memory: SteeringMemory;
  readonly signals: SteeringSignals;
  /**
   * The request's key for `hash` steering (client IP, a header or a cookie, as the pool's
   * `hash` says); undefined when the request has none, and the policy then picks by weight.
   */
  readonly hashKey: string | undefined;
}

/** Picks one origin of a pool. */
export interface PoolSteering {
  readonly name: string;
  pick(input: PoolSteeringInput): CompiledOrigin | undefined;
}

export interface RouteSteeringInput {
  readonly route: CompiledRoute;
  readonly client: ClientInfo;
  readonly random: RandomSource;
  readonly memory: SteeringMemory;
  /** Whether a pool has enough healthy origins to take traffic (its minHealthy). */
  readonly isUp: (pool: CompiledPool) => boolean;
  readonly signals: SteeringSignals;
}

/** Orders a route's pools by preference; the selector takes the first that can serve. */
export interface RouteSteering {
  readonly name: string;
  order(input: RouteSteeringInput): readonly CompiledPool[];
}

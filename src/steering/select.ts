/**
 * Chooses the origin for one try of a request: route steering orders the pools, the
 * first pool that is up and still has an untried candidate is asked for an origin by its
 * pool steering; the fallback pool serves when none can. Calling it again with the tried
 * origins in `exclude` gives "the next origin steering would pick", which is what a retry uses.
 */
import type { CompiledOrigin, CompiledPool, CompiledRoute } from "../config/compile.ts";
import type { ClientInfo } from "../routing/client.ts";
import type { RandomSource, SteeringMemory, SteeringSignals } from "./types.ts";
import { POOL_POLICIES, ROUTE_POLICIES } from "./registry.ts";
import { hash } from "./pool/hash.ts";

/** What selection needs to know of origin health. */
export interface HealthView {
  isHealthy(originId: string): boolean;
}

/** Per-pool and per-route scratch memory for the policies, kept by the isolate. */
export interface SteeringMemoryStore {
  memoryFor(key: string): SteeringMemory;
}

export interface SelectInput {
  readonly route: CompiledRoute;
  readonly client: ClientInfo;
  readonly random: RandomSource;
  readonly memory: SteeringMemoryStore;
  readonly health: HealthView;
  /** Origins already tried for this request. */
  readonly exclude: ReadonlySet<string>;
  readonly signals: SteeringSignals;
  /** The request's key for a pool's `hash` steering. */
  readonly hashKey: (pool: CompiledPool) => string | undefined;
  /**
   * Header or IP session affinity: every pool picks by consistent hashing on this key,
   * whatever its own steering, so a client keeps its origin while that origin is healthy.
   */
  readonly affinityKey?: string | undefined;
  /** With `affinityKey`: fail rather than serve elsewhere when the key's origin is unhealthy (onFailure "none"). */
  readonly affinityStrict?: boolean;
}

export interface Selection {
  readonly pool: CompiledPool;
  readonly origin: CompiledOrigin;
  /** True when the route's fallback pool serves because no other pool could. */
  readonly fallback: boolean;
  /** True when the pool was below its panic threshold and spread over unhealthy origins too. */
  readonly panic: boolean;
}

/** A Map-backed memory store. */
export function createMemoryStore(): SteeringMemoryStore {
  const memories = new Map<string, SteeringMemory>();
  return {
    memoryFor(key) {
      let memory = memories.get(key);
      if (memory === undefined) {
        memory = new Map();
        memories.set(key, memory);
      }
      return memory;
    },
  };
}

/** Healthy origins of a pool: enabled and passing health checks (drained ones included). */
export function healthyCount(pool: CompiledPool, health: HealthView): number {
  let n = 0;
  for (const origin of pool.origins) if (origin.enabled && health.isHealthy(origin.id)) n++;
  return n;
}

/** Enabled origins of a pool (the denominator of its healthy share). */
export function enabledCount(pool: CompiledPool): number {
  let n = 0;
  for (const origin of pool.origins) if (origin.enabled) n++;
  return n;
}

/**
 * Whether a pool is in panic: fewer than `panicThreshold` of its enabled origins are
 * healthy, so it spreads traffic over all of them (Envoy's panic mode) rather than
 * crush the few that pass their checks. Shown in metrics and in the selection.
 */
export function inPanic(pool: CompiledPool, health: HealthView): boolean {
  const threshold = pool.source.panicThreshold;
  if (threshold <= 0) return false;
  const enabled = enabledCount(pool);
  return enabled > 0 && healthyCount(pool, health) / enabled < threshold;
}

function candidatesOf(pool: CompiledPool, health: HealthView, exclude: ReadonlySet<string>, panic: boolean): CompiledOrigin[] {
  return pool.origins.filter((o) => o.enabled && o.weight > 0 && !exclude.has(o.id) && (panic || health.isHealthy(o.id)));
}

function pickIn(pool: CompiledPool, candidates: readonly CompiledOrigin[], input: SelectInput): CompiledOrigin | undefined {
  if (input.affinityKey !== undefined) {
    return hash.pick({ pool, candidates, client: input.client, random: input.random, memory: input.memory.memoryFor(`pool:${pool.id}`), signals: input.signals, hashKey: input.affinityKey });
  }
  const policy = POOL_POLICIES[pool.source.steering];
  return policy.pick({
    pool,
    candidates,
    client: input.client,
    random: input.random,
    memory: input.memory.memoryFor(`pool:${pool.id}`),
    signals: input.signals,
    hashKey: input.hashKey(pool),
  });
}

/** The origin for the next try, or undefined when no healthy, untried origin is left. */
export function selectOrigin(input: SelectInput): Selection | undefined {
  const { route, health, exclude } = input;
  const isUp = (pool: CompiledPool): boolean => healthyCount(pool, health) >= pool.source.minHealthy;
  const policy = ROUTE_POLICIES[route.source.steering];
  const order = policy.order({ route, client: input.client, random: input.random, memory: input.memory.memoryFor(`route:${route.id}`), isUp, signals: input.signals });
  if (input.affinityStrict === true && input.affinityKey !== undefined) {
    // onFailure "none": the key's home is where it hashes in the first pool among all its
    // enabled origins, healthy or not; when that origin cannot serve, nothing else may.
    const homePool = order[0];
    const home = homePool === undefined ? undefined : pickIn(homePool, candidatesOf(homePool, health, new Set(), true), input);
    if (home === undefined || exclude.has(home.id) || !health.isHealthy(home.id)) return undefined;
  }
  for (const pool of order) {
    if (!isUp(pool)) continue;
    const panic = inPanic(pool, health);
    const candidates = candidatesOf(pool, health, exclude, panic);
    if (candidates.length === 0) continue;
    const origin = pickIn(pool, candidates, input);
    if (origin !== undefined) return { pool, origin, fallback: false, panic };
  }
  // The fallback pool serves with whatever healthy origins it has, whatever its minHealthy.
  const fallback = route.fallback;
  if (fallback !== undefined) {
    const candidates = candidatesOf(fallback, health, exclude, false);
    const origin = candidates.length === 0 ? undefined : pickIn(fallback, candidates, input);
    if (origin !== undefined) return { pool: fallback, origin, fallback: true, panic: false };
  }
  return undefined;
}

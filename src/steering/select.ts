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
  /**
   * Whether the origin is gone rather than unhealthy: a registration whose heartbeat lapsed
   * (a host that stopped saying it is there). A gone origin is never a candidate, panic or
   * not, and does not count towards a pool's panic share or minHealthy. Absent: none is.
   */
  isGone?(originId: string): boolean;
}

/** Per-pool and per-route scratch memory for the policies, kept by the isolate. */
export interface SteeringMemoryStore {
  memoryFor(owner: CompiledPool | CompiledRoute): SteeringMemory;
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
  /** Pool views for this health view (see SelectionCache); without it every call looks afresh. */
  readonly cache?: SelectionCache | undefined;
}

export interface Selection {
  readonly pool: CompiledPool;
  readonly origin: CompiledOrigin;
  /** True when the route's fallback pool serves because no other pool could. */
  readonly fallback: boolean;
  /** True when the pool was below its panic threshold and spread over unhealthy origins too. */
  readonly panic: boolean;
}

/** A memory store keyed by the compiled pool or route object (no string keys per request). */
export function createMemoryStore(): SteeringMemoryStore {
  const memories = new WeakMap<object, SteeringMemory>();
  return {
    memoryFor(owner) {
      let memory = memories.get(owner);
      if (memory === undefined) {
        memory = new Map();
        memories.set(owner, memory);
      }
      return memory;
    },
  };
}

/** What selection computes of a pool for one health view: whether it is up, in panic, and its candidates. */
export interface PoolView {
  readonly up: boolean;
  readonly panic: boolean;
  /** Enabled origins with weight > 0 that may serve (healthy, or any when in panic). */
  readonly candidates: readonly CompiledOrigin[];
  /** Enabled origins passing their health checks, and enabled origins (the panic share's two sides). */
  readonly healthy: number;
  readonly enabled: number;
}

/**
 * Pool views for one health snapshot. A health view must not change while a cache made
 * for it is in use; the data plane makes one cache per snapshot, so a pool is looked at
 * once per snapshot, not on every request.
 */
export type SelectionCache = WeakMap<CompiledPool, PoolView>;

export function createSelectionCache(): SelectionCache {
  return new WeakMap();
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
  return panicFor(pool, healthyCount(pool, health), enabledCount(pool));
}

function panicFor(pool: CompiledPool, healthy: number, enabled: number): boolean {
  const threshold = pool.source.panicThreshold;
  return threshold > 0 && enabled > 0 && healthy / enabled < threshold;
}

/** One pass over the pool: counts and candidates together (also what /explain shows of a pool). */
export function viewPool(pool: CompiledPool, health: HealthView): PoolView {
  let healthy = 0;
  let enabled = 0;
  const serving: CompiledOrigin[] = [];
  const all: CompiledOrigin[] = [];
  for (const origin of pool.origins) {
    if (!origin.enabled || health.isGone?.(origin.id) === true) continue;
    enabled++;
    const ok = health.isHealthy(origin.id);
    if (ok) healthy++;
    if (origin.weight > 0) {
      all.push(origin);
      if (ok) serving.push(origin);
    }
  }
  const panic = panicFor(pool, healthy, enabled);
  return { up: healthy >= pool.source.minHealthy, panic, candidates: panic ? all : serving, healthy, enabled };
}

function poolView(pool: CompiledPool, health: HealthView, cache: SelectionCache | undefined): PoolView {
  if (cache === undefined) return viewPool(pool, health);
  let view = cache.get(pool);
  if (view === undefined) {
    view = viewPool(pool, health);
    cache.set(pool, view);
  }
  return view;
}

function withoutTried(candidates: readonly CompiledOrigin[], exclude: ReadonlySet<string>): readonly CompiledOrigin[] {
  if (exclude.size === 0) return candidates;
  return candidates.filter((o) => !exclude.has(o.id));
}

function pickIn(pool: CompiledPool, candidates: readonly CompiledOrigin[], input: SelectInput): CompiledOrigin | undefined {
  const memory = input.memory.memoryFor(pool);
  if (input.affinityKey !== undefined) {
    return hash.pick({
      pool,
      candidates,
      client: input.client,
      random: input.random,
      memory,
      signals: input.signals,
      hashKey: input.affinityKey,
    });
  }
  return POOL_POLICIES[pool.source.steering].pick({
    pool,
    candidates,
    client: input.client,
    random: input.random,
    memory,
    signals: input.signals,
    hashKey: input.hashKey(pool),
  });
}

/** The origin for the next try, or undefined when no healthy, untried origin is left. */
export function selectOrigin(input: SelectInput): Selection | undefined {
  return selectInOrder(routeOrder(input), input);
}

/** The route's pools in the order its steering prefers them for this request (selection's first step). */
export function routeOrder(input: SelectInput): readonly CompiledPool[] {
  const { route, health, cache } = input;
  const isUp = (pool: CompiledPool): boolean => poolView(pool, health, cache).up;
  return ROUTE_POLICIES[route.source.steering].order({
    route,
    client: input.client,
    random: input.random,
    memory: input.memory.memoryFor(route),
    isUp,
    signals: input.signals,
  });
}

/** Selection's second step: the first pool of `order` that can serve picks the origin; else the fallback pool. */
export function selectInOrder(order: readonly CompiledPool[], input: SelectInput): Selection | undefined {
  const { route, health, exclude, cache } = input;
  if (input.affinityStrict === true && input.affinityKey !== undefined) {
    // onFailure "none": the key's home is where it hashes in the first pool among all its
    // enabled origins, healthy or not; when that origin cannot serve, nothing else may.
    const homePool = order[0];
    const everyone = homePool === undefined ? [] : homePool.origins.filter((o) => o.enabled && o.weight > 0);
    const home = homePool === undefined || everyone.length === 0 ? undefined : pickIn(homePool, everyone, input);
    if (home === undefined || exclude.has(home.id) || !health.isHealthy(home.id)) return undefined;
  }
  for (const pool of order) {
    const view = poolView(pool, health, cache);
    if (!view.up) continue;
    const candidates = withoutTried(view.candidates, exclude);
    if (candidates.length === 0) continue;
    const origin = pickIn(pool, candidates, input);
    if (origin !== undefined) return { pool, origin, fallback: false, panic: view.panic };
  }
  // The fallback pool serves with whatever healthy origins it has, whatever its minHealthy.
  const fallback = route.fallback;
  if (fallback !== undefined) {
    const view = poolView(fallback, health, cache);
    const candidates = withoutTried(view.panic ? view.candidates.filter((o) => health.isHealthy(o.id)) : view.candidates, exclude);
    const origin = candidates.length === 0 ? undefined : pickIn(fallback, candidates, input);
    if (origin !== undefined) return { pool: fallback, origin, fallback: true, panic: false };
  }
  return undefined;
}

/** What one try goes to, and by which rule. */
export interface TryPick {
  readonly selection: Selection;
  /** The first try went to the affinity cookie's pinned origin. */
  readonly pinned: boolean;
  /** Ejections left nothing to serve, so ejected origins served (the ejection valve). */
  readonly ejectionOverride: boolean;
}

/**
 * The rule for one try of a request, shared by the data plane and /explain: a usable
 * affinity pin serves the first try; otherwise steering over live health; and when
 * ejections leave the route nothing, steering with ejections ignored — ejected origins
 * serve as if they were not, as in Envoy's panic mode — rather than fail the request.
 * `steer(true)` steers over probe health alone.
 */
export function pickForTry(
  exclude: ReadonlySet<string>,
  pinned: Selection | undefined,
  steer: (ignoreEjections: boolean) => Selection | undefined,
  anyEjected: () => boolean,
): TryPick | undefined {
  if (pinned !== undefined && exclude.size === 0) return { selection: pinned, pinned: true, ejectionOverride: false };
  const picked = steer(false);
  if (picked !== undefined) return { selection: picked, pinned: false, ejectionOverride: false };
  if (!anyEjected()) return undefined;
  const rescued = steer(true);
  return rescued === undefined ? undefined : { selection: rescued, pinned: false, ejectionOverride: true };
}

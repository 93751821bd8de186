/**
 * The rollouts of the health snapshot bound to the routes of an effective config
 * (effective-config.ts): a route with a rollout steering its traffic gets it, with the
 * compiled target pool, and its request plan a `rollout` stage (src/request/rollout.ts);
 * every other route has none and pays nothing. Bound when the effective config is
 * compiled, so once per rollouts version, never per request.
 */
import type { CompiledConfig, CompiledPool, CompiledRoute } from "../config/compile.ts";
import type { SnapshotRollout } from "../health/snapshot.ts";
import { parseCookies } from "../routing/request-key.ts";
import { murmur3 } from "../steering/hash-function.ts";

/** A route's rollout and the pool it moves traffic to. */
export interface RouteRollout {
  readonly rollout: SnapshotRollout;
  readonly target: CompiledPool;
}

const bound = new WeakMap<CompiledRoute, RouteRollout>();

/**
 * Binds each rollout to its route in `compiled`, the first (the newest: the snapshot lists
 * them so) where several name one route. A rollout whose route or target pool the config no
 * longer has binds nothing, nor does a promoted one once the config carries its promotion
 * (`retiredBy`): the route's own pools then say the same.
 */
export function bindRollouts(compiled: CompiledConfig, rollouts: readonly SnapshotRollout[]): void {
  for (const rollout of rollouts) {
    if (rollout.retiredBy !== undefined && compiled.version >= rollout.retiredBy) continue;
    const route = compiled.routes.find((r) => r.id === rollout.route);
    const target = compiled.pools.get(rollout.to);
    if (route === undefined || target === undefined || route.pools.length === 0 || bound.has(route)) continue;
    bound.set(route, { rollout, target });
  }
}

/** The rollout steering `route`'s traffic, if any. */
export function rolloutOn(route: CompiledRoute): RouteRollout | undefined {
  return bound.get(route);
}

/** Whether the request carries the A/B stage's header or cookie (exact values). */
export function matchesAbTest(rollout: SnapshotRollout, headers: Headers): boolean {
  const ab = rollout.abTest;
  if (ab === undefined) return false;
  if (ab.header !== undefined && headers.get(ab.header.name) === ab.header.value) return true;
  return ab.cookie !== undefined && parseCookies(headers.get("cookie")).get(ab.cookie.name) === ab.cookie.value;
}

/**
 * Whether a request's first choice goes to the target: during the A/B stage, when it
 * carries the header or cookie; else with probability weight ÷ 100 — decided by the
 * affinity key's hash when the route has one, so a client keeps its side as long as the
 * weight does not change, and by `random` otherwise.
 */
export function takesTarget(rollout: SnapshotRollout, headers: Headers, affinityKey: string | undefined, random: () => number): boolean {
  if (rollout.abTest !== undefined) return matchesAbTest(rollout, headers);
  const share = rollout.weight / 100;
  if (share <= 0) return false;
  if (share >= 1) return true;
  const draw = affinityKey === undefined ? random() : murmur3(affinityKey, 0x9e3779b9) / 4_294_967_296;
  return draw < share;
}

/**
 * Stage `rollout`, only on routes with a rollout steering their traffic (docs/rollouts.md;
 * the route's compiled config binds it, discovery/effective-rollouts.ts): the target pool
 * takes `weight` percent of the requests' first choice, whatever the route's steering
 * policy. A request drawn for the target has its first try steered inside the target pool
 * (by that pool's own steering); every other request is steered as usual with the target
 * pool left out of its first choice. During the A/B stage only requests carrying the
 * header or cookie go to the target. Retries and hedges follow the route's usual order;
 * a request an affinity cookie pins keeps its origin.
 *
 * Runs after `steer` and wraps its `select`, so a route without a rollout has no such
 * stage and pays nothing.
 */
import type { CompiledPool, CompiledRoute } from "../config/compile.ts";
import { rolloutOn, takesTarget } from "../discovery/effective-rollouts.ts";
import { isolate } from "../isolate.ts";
import { DEFAULT_HASH_KEY, requestHashKey } from "../routing/request-key.ts";
import { selectOrigin } from "../steering/select.ts";
import type { Selection } from "../steering/select.ts";
import type { RequestContext, Stage } from "./stage.ts";

const NO_GEO: CompiledRoute["geo"] = { colo: new Map(), country: new Map(), continent: new Map() };
const NO_KEY = (): undefined => undefined;

/** The route as it would be with the target its only pool: where a request drawn for the target steers its first try. */
function targetOnly(route: CompiledRoute, target: CompiledPool): CompiledRoute {
  return {
    ...route,
    source: { ...route.source, steering: "failover" },
    pools: [target],
    poolWeights: [1],
    fallback: undefined,
    geo: NO_GEO,
  };
}

export function rolloutStage(route: CompiledRoute): Stage | undefined {
  const bound = rolloutOn(route);
  if (bound === undefined) return undefined;
  const { rollout, target } = bound;
  const only = targetOnly(route, target);
  const targetIds: ReadonlySet<string> = new Set(target.origins.map((o) => o.id));
  const hashes = target.source.steering === "hash";

  /** The target pool's pick for the first try, over the colo's live health (undefined: it cannot serve). */
  function pickTarget(context: RequestContext, exclude: ReadonlySet<string>): Selection | undefined {
    const { client, live, signals, affinityKey, request } = context;
    const hashKey =
      affinityKey !== undefined
        ? () => affinityKey
        : hashes
          ? () => requestHashKey(request, target.source.hash ?? DEFAULT_HASH_KEY, client.ip)
          : NO_KEY;
    return selectOrigin({
      route: only,
      client,
      random: Math.random,
      memory: isolate.memory,
      health: live.view,
      exclude,
      signals,
      hashKey,
      affinityKey,
      cache: live.cache,
    });
  }

  return {
    name: rollout.abTest === undefined ? "rollout" : "rollout (A/B)",
    run(context) {
      // The affinity cookie's pin takes the first try: a pinned session stays where it is.
      if (context.pinned !== undefined) return undefined;
      const usual = context.select;
      const drawn = takesTarget(rollout, context.headers, context.affinityKey, Math.random);
      context.select = (exclude) => {
        if (exclude.size > 0) return usual(exclude);
        // The target when drawn and it can serve; otherwise the usual order, first without the target.
        if (drawn) return pickTarget(context, exclude) ?? usual(exclude);
        return (targetIds.size > 0 ? usual(targetIds) : undefined) ?? usual(exclude);
      };
      return undefined;
    },
  };
}

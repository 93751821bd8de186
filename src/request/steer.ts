/**
 * Stage `steer`: how each try of the request picks its origin. The rule is the one
 * /_edgeway/explain runs (steering/select.ts `pickForTry`): a usable affinity pin takes
 * the first try; otherwise the route's steering orders its pools and the first pool that
 * can serve picks by its own steering, over the colo's live health; when ejections leave
 * nothing, over probe health alone. A retry asks again with the tried origins excluded.
 * What a route's steering never reads (a hash key, an affinity key) is not computed.
 */
import type { CompiledPool, CompiledRoute } from "../config/compile.ts";
import { isolate, retryBudget } from "../isolate.ts";
import { DEFAULT_HASH_KEY, requestHashKey } from "../routing/request-key.ts";
import { probeOnlyView } from "../state/colo-view.ts";
import { pickForTry, selectOrigin } from "../steering/select.ts";
import type { HealthView, Selection, SelectionCache } from "../steering/select.ts";
import type { RequestContext } from "./stage.ts";
import { requestMetrics } from "./series.ts";
import type { Stage } from "./stage.ts";

const NO_KEY = (): undefined => undefined;

/** Whether any pool the route may use steers by `hash`. */
function hashesAnywhere(route: CompiledRoute): boolean {
  return route.pools.some((p) => p.source.steering === "hash") || route.fallback?.source.steering === "hash";
}

export function steerStage(route: CompiledRoute): Stage {
  const budget = retryBudget(route.id);
  const series = requestMetrics.route(route);
  const affinityStrict = route.source.affinity?.onFailure === "none";
  const hashes = hashesAnywhere(route);

  function hashKeyFor(context: RequestContext): (pool: CompiledPool) => string | undefined {
    const { affinityKey } = context;
    if (affinityKey !== undefined) return () => affinityKey;
    if (!hashes) return NO_KEY;
    const { request, client } = context;
    return (pool) =>
      pool.source.steering === "hash" ? requestHashKey(request, pool.source.hash ?? DEFAULT_HASH_KEY, client.ip) : undefined;
  }

  return {
    name: "steer",
    run(context) {
      context.steered = true;
      budget.recordRequest(Date.now());
      const hashKey = hashKeyFor(context);
      const { client, signals, live, pinned, affinityKey } = context;
      const steer = (exclude: ReadonlySet<string>, view: HealthView, cache: SelectionCache): Selection | undefined =>
        selectOrigin({
          route,
          client,
          random: Math.random,
          memory: isolate.memory,
          health: view,
          exclude,
          signals,
          hashKey,
          affinityKey,
          affinityStrict,
          cache,
        });
      context.select = (exclude) => {
        const pick = pickForTry(
          exclude,
          pinned,
          (ignoreEjections) => {
            const view = ignoreEjections ? probeOnlyView() : live;
            return steer(exclude, view.view, view.cache);
          },
          live.anyEjected,
        );
        if (pick?.ejectionOverride === true) series.ejectionOverridden.inc();
        return pick?.selection;
      };
      return undefined;
    },
  };
}

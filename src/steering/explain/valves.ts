/** The safety valves (panic, fallback pool, ejection override, maxEjectionPercent): which acted and why. */
import type { CompiledRoute } from "../../config/compile.ts";
import type { TryPick } from "../select.ts";
import type { ExplainHealth } from "./input.ts";
import type { ExplainedPool, Explanation } from "./trace.ts";

/** Each valve: whether it acted on the first try, the pools it concerns, and why. */
export function valves(
  route: CompiledRoute,
  pools: readonly ExplainedPool[],
  first: TryPick | undefined,
  health: ExplainHealth,
): NonNullable<Explanation["valves"]> {
  const panicking = pools.filter((p) => p.role === "route" && p.panic).map((p) => p.id);
  const atLimit = pools.filter((p) => p.outlierDetection.atLimit).map((p) => p.id);
  const ejected = [...new Set(pools.flatMap((p) => p.origins.filter((o) => o.ejection !== null).map((o) => o.id)))];
  const fallbackId = route.fallback?.id;
  const usedFallback = first?.selection.fallback === true;
  return {
    panic: {
      active: first?.selection.panic === true,
      pools: panicking,
      detail:
        panicking.length === 0
          ? "no pool is below its panic threshold"
          : `below their panic threshold, ${panicking.join(", ")} spread traffic over all enabled origins, healthy or not (Envoy's panic mode)${first?.selection.panic === true ? `; the serving pool ${first.selection.pool.id} is one of them` : ""}`,
    },
    fallbackPool: {
      active: usedFallback,
      pools: fallbackId === undefined ? [] : [fallbackId],
      detail:
        fallbackId === undefined
          ? "the route has no fallback pool"
          : usedFallback
            ? `no pool in the order could serve: the fallback pool ${fallbackId} serves with its healthy origins`
            : `fallback pool ${fallbackId} is not needed`,
    },
    ejectionOverride: {
      active: first?.ejectionOverride === true,
      pools: first?.ejectionOverride === true ? [first.selection.pool.id] : [],
      detail:
        first?.ejectionOverride === true
          ? `outlier ejections (${ejected.join(", ")}) left the route nothing to serve: ejected origins serve as if they were not, by probe health alone`
          : health.anyEjected
            ? `origins are ejected (${ejected.join(", ") || "in other pools"}), but others can serve: not needed`
            : "no origin is ejected",
    },
    maxEjectionPercent: {
      active: atLimit.length > 0,
      pools: atLimit,
      detail:
        atLimit.length === 0
          ? "no pool has reached its maxEjectionPercent"
          : `${atLimit.join(", ")} already eject as many origins as maxEjectionPercent allows: further failing origins stay in service`,
    },
  };
}

/** The route policy's pool order, the inputs behind it (weights, distances, latency costs) and why. */
import type { CompiledPool, CompiledRoute } from "../../config/compile.ts";
import type { ClientInfo } from "../../routing/client.ts";
import { locateClient } from "../../routing/centroids/index.ts";
import type { HealthView } from "../select.ts";
import { viewPool } from "../select.ts";
import type { SteeringSignals } from "../types.ts";
import { distanceKm } from "../route/proximity.ts";
import { explainLatency } from "../latency-explain.ts";
import type { Basis, ExplainedRoutePool, ExplainedRouteSteering } from "./trace.ts";
import { shareOf } from "./shares.ts";

/** The geo key that decides for this client, in geoPools' order: colo, country, continent. */
function geoMatch(route: CompiledRoute, client: ClientInfo): ExplainedRouteSteering["geoMatch"] {
  if (client.colo !== undefined && route.geo.colo.has(client.colo)) return { kind: "colo", code: client.colo };
  if (client.country !== undefined && route.geo.country.has(client.country)) return { kind: "country", code: client.country };
  if (client.continent !== undefined && route.geo.continent.has(client.continent)) return { kind: "continent", code: client.continent };
  return null;
}

/** How the route policy ordered the route's pools for this client, pool by pool. */
export function explainRouteSteering(
  route: CompiledRoute,
  order: readonly CompiledPool[],
  client: ClientInfo,
  health: HealthView,
  signals: SteeringSignals,
): ExplainedRouteSteering {
  const policy = route.source.steering;
  const ups = route.pools.map((pool) => viewPool(pool, health).up);
  const here = policy === "proximity" ? locateClient(client) : undefined;
  // Proximity ranks from the client's position rounded to 0.1°, as proximity.ts does.
  const rounded = here === undefined ? undefined : { lat: Math.round(here.lat * 10) / 10, lon: Math.round(here.lon * 10) / 10 };
  const routeWeights = route.pools.map((pool, i) => {
    if (policy === "weighted") return ups[i] === true ? (route.poolWeights[i] ?? 0) : 0;
    if (policy === "least_outstanding") return ups[i] === true ? pool.capacity / (signals.outstanding(pool.key) + 1) : 0;
    return 0;
  });
  // latency: the same rule latencyRoute chooses by, read without spending any credit.
  const latencyView =
    policy === "latency"
      ? explainLatency(
          route.pools,
          { keyOf: (pool) => pool.key, usable: (pool) => ups[route.pools.indexOf(pool)] === true },
          signals,
          route.source.latency,
          undefined,
          (pool) => pool.id,
        )
      : undefined;
  const pools = route.pools.map((pool, i): ExplainedRoutePool => {
    const weighs = policy === "weighted" || policy === "least_outstanding";
    return {
      id: pool.id,
      up: ups[i] === true,
      outstanding: signals.outstanding(pool.key),
      weight: weighs ? (routeWeights[i] ?? 0) : null,
      share: weighs ? shareOf(routeWeights, i) : null,
      location: pool.location ?? null,
      distanceKm: rounded === undefined || pool.location === undefined ? null : distanceKm(rounded, pool.location),
      latencyMs: latencyView?.candidates[i]?.estimateMs ?? null,
      costMs: latencyView?.candidates[i]?.costMs ?? null,
      latencyAgeMs: latencyView?.candidates[i]?.ageMs ?? null,
      stale: latencyView?.candidates[i]?.stale ?? null,
    };
  });
  const geo = policy === "geo" || (policy === "proximity" && here === undefined) ? geoMatch(route, client) : null;
  const ids = order.map((p) => p.id);
  let why: string;
  let basis: Basis = "deterministic";
  switch (policy) {
    case "failover":
      why = "failover: the route's pools in order; the first that is up serves";
      break;
    case "geo":
      why =
        geo === null
          ? "geo: no geo key matched the client (colo, country or continent), so the route's pools in order"
          : `geo: the client's ${geo.kind} ${geo.code} matched; its pools first, the route's other pools after as failover`;
      break;
    case "proximity":
      why =
        here === undefined
          ? `proximity: the client's location is unknown, so geo's order (${geo === null ? "no geo key matched: the route's pools in order" : `${geo.kind} ${geo.code} matched`})`
          : `proximity: nearest pool first, by great-circle distance from the client (located by its ${here.source}, rounded to 0.1°); pools without a location last`;
      break;
    case "latency":
      basis = latencyView !== undefined && latencyView.explore >= 0 ? "draw" : "deterministic";
      why = latencyView === undefined || latencyView.best < 0 ? "latency: no pool is up, so the route's pools in order" : latencyView.why;
      break;
    case "weighted":
    case "least_outstanding": {
      const sharing = routeWeights.filter((w) => w > 0).length;
      basis = sharing > 1 ? "rotation" : "deterministic";
      const what = policy === "weighted" ? "the route's pool weights" : "capacity ÷ (outstanding + 1)";
      why =
        sharing === 0
          ? `${policy}: no up pool has weight, so the route's pools in order`
          : `${policy}: up pools take turns going first by ${what} (smooth weighted round robin${sharing > 1 ? "; the order shown starts a fresh rotation, the shares are what each pool gets" : ""}); the others follow in route order`;
      break;
    }
  }
  return {
    policy,
    basis,
    order: ids,
    why,
    geoMatch: geo,
    exploreShare: policy === "latency" ? route.source.latency.explorePercent / 100 : null,
    latency: policy === "latency" ? route.source.latency : null,
    pools,
  };
}

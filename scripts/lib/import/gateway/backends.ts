/**
 * Gateway API backendRefs as Edgeway pools: each Service (by name, and namespace when the
 * service map tells namespaces apart) becomes a pool of its endpoints from the service
 * map, the backendRef's port applying to endpoint URLs that name none. A rule's weighted
 * backendRefs are `weighted` route steering between the pools; a backendRef's own
 * filters (header edits) are the route's `poolFilters` for its pool.
 */
import type { ConfigInput } from "../../../../src/config/schema.ts";
import { type DropLog, dropUnhandled, ImportError, list, num, record, text } from "../model.ts";
import { headerModifier } from "../istio/header-edits.ts";
import { withPort } from "../istio/pools.ts";
import type { OriginPools } from "../istio/pools.ts";
import { SERVICE_MAP_KIND } from "../istio/service-map.ts";
import type { ServiceMap } from "../istio/service-map.ts";
import { headerEditsOf } from "./filters.ts";

type RouteIn = ConfigInput["routes"][number];
type PoolFilterIn = NonNullable<RouteIn["poolFilters"]>[string][number];

/** Resolves a BackendObjectReference found at `path` to a pool id. */
export type BackendPools = (ref: Record<string, unknown>, path: string) => string;

/** Kinds a backendRef may name that the service map stands for. */
const SERVICE_KINDS = new Set(["Service", "ServiceImport"]);

export function backendPools(
  services: ServiceMap,
  pools: OriginPools,
  source: string,
  routeNamespace: string | undefined,
  log: DropLog,
): BackendPools {
  return (ref, path) => {
    dropUnhandled(log, source, path, ref, ["group", "kind", "name", "namespace", "port", "weight", "filters"]);
    const name = text(ref["name"]);
    if (name === undefined) throw new ImportError(`${source}: ${path} has no name`);
    const kind = text(ref["kind"]) ?? "Service";
    if (!SERVICE_KINDS.has(kind))
      log.drop(source, `${path}.kind`, `${kind} is resolved by name through the ${SERVICE_MAP_KIND}, as a Service would be`);
    const namespace = text(ref["namespace"]) ?? routeNamespace;
    const endpoints = services.service(name, namespace);
    if (endpoints === undefined) throw new ImportError(`${source}: ${path}.name ${name} is not in the ${SERVICE_MAP_KIND}`);
    const number = num(ref["port"]);
    const port = endpoints.some((e) => withPort(e.url, number) !== e.url) ? number : undefined;
    return pools.pool(`${namespace ?? ""}/${name}\n${port ?? ""}`, () => ({ name, service: name, endpoints, port, policy: {} }));
  };
}

/** What a rule's backendRefs make of its route: pools, weights, per-pool header edits; `total` 0 when no request may go anywhere. */
export interface RuleBackends {
  readonly fields: Partial<RouteIn>;
  readonly total: number;
}

/** Only header edits may be a pool's own (Edgeway's poolFilters). */
function poolFiltersOf(filters: unknown, source: string, path: string, log: DropLog): PoolFilterIn[] {
  const out: PoolFilterIn[] = [];
  list(filters).forEach((f, i) => {
    const filter = record(f) ?? {};
    const type = text(filter["type"]) ?? "";
    const at = `${path}[${i}]`;
    if (type === "RequestHeaderModifier" || type === "ResponseHeaderModifier") {
      const field = type === "RequestHeaderModifier" ? "requestHeaderModifier" : "responseHeaderModifier";
      const edits = headerModifier(headerEditsOf(record(filter[field]) ?? {}, source, `${at}.${field}`, log), source, log);
      if (edits !== undefined)
        out.push(type === "RequestHeaderModifier" ? { type, requestHeaderModifier: edits } : { type, responseHeaderModifier: edits });
    } else
      log.drop(source, at, `a ${type} filter on one backend has no Edgeway equivalent (a pool's filters are header edits): not imported`);
  });
  return out;
}

export function ruleBackends(refs: unknown, source: string, path: string, log: DropLog, resolve: BackendPools): RuleBackends {
  const weights: Record<string, number> = {};
  const poolFilters: Record<string, PoolFilterIn[]> = {};
  const poolIds: string[] = [];
  list(refs).forEach((r, j) => {
    const ref = record(r) ?? {};
    const at = `${path}[${j}]`;
    const pool = resolve(ref, at);
    const weight = num(ref["weight"]) ?? 1;
    if (!poolIds.includes(pool)) poolIds.push(pool);
    weights[pool] = (weights[pool] ?? 0) + weight;
    const filters = poolFiltersOf(ref["filters"], source, `${at}.filters`, log);
    if (filters.length > 0) {
      if (poolFilters[pool] === undefined) poolFilters[pool] = filters;
      else log.drop(source, `${at}.filters`, `pool ${pool} already has the filters of an earlier backendRef: these were left out`);
    }
  });
  const total = poolIds.reduce((s, p) => s + (weights[p] ?? 0), 0);
  const fields: Partial<RouteIn> = {
    pools: poolIds,
    ...(poolIds.length > 1 ? { steering: "weighted" as const, weights } : {}),
    ...(Object.keys(poolFilters).length > 0 ? { poolFilters } : {}),
  };
  return { fields, total };
}

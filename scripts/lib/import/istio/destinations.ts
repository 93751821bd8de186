/**
 * Istio destinations (host, subset, port) as Edgeway pools: the endpoints of the service
 * map whose labels match the subset's, with the DestinationRule's policy; a destination
 * port applies to endpoint URLs that name none.
 */
import { type DropLog, dropUnhandled, ImportError, num, record, text } from "../model.ts";
import type { DestinationRule } from "./destination-rules.ts";
import { destinationPolicy, ruleFor } from "./destination-rules.ts";
import { withPort } from "./pools.ts";
import type { OriginPools } from "./pools.ts";
import { qualify, SERVICE_MAP_KIND, serviceKey, shortName } from "./service-map.ts";
import type { ServiceMap } from "./service-map.ts";

/** Resolves a destination found at `path` of `source` to a pool id, making the pool on first use. */
export type DestinationPools = (destination: Record<string, unknown>, source: string, path: string) => string;

/** Resolves destinations of a VirtualService in `namespace` (short hosts are services of that namespace). */
export type NamespacedPools = (namespace: string | undefined) => DestinationPools;

export function destinationPools(
  services: ServiceMap,
  rules: ReadonlyMap<string, DestinationRule>,
  pools: OriginPools,
  log: DropLog,
): NamespacedPools {
  return (namespace) => (destination, source, path) => {
    dropUnhandled(log, source, path, destination, ["host", "subset", "port"]);
    const written = text(destination["host"]);
    if (written === undefined) throw new ImportError(`${source}: ${path} has no host`);
    const host = qualify(written, namespace);
    const subset = text(destination["subset"]);
    const endpoints = services.get(host);
    if (endpoints === undefined) throw new ImportError(`${source}: ${path}.host ${written} is not in the ${SERVICE_MAP_KIND}`);
    const number = num(record(destination["port"])?.["number"]);
    const port = endpoints.some((e) => withPort(e.url, number) !== e.url) ? number : undefined;
    const service = shortName(host);
    return pools.pool(`${serviceKey(host)}\n${subset ?? ""}\n${port ?? ""}`, () => {
      const rule = ruleFor(rules, host, source, path);
      const { policy, labels } = destinationPolicy(rule, subset, host, source, path, log);
      const selected =
        labels === undefined ? endpoints : endpoints.filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === String(v)));
      if (selected.length === 0)
        throw new ImportError(`${rule?.source ?? source}: subset ${subset} of ${host} selects no endpoint of the ${SERVICE_MAP_KIND}`);
      return { name: subset === undefined ? service : `${service}-${subset}`, service, endpoints: selected, port, policy };
    });
  };
}

/**
 * Istio destinations (host, subset, port) as Edgeway pools: the endpoints of the service
 * map whose labels match the subset's, with the DestinationRule's policy; a destination
 * port applies to endpoint URLs that name none.
 */
import { type DropLog, dropUnhandled, ImportError, num, record, text } from "../model.ts";
import type { DestinationRule } from "./destination-rules.ts";
import { destinationPolicy } from "./destination-rules.ts";
import { withPort } from "./pools.ts";
import type { OriginPools } from "./pools.ts";
import { SERVICE_MAP_KIND, shortName } from "./service-map.ts";
import type { ServiceMap } from "./service-map.ts";

/** Resolves a destination found at `path` of `source` to a pool id, making the pool on first use. */
export type DestinationPools = (destination: Record<string, unknown>, source: string, path: string) => string;

export function destinationPools(
  services: ServiceMap,
  rules: ReadonlyMap<string, DestinationRule>,
  pools: OriginPools,
  log: DropLog,
): DestinationPools {
  return (destination, source, path) => {
    dropUnhandled(log, source, path, destination, ["host", "subset", "port"]);
    const host = text(destination["host"]);
    if (host === undefined) throw new ImportError(`${source}: ${path} has no host`);
    const subset = text(destination["subset"]);
    const endpoints = services.get(host);
    if (endpoints === undefined) throw new ImportError(`${source}: ${path}.host ${host} is not in the ${SERVICE_MAP_KIND}`);
    const number = num(record(destination["port"])?.["number"]);
    const port = endpoints.some((e) => withPort(e.url, number) !== e.url) ? number : undefined;
    const service = shortName(host);
    return pools.pool(`${service}\n${subset ?? ""}\n${port ?? ""}`, () => {
      const rule = rules.get(service);
      const { policy, labels } = destinationPolicy(rule, subset, host, source, path, log);
      const selected =
        labels === undefined ? endpoints : endpoints.filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === String(v)));
      if (selected.length === 0)
        throw new ImportError(`${rule?.source ?? source}: subset ${subset} of ${host} selects no endpoint of the ${SERVICE_MAP_KIND}`);
      return { name: subset === undefined ? service : `${service}-${subset}`, service, endpoints: selected, port, policy };
    });
  };
}

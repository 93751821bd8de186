/**
 * The service map (kind `EdgewayServiceMap`): Istio and the Gateway API find a service's
 * endpoints through Kubernetes, Edgeway routes to URLs, so the user lists each service's
 * endpoints with their labels (which DestinationRule subsets select, as they select pods).
 * Shared by the Istio and Gateway API importers.
 */
import { ImportError, list, num, record, text } from "../model.ts";
import type { SourceDocument } from "../model.ts";
import { kindOf } from "./kubernetes.ts";

/** The service map's kind. */
export const SERVICE_MAP_KIND = "EdgewayServiceMap";

/** One endpoint of a service, as the map lists it. */
export interface Endpoint {
  readonly url: string;
  readonly labels: Record<string, string>;
  readonly region?: string | undefined;
  readonly weight?: number | undefined;
  readonly id?: string | undefined;
}

/** `reviews.default.svc.cluster.local` and `reviews` name the same service. */
export function shortName(host: string): string {
  return host.endsWith(".svc.cluster.local") || !host.includes(".") ? (host.split(".")[0] ?? host) : host;
}

/** `reviews.bookinfo.svc.cluster.local` (or `.svc`) is also found as `reviews.bookinfo`, so services of two namespaces stay apart. */
function namespacedName(host: string): string | undefined {
  const m = /^([^.]+)\.([^.]+)\.svc(\.cluster\.local)?$/.exec(host);
  return m === null ? undefined : `${m[1]}.${m[2]}`;
}

/**
 * A host as Istio reads it in an object of `namespace`: a short name (no dot) is a
 * service of that namespace, `reviews` in bookinfo being
 * `reviews.bookinfo.svc.cluster.local`; other names stand as written.
 */
export function qualify(host: string, namespace: string | undefined): string {
  return namespace === undefined || host.includes(".") ? host : `${host}.${namespace}.svc.cluster.local`;
}

/** Which service a (qualified) host names: `reviews.bookinfo` for a cluster name, else its short name. */
export function serviceKey(host: string): string {
  return namespacedName(host) ?? shortName(host);
}

/** The services of every service map given, by name. */
export class ServiceMap {
  readonly #services = new Map<string, Endpoint[]>();

  get size(): number {
    return this.#services.size;
  }

  set(host: string, endpoints: Endpoint[]): void {
    this.#services.set(shortName(host), endpoints);
    const namespaced = namespacedName(host);
    if (namespaced !== undefined) this.#services.set(namespaced, endpoints);
  }

  /** The endpoints of the service an Istio destination host names. */
  get(host: string): Endpoint[] | undefined {
    return this.#services.get(namespacedName(host) ?? shortName(host)) ?? this.#services.get(shortName(host));
  }

  /** The endpoints of a Kubernetes Service (a Gateway API backendRef): `name.namespace` first, then `name`. */
  service(name: string, namespace: string | undefined): Endpoint[] | undefined {
    return (namespace === undefined ? undefined : this.#services.get(`${name}.${namespace}`)) ?? this.#services.get(shortName(name));
  }
}

/** Reads every EdgewayServiceMap document among `docs`. */
export function readServiceMap(docs: readonly SourceDocument[]): ServiceMap {
  const map = new ServiceMap();
  for (const doc of docs.filter((d) => kindOf(d) === SERVICE_MAP_KIND)) {
    const services = record(record(doc.value)?.["services"]);
    if (services === undefined)
      throw new ImportError(`${doc.source}: ${SERVICE_MAP_KIND} needs "services": { <host>: [ { url, labels } ] }`);
    for (const [host, entries] of Object.entries(services)) {
      const endpoints = list(entries).map((entry, i): Endpoint => {
        const e = record(entry);
        const url = text(e?.["url"]);
        if (e === undefined || url === undefined) throw new ImportError(`${doc.source}: services.${host}[${i}] needs a "url"`);
        const labels: Record<string, string> = {};
        for (const [k, v] of Object.entries(record(e["labels"]) ?? {})) labels[k] = String(v);
        return { url, labels, region: text(e["region"]), weight: num(e["weight"]), id: text(e["id"]) };
      });
      if (endpoints.length === 0) throw new ImportError(`${doc.source}: services.${host} lists no endpoints`);
      map.set(host, endpoints);
    }
  }
  return map;
}

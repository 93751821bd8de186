/**
 * Pools and origins made from services of the service map, shared by the Istio and
 * Gateway API importers: one pool per destination (service, subset, port), one origin per
 * endpoint URL, ids made from the service names and kept unique.
 */
import type { ConfigInput } from "../../../../src/config/schema.ts";
import { IdAllocator } from "../ids.ts";
import type { Endpoint } from "./service-map.ts";

export type OriginIn = ConfigInput["origins"][number];
export type PoolIn = ConfigInput["pools"][number];

/** What a pool is made of, asked for only the first time its key is seen. */
export interface PoolSpec {
  /** The id it would like: the service, or `service-subset`. */
  readonly name: string;
  /** The service's name, for origins that have no id of their own. */
  readonly service: string;
  readonly endpoints: readonly Endpoint[];
  /** A service port (Istio destination port, Gateway API backendRef port): applies to endpoint URLs that name none. */
  readonly port?: number | undefined;
  readonly policy: Partial<PoolIn>;
}

/** `url` with `port` when it names no port of its own (`http://10.0.0.1` + 8080 → `http://10.0.0.1:8080`). */
export function withPort(url: string, port: number | undefined): string {
  if (port === undefined) return url;
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(\[[^\]]*\]|[^/:?#]*)(:\d*)?/i.exec(url);
  if (m === null || m[3] !== undefined) return url;
  return `${m[1]}${m[2]}:${port}${url.slice(m[0].length)}`;
}

/** Builds the pools and origins of one import. */
export class OriginPools {
  readonly origins: OriginIn[] = [];
  readonly #pools = new Map<string, PoolIn>();
  readonly #byKey = new Map<string, string>();
  readonly #mirrors = new Map<string, string>();
  readonly #poolIds = new IdAllocator();
  readonly #originIds = new IdAllocator();
  readonly #originOf = new Map<Endpoint, Map<string, string>>();

  /** Every pool made, in the order they were first used. */
  get pools(): PoolIn[] {
    return [...this.#pools.values()];
  }

  /** The id of the pool for `key`, made from `make()` on first use. */
  pool(key: string, make: () => PoolSpec): string {
    const known = this.#byKey.get(key);
    if (known !== undefined) return known;
    const spec = make();
    const id = this.#poolIds.take(spec.name);
    const members = spec.endpoints.map((endpoint) => this.#origin(endpoint, spec));
    this.#pools.set(id, { id, origins: members, ...spec.policy });
    this.#byKey.set(key, id);
    return id;
  }

  /**
   * A pool with the same origins and policy as `poolId` under an id of its own: the
   * target of a mirror that the route also sends to (Edgeway mirrors only to a pool the
   * route does not use, so the copies are counted apart).
   */
  mirrorOf(poolId: string): string {
    const known = this.#mirrors.get(poolId);
    if (known !== undefined) return known;
    const pool = this.#pools.get(poolId);
    if (pool === undefined) return poolId;
    const id = this.#poolIds.take(`${poolId}-mirror`);
    this.#pools.set(id, { ...pool, id });
    this.#mirrors.set(poolId, id);
    return id;
  }

  #origin(endpoint: Endpoint, spec: PoolSpec): string {
    const url = withPort(endpoint.url, spec.port);
    let byUrl = this.#originOf.get(endpoint);
    if (byUrl === undefined) {
      byUrl = new Map();
      this.#originOf.set(endpoint, byUrl);
    }
    const known = byUrl.get(url);
    if (known !== undefined) return known;
    const id = this.#originIds.take(endpoint.id ?? `${spec.service}-${this.origins.length + 1}`);
    byUrl.set(url, id);
    this.origins.push({
      id,
      url,
      ...(endpoint.region === undefined ? {} : { region: endpoint.region }),
      ...(endpoint.weight === undefined ? {} : { weight: endpoint.weight }),
    });
    return id;
  }
}

/** Mirrors to a pool the route also sends to are pointed at a copy of it (see OriginPools.mirrorOf). */
export function mirrorsApart<F extends { readonly type: string }>(
  filters: readonly F[],
  routePools: readonly string[],
  pools: OriginPools,
): F[] {
  return filters.map((f) => {
    const mirror = (f as { requestMirror?: { pool?: unknown } }).requestMirror;
    if (f.type !== "RequestMirror" || mirror === undefined || typeof mirror.pool !== "string" || !routePools.includes(mirror.pool))
      return f;
    return { ...f, requestMirror: { ...mirror, pool: pools.mirrorOf(mirror.pool) } };
  });
}

/**
 * Cloudflare pools as Edgeway pools and their endpoints as origins (part of `import
 * --from cloudflare`): an endpoint's address and port become an origin URL whose scheme
 * follows the pool's monitor (https unless the monitor is http), its weight and enabled
 * flag carry over, a Host header becomes the origin's host; the pool's `check_regions`
 * become its monitor's probe regions (cloudflare-regions.ts).
 */
import { OriginSchema } from "../../../src/config/schema.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import { BOOKKEEPING, dropUnset, present, str } from "./cloudflare-fields.ts";
import type { CloudflareItem } from "./cloudflare-fields.ts";
import type { MonitorSet } from "./cloudflare-monitors.ts";
import { probeRegionsOf } from "./cloudflare-regions.ts";
import { IdAllocator } from "./ids.ts";
import { ImportError, list, num, record } from "./model.ts";
import type { DropLog } from "./model.ts";

type OriginIn = ConfigInput["origins"][number];
type PoolIn = ConfigInput["pools"][number];

/** Cloudflare endpoint steering as Edgeway pool steering. */
const POOL_STEERING: Record<string, PoolIn["steering"]> = {
  random: "random",
  hash: "hash",
  least_outstanding_requests: "least_outstanding",
  least_connections: "least_outstanding",
};

const ORIGIN_FIELDS = ["name", "address", "port", "weight", "enabled", "header", "disabled_at", "flatten_cname", "virtual_network_id"];

const POOL_FIELDS = [
  ...BOOKKEEPING,
  "origins",
  "monitor",
  "minimum_origins",
  "latitude",
  "longitude",
  "origin_steering",
  "enabled",
  "disabled_at",
  "check_regions",
  "load_shedding",
  "health_sources",
  "networks",
  "notification_email",
  "notification_filter",
];

/** The port of the scheme, which an origin URL leaves out. */
const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443 };

/**
 * `https://203.0.113.10:8443`, `http://[2001:db8::1]`: Cloudflare origins are an address
 * and a port (0: the scheme's default, as the API documents); the scheme follows the
 * pool's monitor.
 */
function originUrl(address: string, scheme: string, port: number): string {
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
  return `${scheme}://${host}${port === 0 || port === DEFAULT_PORT[scheme] ? "" : `:${port}`}`;
}

/** An origin's port: 0 when unset; anything but a port number is refused, naming where it is. */
function portOf(value: unknown, source: string, path: string): number {
  if (value === undefined || value === null) return 0;
  const port = num(value);
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ImportError(`${source}: ${path}.port is ${JSON.stringify(value)}: a port is 0 (the scheme's default) to 65535`);
  return port;
}

/** Reads one endpoint as an origin; reports what it cannot carry. */
function readOrigin(o: unknown, path: string, id: string, scheme: string, item: CloudflareItem, log: DropLog): OriginIn {
  const origin = record(o) ?? {};
  const address = str(origin["address"]);
  if (address === undefined) throw new ImportError(`${item.source}: ${path} has no address`);
  const url = originUrl(address, scheme, portOf(origin["port"], item.source, path));
  const out: Record<string, unknown> = { id, url };
  const weight = num(origin["weight"]);
  if (weight !== undefined) out["weight"] = weight;
  if (origin["enabled"] === false) out["enabled"] = false;
  const host = list(record(origin["header"])?.["Host"])[0];
  if (typeof host === "string" && host !== "") {
    if ("host" in OriginSchema.shape) out["host"] = host;
    else log.drop(item.source, `${path}.header.Host`, "this Edgeway version has no per-origin Host override");
  }
  if (str(origin["virtual_network_id"]) !== undefined)
    log.drop(
      item.source,
      `${path}.virtual_network_id`,
      `the endpoint is on a Cloudflare virtual network (reached through Cloudflare Tunnel); Edgeway fetches ${url} directly: give it an address or hostname the Worker can reach`,
    );
  if (origin["flatten_cname"] === false)
    log.drop(item.source, `${path}.flatten_cname`, "how a DNS-only load balancer answers: Edgeway proxies requests to the address");
  dropUnset(log, item.source, path, origin, ORIGIN_FIELDS);
  const headers = record(origin["header"]);
  if (headers !== undefined) dropUnset(log, item.source, `${path}.header`, headers, ["Host"]);
  return out as OriginIn;
}

/** Reports the pool fields Edgeway has no place for, when they hold a value. */
function reportPoolLosses(p: Record<string, unknown>, item: CloudflareItem, log: DropLog): void {
  const shedding = record(p["load_shedding"]) ?? {};
  if ((num(shedding["default_percent"]) ?? 0) > 0 || (num(shedding["session_percent"]) ?? 0) > 0)
    log.drop(
      item.source,
      `${item.path}.load_shedding`,
      "Edgeway does not shed a share of a healthy pool's traffic to the next pool: the pool keeps all of it (a route's weighted steering moves a fixed share)",
    );
  if (list(p["health_sources"]).includes("regional"))
    log.drop(
      item.source,
      `${item.path}.health_sources`,
      "each probe region steering on its own verdict has no Edgeway equivalent: the monitor's regions vote one health for every colo (regionQuorum)",
    );
  if (list(p["networks"]).some((n) => n !== "cloudflare"))
    log.drop(item.source, `${item.path}.networks`, "a pool on a private network (Cloudflare One) has no Edgeway equivalent");
  for (const field of ["notification_email", "notification_filter"])
    if (field in present(p))
      log.drop(item.source, `${item.path}.${field}`, "Edgeway sends no notifications: alert on its health metrics or health API");
  if (str(p["monitor_group"]) !== undefined)
    log.drop(item.source, `${item.path}.monitor_group`, "monitor groups are not imported: the pool is probed by its monitor only");
}

/** The pools and origins, and each Cloudflare pool id's (and name's) Edgeway pool id. */
export function importPools(
  items: readonly CloudflareItem[],
  monitors: MonitorSet,
  log: DropLog,
): { origins: OriginIn[]; pools: PoolIn[]; poolById: Map<string, string> } {
  const poolIds = new IdAllocator();
  const originIds = new IdAllocator();
  const origins: OriginIn[] = [];
  const pools: PoolIn[] = [];
  const poolById = new Map<string, string>();
  for (const item of items) {
    const p = item.value;
    const cfId = str(p["id"]) ?? str(p["name"]) ?? `pool-${pools.length + 1}`;
    const id = poolIds.take(str(p["name"]) ?? cfId);
    poolById.set(cfId, id);
    if (str(p["name"]) !== undefined) poolById.set(str(p["name"]) ?? "", id);
    const monitorRef = str(p["monitor"]);
    const regions = probeRegionsOf(p["check_regions"], item.source, `${item.path}.check_regions`, log);
    const monitor = monitorRef === undefined ? undefined : monitors.use(monitorRef, regions);
    if (monitorRef !== undefined && monitor === undefined)
      throw new ImportError(`${item.source}: ${item.path}.monitor ${monitorRef} names no monitor given`);
    if (monitor === undefined && regions !== undefined)
      log.drop(item.source, `${item.path}.check_regions`, "the pool has no monitor: nothing probes from these regions");
    const scheme = monitor?.type === "http" ? "http" : "https";
    if (monitor === undefined || monitor.type === "tcp")
      log.drop(item.source, `${item.path}.origins`, "no HTTP(S) monitor says which scheme the origins speak: https assumed");
    const members: string[] = [];
    list(p["origins"]).forEach((o, i) => {
      const originId = originIds.take(str(record(o)?.["name"]) ?? `${id}-${i + 1}`);
      const origin = readOrigin(o, `${item.path}.origins[${i}]`, originId, scheme, item, log);
      if (p["enabled"] === false) (origin as Record<string, unknown>)["enabled"] = false;
      origins.push(origin);
      members.push(originId);
    });
    if (members.length === 0) throw new ImportError(`${item.source}: ${item.path} (${id}) has no origins`);
    const pool: Record<string, unknown> = { id, origins: members };
    if (monitor !== undefined) pool["monitor"] = monitor.id;
    const minimum = num(p["minimum_origins"]);
    if (minimum !== undefined) pool["minHealthy"] = Math.max(1, minimum);
    const lat = num(p["latitude"]);
    const lon = num(p["longitude"]);
    if (lat !== undefined && lon !== undefined && !(lat === 0 && lon === 0)) Object.assign(pool, { lat, lon });
    const policy = str(record(p["origin_steering"])?.["policy"]);
    if (policy !== undefined) {
      const steering = POOL_STEERING[policy];
      if (steering === undefined) log.drop(item.source, `${item.path}.origin_steering.policy`, `${policy} has no Edgeway equivalent`);
      else {
        pool["steering"] = steering;
        if (steering === "hash") pool["hash"] = { source: "ip" };
        if (policy === "least_connections")
          log.drop(
            item.source,
            `${item.path}.origin_steering.policy`,
            "least_connections imported as least_outstanding (requests, not connections)",
          );
      }
    }
    if (p["enabled"] === false)
      log.drop(
        item.source,
        `${item.path}.enabled`,
        "a disabled pool has no Edgeway equivalent: its origins were imported with enabled: false",
      );
    reportPoolLosses(p, item, log);
    dropUnset(log, item.source, item.path, p, [...POOL_FIELDS, "monitor_group"]);
    pools.push(pool as PoolIn);
  }
  return { origins, pools, poolById };
}

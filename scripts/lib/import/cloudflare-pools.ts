/**
 * Cloudflare pools as Edgeway pools and their endpoints as origins (part of `import
 * --from cloudflare`): an endpoint's address becomes an origin URL whose scheme follows
 * the pool's monitor, its weight and enabled flag carry over, a Host header becomes the
 * origin's host where this version has one.
 */
import { OriginSchema } from "../../../src/config/schema.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import { BOOKKEEPING } from "./cloudflare-monitors.ts";
import type { CloudflareItem } from "./cloudflare-monitors.ts";
import { IdAllocator } from "./ids.ts";
import { dropUnhandled, ImportError, list, num, record, text } from "./model.ts";
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

/** `https://203.0.113.10`, `http://[2001:db8::1]`: Cloudflare origins are addresses; the scheme follows the pool's monitor. */
function originUrl(address: string, scheme: string): string {
  return `${scheme}://${address.includes(":") && !address.startsWith("[") ? `[${address}]` : address}`;
}

/** The pools and origins, and each Cloudflare pool id's (and name's) Edgeway pool id. */
export function importPools(
  items: readonly CloudflareItem[],
  monitorById: ReadonlyMap<string, { id: string; type: string }>,
  log: DropLog,
): { origins: OriginIn[]; pools: PoolIn[]; poolById: Map<string, string> } {
  const poolIds = new IdAllocator();
  const originIds = new IdAllocator();
  const origins: OriginIn[] = [];
  const pools: PoolIn[] = [];
  const poolById = new Map<string, string>();
  for (const item of items) {
    const p = item.value;
    const cfId = text(p["id"]) ?? text(p["name"]) ?? `pool-${pools.length + 1}`;
    const id = poolIds.take(text(p["name"]) ?? cfId);
    poolById.set(cfId, id);
    if (text(p["name"]) !== undefined) poolById.set(text(p["name"]) ?? "", id);
    const monitorRef = text(p["monitor"]);
    const monitor = monitorRef === undefined ? undefined : monitorById.get(monitorRef);
    if (monitorRef !== undefined && monitor === undefined)
      throw new ImportError(`${item.source}: ${item.path}.monitor ${monitorRef} names no monitor given`);
    const scheme = monitor?.type === "http" ? "http" : "https";
    if (monitor === undefined || monitor.type === "tcp")
      log.drop(item.source, `${item.path}.origins`, "no HTTP(S) monitor says which scheme the origins speak: https assumed");
    const members: string[] = [];
    list(p["origins"]).forEach((o, i) => {
      const origin = record(o) ?? {};
      const path = `${item.path}.origins[${i}]`;
      const address = text(origin["address"]);
      if (address === undefined) throw new ImportError(`${item.source}: ${path} has no address`);
      const originId = originIds.take(text(origin["name"]) ?? `${id}-${i + 1}`);
      const out: Record<string, unknown> = { id: originId, url: originUrl(address, scheme) };
      const weight = num(origin["weight"]);
      if (weight !== undefined) out["weight"] = weight;
      if (origin["enabled"] === false) out["enabled"] = false;
      const host = list(record(origin["header"])?.["Host"])[0];
      if (typeof host === "string") {
        if ("host" in OriginSchema.shape) out["host"] = host;
        else log.drop(item.source, `${path}.header.Host`, "this Edgeway version has no per-origin Host override");
      }
      dropUnhandled(log, item.source, path, origin, ["name", "address", "weight", "enabled", "header"]);
      const headers = record(origin["header"]);
      if (headers !== undefined) dropUnhandled(log, item.source, `${path}.header`, headers, ["Host"]);
      origins.push(out as OriginIn);
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
    const policy = text(record(p["origin_steering"])?.["policy"]);
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
    if (p["enabled"] === false)
      for (const o of origins.filter((x) => members.includes(x.id))) (o as Record<string, unknown>)["enabled"] = false;
    const regions = list(p["check_regions"]);
    if (regions.length > 0)
      log.drop(item.source, `${item.path}.check_regions`, "probe regions are set on Edgeway monitors (regions), not pools");
    dropUnhandled(log, item.source, item.path, p, [
      ...BOOKKEEPING,
      "origins",
      "monitor",
      "minimum_origins",
      "latitude",
      "longitude",
      "origin_steering",
      "enabled",
      "check_regions",
    ]);
    pools.push(pool as PoolIn);
  }
  return { origins, pools, poolById };
}

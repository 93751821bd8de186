/**
 * `edgeway import --from cloudflare`: load balancers, pools and monitors as the Cloudflare
 * API returns them (`{ "result": … }` envelopes, bare objects or arrays, or one bundle
 * `{ "load_balancers", "pools", "monitors" }`) into routes, pools, origins and monitors.
 *
 * Cloudflare's words map almost one to one (DESIGN.md's table): a load balancer is a
 * route on its host name, a pool a pool, an endpoint an origin, a monitor a monitor, a
 * load balancing rule a route of its own on the same host (cloudflare-rules/import.ts).
 * Cloudflare's 13 steering regions are coarser or finer than Edgeway's continents: two
 * regions of one continent with different pools keep the first and report the other.
 */
import type { ConfigInput } from "../../../src/config/schema.ts";
import { LOCATION_STRATEGY_LOSS, lbSettings, STEERING_FIELDS } from "./cloudflare-lb.ts";
import type { SettingsContext } from "./cloudflare-lb.ts";
import { BOOKKEEPING, importMonitors } from "./cloudflare-monitors.ts";
import type { CloudflareItem } from "./cloudflare-monitors.ts";
import { importPools } from "./cloudflare-pools.ts";
import { importRules } from "./cloudflare-rules/import.ts";
import { IdAllocator } from "./ids.ts";
import { DropLog, dropUnhandled, ImportError, record, text } from "./model.ts";
import type { ImportResult, SourceDocument } from "./model.ts";

export { REGION_CONTINENT } from "./cloudflare-lb.ts";

type RouteIn = ConfigInput["routes"][number];

type Kind = "load_balancer" | "pool" | "monitor";

type Item = CloudflareItem<Kind>;

function kindOf(value: Record<string, unknown>): Kind | undefined {
  if ("default_pools" in value || "fallback_pool" in value) return "load_balancer";
  if ("origins" in value) return "pool";
  if ("expected_codes" in value || ("type" in value && "interval" in value)) return "monitor";
  return undefined;
}

/** Every load balancer, pool and monitor in the documents, whatever envelope they came in. */
function collect(docs: readonly SourceDocument[]): Item[] {
  const items: Item[] = [];
  const add = (value: unknown, source: string, path: string, expected?: Kind): void => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) add(v, source, `${path}[${i}]`, expected);
      return;
    }
    const object = record(value);
    if (object === undefined) throw new ImportError(`${source}: ${path || "the document"} is not a JSON object or array`);
    if ("result" in object && !("origins" in object)) {
      add(object["result"], source, path === "" ? "result" : `${path}.result`, expected);
      return;
    }
    const bundle = ["load_balancers", "pools", "monitors"].filter((k) => k in object);
    if (bundle.length > 0) {
      const prefix = path === "" ? "" : `${path}.`;
      add(object["monitors"] ?? [], source, `${prefix}monitors`, "monitor");
      add(object["pools"] ?? [], source, `${prefix}pools`, "pool");
      add(object["load_balancers"] ?? [], source, `${prefix}load_balancers`, "load_balancer");
      return;
    }
    const kind = kindOf(object) ?? expected;
    if (kind === undefined)
      throw new ImportError(
        `${source}: ${path || "the document"} is not a Cloudflare load balancer, pool or monitor (no default_pools, origins or type)`,
      );
    items.push({ kind, source, path, value: object });
  };
  for (const doc of docs) add(doc.value, doc.source, "");
  return items;
}

/** Load balancer fields read elsewhere or with nothing to carry (zone_name: the zone it serves, which its name already says). */
const LB_FIELDS = [...BOOKKEEPING, ...STEERING_FIELDS, "enabled", "rules", "zone_name", "location_strategy"];

/** Imports Cloudflare Load Balancing documents. */
export function importCloudflare(docs: readonly SourceDocument[]): ImportResult {
  const log = new DropLog();
  const items = collect(docs);
  const routeIds = new IdAllocator();
  const { monitors, monitorById } = importMonitors(
    items.filter((i) => i.kind === "monitor"),
    log,
  );
  const { origins, pools, poolById } = importPools(
    items.filter((i) => i.kind === "pool"),
    monitorById,
    log,
  );

  const routes: RouteIn[] = [];
  const hosts = new Map<string, string>();
  for (const item of items.filter((i) => i.kind === "load_balancer")) {
    const lb = item.value;
    const name = text(lb["name"]) ?? "*";
    const owner = hosts.get(name);
    if (owner !== undefined) throw new ImportError(`${item.source}: load balancer ${name} conflicts with ${owner} (same host name)`);
    hosts.set(name, `${item.source} ${item.path}`);
    const poolRef = (ref: unknown, path: string): string => {
      const pool = typeof ref === "string" ? poolById.get(ref) : undefined;
      if (pool === undefined)
        throw new ImportError(`${item.source}: ${path} names pool ${JSON.stringify(ref)}, which no pool document defines`);
      return pool;
    };
    const context = (pathOf: (field: string) => string, into: DropLog): SettingsContext => ({
      source: item.source,
      pathOf,
      poolRef,
      log: into,
    });
    const own = lbSettings(
      lb,
      context((field) => `${item.path}.${field}`, log),
    );
    const id = routeIds.take(name === "*" ? "default" : name);
    const { routes: ruleRoutes, defaultReached } = importRules({
      source: item.source,
      path: item.path,
      host: name,
      lb,
      routeId: id,
      routeIds,
      log,
      settings: (overrides, overridesPath, into) =>
        lbSettings(
          { ...lb, ...overrides },
          context(
            (field) => (overridesPath !== undefined && field in overrides ? `${overridesPath}.${field}` : `${item.path}.${field}`),
            into,
          ),
        ),
    });
    routes.push(...ruleRoutes);
    if (defaultReached) routes.push({ id, match: { host: name, pathPrefix: "/" }, ...own } as RouteIn);
    if (record(lb["location_strategy"]) !== undefined) log.drop(item.source, `${item.path}.location_strategy`, LOCATION_STRATEGY_LOSS);
    if (lb["enabled"] === false) log.drop(item.source, `${item.path}.enabled`, "a disabled load balancer was imported as an active route");
    dropUnhandled(log, item.source, item.path, lb, LB_FIELDS);
  }
  if (routes.length === 0) throw new ImportError("nothing to import: no load balancer (an object with default_pools) was given");
  return { config: { origins, monitors, pools, routes }, dropped: log.items };
}

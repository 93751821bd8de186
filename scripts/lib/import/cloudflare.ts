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
import { BOOKKEEPING, dropUnset, present } from "./cloudflare-fields.ts";
import type { CloudflareItem } from "./cloudflare-fields.ts";
import { MonitorSet } from "./cloudflare-monitors.ts";
import { importPools } from "./cloudflare-pools.ts";
import { importRules } from "./cloudflare-rules/import.ts";
import { IdAllocator } from "./ids.ts";
import { DropLog, ImportError, list, num, record, text } from "./model.ts";
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

/** The API's answer to a failed call, saved in place of an export: its errors, for the message. */
function apiErrors(envelope: Record<string, unknown>): string {
  const errors = list(envelope["errors"]).map((e) => {
    const error = record(e) ?? {};
    return [num(error["code"]), text(error["message"])].filter((x) => x !== undefined).join(" ");
  });
  return errors.length === 0 ? "no errors listed" : errors.join("; ");
}

/** A list envelope whose `result_info` says more pages exist than the one given. */
function reportPartialPage(envelope: Record<string, unknown>, source: string, path: string, log: DropLog): void {
  const info = record(envelope["result_info"]);
  if (info === undefined) return;
  const page = num(info["page"]) ?? 1;
  const pages = num(info["total_pages"]);
  const count = num(info["count"]) ?? list(envelope["result"]).length;
  const total = num(info["total_count"]);
  if ((pages !== undefined && page < pages) || (total !== undefined && total > count))
    log.drop(
      source,
      path === "" ? "result_info" : `${path}.result_info`,
      `page ${page}${pages === undefined ? "" : ` of ${pages}`} (${count} of ${total ?? "more"} objects): the objects on the other pages are not in this import; fetch every page (?page=N)`,
    );
}

/** Every load balancer, pool and monitor in the documents, whatever envelope they came in. */
function collect(docs: readonly SourceDocument[], log: DropLog): Item[] {
  const items: Item[] = [];
  const add = (value: unknown, source: string, path: string, expected?: Kind): void => {
    if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) add(v, source, `${path}[${i}]`, expected);
      return;
    }
    const object = record(value);
    if (object === undefined) throw new ImportError(`${source}: ${path || "the document"} is not a JSON object or array`);
    if ("result" in object && !("origins" in object)) {
      if (object["success"] === false || object["result"] === null)
        throw new ImportError(
          `${source}: ${path || "the document"} is the Cloudflare API's answer to a failed call (${apiErrors(object)}), not an export`,
        );
      reportPartialPage(object, source, path, log);
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

/**
 * Load balancer fields read elsewhere or with nothing to carry: zone_name (the zone it
 * serves, which its name already says); ttl and location_strategy, which only a DNS-only
 * (`proxied: false`) load balancer uses (reported there); networks, reported unless only
 * the public network.
 */
const LB_FIELDS = [...BOOKKEEPING, ...STEERING_FIELDS, "enabled", "rules", "zone_name", "location_strategy", "proxied", "ttl", "networks"];

/** Reports the load balancer fields that hold a value Edgeway cannot carry. */
function reportLbLosses(lb: Record<string, unknown>, item: Item, log: DropLog): void {
  if (lb["proxied"] === false) {
    log.drop(
      item.source,
      `${item.path}.proxied`,
      "a DNS-only load balancer answers DNS queries with an origin's address; Edgeway proxies requests on the Worker's routes",
    );
    if (num(lb["ttl"]) !== undefined) log.drop(item.source, `${item.path}.ttl`, "the TTL of a DNS-only load balancer's answers");
    if (!isEmptyStrategy(lb["location_strategy"])) log.drop(item.source, `${item.path}.location_strategy`, LOCATION_STRATEGY_LOSS);
  }
  if (list(lb["networks"]).some((n) => n !== "cloudflare"))
    log.drop(item.source, `${item.path}.networks`, "a load balancer on a private network (Cloudflare One) has no Edgeway equivalent");
  if (list(lb["pool_sets"]).length > 0)
    log.drop(item.source, `${item.path}.pool_sets`, "pool sets are not imported: the load balancer's own pools and rules are");
  if (lb["enabled"] === false) log.drop(item.source, `${item.path}.enabled`, "a disabled load balancer was imported as an active route");
}

/** Whether a location_strategy sets nothing (absent, null, or only unset fields). */
function isEmptyStrategy(value: unknown): boolean {
  return Object.keys(present(value)).length === 0;
}

/** Imports Cloudflare Load Balancing documents. */
export function importCloudflare(docs: readonly SourceDocument[]): ImportResult {
  const log = new DropLog();
  const items = collect(docs, log);
  const routeIds = new IdAllocator();
  const monitorSet = new MonitorSet(
    items.filter((i) => i.kind === "monitor"),
    log,
  );
  const { origins, pools, poolById } = importPools(
    items.filter((i) => i.kind === "pool"),
    monitorSet,
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
    reportLbLosses(lb, item, log);
    dropUnset(log, item.source, item.path, lb, [...LB_FIELDS, "pool_sets"]);
  }
  if (routes.length === 0) throw new ImportError("nothing to import: no load balancer (an object with default_pools) was given");
  return { config: { origins, monitors: monitorSet.monitors(), pools, routes }, dropped: log.items };
}

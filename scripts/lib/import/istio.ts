/**
 * `edgeway import --from istio`: VirtualServices and DestinationRules into routes, pools and
 * origins, with a service map (kind `EdgewayServiceMap`) that lists each service's
 * endpoint URLs and labels (istio/service-map.ts).
 *
 * - Each destination (service, subset) becomes a pool (istio/destinations.ts), its
 *   DestinationRule's policy the pool's steering and outlier detection.
 * - Each http entry becomes a route whose match lists hosts × the entry's matches
 *   (istio/match.ts: uri exact / prefix / regex, headers, query parameters, method);
 *   several destinations make a `weighted` route; timeout, retries, header edits,
 *   rewrite, redirect, direct response and mirrors map to the route's fields and filters.
 * - Istio takes the first entry that matches; Edgeway ranks matches (Gateway API
 *   precedence). istio/first-match.ts places the matches so that both send every
 *   request to the same entry, and reports the overlaps it cannot write.
 * - A match Edgeway cannot test as Istio would is left out rather than widened to catch
 *   traffic it should not; every loss is reported.
 */
import type { ConfigInput } from "../../../src/config/schema.ts";
import { IdAllocator } from "./ids.ts";
import { DropLog, dropUnhandled, ImportError, list, record } from "./model.ts";
import type { ImportResult, SourceDocument } from "./model.ts";
import { condKey, toRouteMatch } from "./istio/conditions.ts";
import type { Cond, RouteMatchIn } from "./istio/conditions.ts";
import { readDestinationRules } from "./istio/destination-rules.ts";
import { destinationPools } from "./istio/destinations.ts";
import { planEntry } from "./istio/entry.ts";
import type { EntryPlan } from "./istio/entry.ts";
import { checkedFilter } from "./istio/filter-check.ts";
import type { FilterIn } from "./istio/filter-check.ts";
import { firstMatchWins } from "./istio/first-match.ts";
import type { Placed } from "./istio/first-match.ts";
import { kindOf, namespaceOf, nameOf, reportExportTo, unwrapLists } from "./istio/kubernetes.ts";
import { mirrorsApart, OriginPools } from "./istio/pools.ts";
import { rewritePath } from "./istio/rewrite.ts";
import { readServiceMap, SERVICE_MAP_KIND } from "./istio/service-map.ts";

export { SERVICE_MAP_KIND } from "./istio/service-map.ts";

type RouteIn = ConfigInput["routes"][number];

/** Most matches one route holds (the config schema's bound); more are split over several routes. */
const MAX_MATCHES = 64;

/** The URLRewrite for one placed match of an entry, or undefined. */
function urlRewrite(plan: EntryPlan, placed: Placed, source: string, log: DropLog): FilterIn | undefined {
  const rewrite = plan.rewrite;
  if (rewrite === undefined || (rewrite.uri === undefined && rewrite.hostname === undefined)) return undefined;
  const origin = plan.conds[placed.origin];
  let path: ReturnType<typeof rewritePath>;
  if (rewrite.uri !== undefined && origin !== undefined) {
    path = rewritePath(rewrite.uri, origin.path, placed.cond.path);
    if (path === undefined)
      log.drop(
        source,
        `${plan.path}.rewrite.uri`,
        "a regular-expression match has no prefix to replace: requests it matches are forwarded with their path unchanged",
      );
  }
  if (path === undefined && rewrite.hostname === undefined) return undefined;
  return checkedFilter(
    {
      type: "URLRewrite",
      urlRewrite: { ...(rewrite.hostname === undefined ? {} : { hostname: rewrite.hostname }), ...(path === undefined ? {} : { path }) },
    },
    source,
    `${plan.path}.rewrite`,
    log,
  );
}

/**
 * Imports Istio documents. `docs` holds VirtualServices, DestinationRules and at least one
 * EdgewayServiceMap (alone or in `kind: List` documents); any other kind is an error naming it.
 */
export function importIstio(input: readonly SourceDocument[]): ImportResult {
  const docs = unwrapLists(input);
  const log = new DropLog();
  for (const doc of docs) {
    const kind = kindOf(doc);
    if (!["VirtualService", "DestinationRule", SERVICE_MAP_KIND].includes(kind)) {
      throw new ImportError(
        `${doc.source}: kind ${JSON.stringify(kind)} is not importable (VirtualService, DestinationRule, ${SERVICE_MAP_KIND})`,
      );
    }
  }
  const services = readServiceMap(docs);
  if (services.size === 0)
    throw new ImportError(`no ${SERVICE_MAP_KIND} given: Edgeway needs each service's endpoint URLs (see examples/import/istio/)`);
  const pools = new OriginPools();
  const resolve = destinationPools(services, readDestinationRules(docs), pools, log);
  const routeIds = new IdAllocator();
  const routes: RouteIn[] = [];
  const claimed = new Map<string, string>();

  for (const doc of docs.filter((d) => kindOf(d) === "VirtualService")) {
    const value = record(doc.value) ?? {};
    const name = nameOf(value, "virtualservice");
    const spec = record(value["spec"]);
    if (spec === undefined) throw new ImportError(`${doc.source}: VirtualService ${name} has no spec`);
    dropUnhandled(log, doc.source, "spec", spec, ["hosts", "gateways", "http", "exportTo"]);
    reportExportTo(spec, doc.source, log);
    if (spec["gateways"] !== undefined) log.drop(doc.source, "spec.gateways", "Edgeway is itself the gateway: routes match hosts directly");
    const hosts = list(spec["hosts"]).map((h) => String(h));
    const resolveIn = resolve(namespaceOf(value));
    if (hosts.length === 0) throw new ImportError(`${doc.source}: VirtualService ${name} lists no spec.hosts`);

    const plans: EntryPlan[] = [];
    list(spec["http"]).forEach((entry, i) => {
      const http = record(entry);
      const plan = http === undefined ? undefined : planEntry(http, doc.source, `spec.http[${i}]`, log, resolveIn);
      if (plan !== undefined) plans.push(plan);
    });
    const placement = firstMatchWins(plans.map((p) => p.conds));
    const where = (rule: number, match: number) => plans[rule]?.condPaths[match] ?? plans[rule]?.path ?? "?";
    for (const s of placement.shadowed)
      log.drop(
        doc.source,
        where(s.rule, s.match),
        `never reached: ${where(s.earlier, s.earlierMatch)} comes first and holds for every request this does (Istio's first match wins): left out`,
      );
    for (const u of placement.unresolved)
      log.drop(
        doc.source,
        where(u.rule, u.match),
        `outranks ${where(u.earlier, u.earlierMatch)} in Edgeway's precedence, and the requests both hold for cannot be written as one match: Edgeway sends them here, Istio to ${plans[u.earlier]?.path ?? "?"}`,
      );
    for (const o of placement.overflow)
      log.drop(
        doc.source,
        plans[o]?.path ?? "?",
        `would need more than ${MAX_MATCHES} matches to keep Istio's first-match order: some overlaps go to later entries`,
      );

    plans.forEach((plan, i) => {
      const placed = placement.placed[i] ?? [];
      if (placed.length === 0) return;
      // Matches that need the same URL rewrite share a route.
      const groups = new Map<string, { rewrite: FilterIn | undefined; conds: Cond[] }>();
      for (const p of placed) {
        const rewrite = urlRewrite(plan, p, doc.source, log);
        const key = JSON.stringify(rewrite ?? null);
        const group = groups.get(key) ?? { rewrite, conds: [] };
        group.conds.push(p.cond);
        groups.set(key, group);
      }
      const base = plan.name === undefined ? `${name}-${routes.length + 1}` : `${name}-${plan.name}`;
      for (const group of groups.values()) {
        const matches: RouteMatchIn[] = [];
        for (const host of hosts) {
          for (const cond of group.conds) {
            const key = `${host.toLowerCase()} ${condKey(cond)}`;
            const owner = claimed.get(key);
            if (owner !== undefined && !owner.startsWith(`${doc.source} `))
              throw new ImportError(`${doc.source}: ${plan.path} claims host ${host} with the same match, already routed by ${owner}`);
            claimed.set(key, `${doc.source} ${plan.path}`);
            matches.push(toRouteMatch(host, cond));
          }
        }
        const filters = mirrorsApart(
          [...plan.before, ...(group.rewrite === undefined ? [] : [group.rewrite]), ...plan.after],
          plan.route.pools ?? [],
          pools,
        );
        for (let at = 0; at < matches.length; at += MAX_MATCHES) {
          const chunk = matches.slice(at, at + MAX_MATCHES);
          routes.push({
            id: routeIds.take(base),
            match: chunk.length === 1 ? (chunk[0] as RouteMatchIn) : chunk,
            ...(filters.length === 0 ? {} : { filters }),
            ...plan.route,
          } as RouteIn);
        }
      }
    });
  }
  if (routes.length === 0) throw new ImportError("nothing to import: no VirtualService http route could be mapped");
  return { config: { origins: pools.origins, pools: pools.pools, routes }, dropped: log.items };
}

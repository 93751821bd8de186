/**
 * Edgeway routes as Cloudflare load balancers with `rules` (part of `export --to
 * cloudflare`): one load balancer per host; the route that takes every request on the
 * host (its catch-all match) gives the load balancer's own fields, and every other match
 * becomes a rule: its condition printed in the Rules language (print.ts), its pools and
 * steering as `overrides` (the fields that differ from the load balancer's), a
 * FixedResponse as `fixed_response`. Every rule terminates.
 *
 * Cloudflare runs the first rule whose condition holds, Edgeway the most specific match,
 * so rules are ordered such that of two matches that can hold together (overlap.ts) the
 * one Edgeway ranks first comes first; among the rest, document order. A route whose
 * matches cannot keep one place in that order is split into several rules.
 *
 * Reported: what a rule cannot hold (header edits, rewrites, redirects, mirrors, per-pool
 * filters, timeouts and retries that differ from the load balancer's route), and a host
 * with no catch-all route (Cloudflare then sends unmatched requests to default_pools).
 */
import type { RouteMatch } from "../../../../src/config/match-schema.ts";
import { matchList, pathOf } from "../../../../src/config/match-schema.ts";
import type { Config } from "../../../../src/config/schema.ts";
import { answersItself } from "../../../../src/config/validate-rules.ts";
import { CompiledMatch, comparePrecedence, normalisePrefix } from "../../../../src/routing/route-match.ts";
import { routeLbFields } from "../cloudflare-export-lb.ts";
import { WEIGHTED_POLICIES } from "../cloudflare-lb.ts";
import type { DropLog } from "../model.ts";
import { mayOverlap } from "./overlap.ts";
import { canonical } from "./precedence.ts";
import { printMatches } from "./print.ts";

type Route = Config["routes"][number];
type FixedResponse = Extract<NonNullable<Route["filters"]>[number], { type: "FixedResponse" }>["fixedResponse"];

interface Entry {
  readonly route: Route;
  readonly routeIndex: number;
  readonly match: RouteMatch;
  readonly path: string;
  readonly compiled: CompiledMatch<Entry>;
}

/** Route fields a rule cannot override: Cloudflare applies the load balancer's. */
const PROXY_FIELDS = ["timeoutMs", "retries", "hedge", "exposeOrigin", "latency", "websockets", "forwarded"] as const;

const FILTER_LOSSES: Record<string, string> = {
  RequestHeaderModifier: "Cloudflare load balancing rules do not edit request headers",
  ResponseHeaderModifier: "Cloudflare load balancing rules do not edit response headers",
  URLRewrite: "Cloudflare load balancing rules do not rewrite URLs",
  RequestMirror: "Cloudflare load balancing rules do not mirror requests",
};

/** Largest fixed_response fields Cloudflare accepts. */
const MAX_BODY_BYTES = 1_024;
const MAX_CONTENT_TYPE = 32;

function isCatchAll(match: RouteMatch): boolean {
  const path = pathOf(match);
  return (
    path.type === "PathPrefix" &&
    normalisePrefix(path.value) === "/" &&
    match.method === undefined &&
    (match.headers ?? []).length === 0 &&
    (match.queryParams ?? []).length === 0
  );
}

function forwards(route: Route): boolean {
  return route.pools.length > 0 && !answersItself(route);
}

/** Rules as groups of one route's matches, in an order Cloudflare's first-match reading agrees with. */
function orderRules(entries: readonly Entry[]): Entry[][] {
  const units = new Map<number, Entry[]>();
  for (const e of entries) units.set(e.routeIndex, [...(units.get(e.routeIndex) ?? []), e]);
  const after = new Map<number, Set<number>>([...units.keys()].map((k) => [k, new Set<number>()]));
  for (const x of entries)
    for (const y of entries)
      if (x.routeIndex !== y.routeIndex && mayOverlap(x.match, y.match) && comparePrecedence(x.compiled, y.compiled) < 0)
        after.get(x.routeIndex)?.add(y.routeIndex);
  const blockers = new Map<number, number>([...units.keys()].map((k) => [k, 0]));
  for (const next of after.values()) for (const k of next) blockers.set(k, (blockers.get(k) ?? 0) + 1);
  const order: number[] = [];
  while (order.length < units.size) {
    const ready = [...blockers].filter(([k, n]) => n === 0 && !order.includes(k)).map(([k]) => k);
    if (ready.length === 0) break;
    const k = Math.min(...ready);
    order.push(k);
    for (const next of after.get(k) ?? []) blockers.set(next, (blockers.get(next) ?? 0) - 1);
  }
  if (order.length === units.size) return order.map((k) => units.get(k) ?? []);
  // Two routes each outrank the other somewhere: one rule per run of a route's matches in precedence order.
  const groups: Entry[][] = [];
  for (const e of [...entries].sort((a, b) => comparePrecedence(a.compiled, b.compiled))) {
    const own = groups.findLastIndex((g) => g[0]?.routeIndex === e.routeIndex);
    const clear = own >= 0 && groups.slice(own + 1).every((g) => g.every((x) => !mayOverlap(x.match, e.match)));
    if (clear) groups[own]?.push(e);
    else groups.push([e]);
  }
  return groups;
}

function fixedResponse(fixed: FixedResponse, path: string, source: string, log: DropLog): Record<string, unknown> {
  const out: Record<string, unknown> = { status_code: fixed.statusCode };
  if (fixed.body !== undefined) {
    let body = fixed.body.slice(0, MAX_BODY_BYTES);
    while (new TextEncoder().encode(body).length > MAX_BODY_BYTES) body = body.slice(0, -1);
    if (body !== fixed.body) log.drop(source, `${path}.body`, `Cloudflare's message_body holds at most ${MAX_BODY_BYTES} bytes: cut`);
    out["message_body"] = body;
  }
  if (fixed.contentType !== undefined && fixed.contentType.length <= MAX_CONTENT_TYPE) out["content_type"] = fixed.contentType;
  else if (fixed.contentType !== undefined)
    log.drop(source, `${path}.contentType`, `Cloudflare's content_type holds at most ${MAX_CONTENT_TYPE} characters: left out`);
  if (fixed.location !== undefined) out["location"] = fixed.location;
  return out;
}

/** The steering fields of a rule's route that differ from its load balancer's. */
function overrides(
  fields: Record<string, unknown>,
  lb: Record<string, unknown>,
  path: string,
  source: string,
  log: DropLog,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) if (canonical(v) !== canonical(lb[k])) out[k] = v;
  for (const k of Object.keys(lb)) {
    if (k in fields || k === "session_affinity_ttl" || k === "session_affinity_attributes") continue;
    // Inherited pool weights matter only to a policy that reads them.
    if (k === "random_steering" && !WEIGHTED_POLICIES.includes(String(fields["steering_policy"]))) continue;
    if (k === "session_affinity") out[k] = "none";
    else
      log.drop(
        source,
        path,
        `a Cloudflare rule inherits the load balancer's ${k}, which this route does not have: an override cannot remove it`,
      );
  }
  return out;
}

/** One rule, or undefined (reported) when the route cannot be said as one. */
function ruleOf(
  group: readonly Entry[],
  priority: number,
  lb: { fields: Record<string, unknown>; route: Route },
  source: string,
  log: DropLog,
) {
  const first = group[0];
  if (first === undefined) return undefined;
  const { route } = first;
  const path = `routes[${first.routeIndex}]`;
  const rule: Record<string, unknown> = {
    name: route.id,
    condition: printMatches(group.map((e) => e.match)),
    disabled: false,
    priority,
    terminates: true,
  };
  const filters = route.filters ?? [];
  const redirect = filters.findIndex((f) => f.type === "RequestRedirect");
  const fixed = filters.find((f) => f.type === "FixedResponse");
  if (fixed?.type === "FixedResponse") {
    rule["fixed_response"] = fixedResponse(fixed.fixedResponse, `${path}.filters[${filters.indexOf(fixed)}].fixedResponse`, source, log);
    return rule;
  }
  if (redirect >= 0) {
    log.drop(
      source,
      `${path}.filters[${redirect}]`,
      "a Cloudflare rule answers only with a fixed_response, whose Location cannot keep the request's path and query: the rule is left out, and Cloudflare sends these requests on",
    );
    return undefined;
  }
  rule["overrides"] = overrides(routeLbFields(route, path, source, log), lb.fields, path, source, log);
  for (const field of PROXY_FIELDS)
    if (canonical(route[field]) !== canonical(lb.route[field]))
      log.drop(source, `${path}.${field}`, `a Cloudflare rule cannot set it: the load balancer's (route "${lb.route.id}") applies`);
  return rule;
}

function reportRoute(route: Route, i: number, source: string, log: DropLog): void {
  (route.filters ?? []).forEach((f, k) => {
    const reason = FILTER_LOSSES[f.type];
    if (reason !== undefined) log.drop(source, `routes[${i}].filters[${k}]`, reason);
  });
  if (Object.keys(route.poolFilters ?? {}).length > 0)
    log.drop(source, `routes[${i}].poolFilters`, "Cloudflare load balancing rules do not edit headers per pool");
}

function loadBalancer(
  host: string,
  entries: readonly Entry[],
  config: Config,
  source: string,
  log: DropLog,
): Record<string, unknown> | undefined {
  const catchAll = entries.find((e) => isCatchAll(e.match));
  const base = catchAll !== undefined && forwards(catchAll.route) ? catchAll : undefined;
  const lbRoute = base?.route ?? entries.map((e) => e.route).find(forwards);
  const first = entries[0];
  if (lbRoute === undefined || first === undefined) {
    log.drop(
      source,
      first?.path ?? "routes",
      `no route on ${host} sends requests to a pool, which a Cloudflare load balancer needs: not exported`,
    );
    return undefined;
  }
  const lbIndex = config.routes.indexOf(lbRoute);
  if (catchAll === undefined)
    log.drop(
      source,
      first.path,
      `no route takes every request on ${host}: Cloudflare sends requests no rule matches to the load balancer's default_pools (route "${lbRoute.id}"'s), where Edgeway answers 404`,
    );
  const fields = routeLbFields(lbRoute, `routes[${lbIndex}]`, source, log);
  const rules = orderRules(entries.filter((e) => e !== base))
    .map((group, priority) => ruleOf(group, priority, { fields, route: lbRoute }, source, log))
    .filter((r) => r !== undefined)
    .map((r, priority) => ({ ...r, priority }));
  const out: Record<string, unknown> = { id: lbRoute.id, name: host, enabled: true, ...fields };
  if (rules.length > 0) out["rules"] = rules;
  return out;
}

/** One load balancer per host the routes' matches name, in the order the hosts first appear. */
export function exportLoadBalancers(config: Config, source: string, log: DropLog): Record<string, unknown>[] {
  const byHost = new Map<string, Entry[]>();
  let order = 0;
  config.routes.forEach((route, routeIndex) => {
    reportRoute(route, routeIndex, source, log);
    const list = matchList(route.match);
    list.forEach((match, k) => {
      const host = match.host.toLowerCase();
      const path = Array.isArray(route.match) ? `routes[${routeIndex}].match[${k}]` : `routes[${routeIndex}].match`;
      const entry: { -readonly [K in keyof Entry]: Entry[K] } = { route, routeIndex, match, path, compiled: undefined as never };
      entry.compiled = new CompiledMatch<Entry>(entry, match, k, order++);
      byHost.set(host, [...(byHost.get(host) ?? []), entry]);
    });
  });
  return [...byHost]
    .map(([host, entries]) => loadBalancer(host, entries, config, source, log))
    .filter((lb): lb is Record<string, unknown> => lb !== undefined);
}

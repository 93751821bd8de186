/**
 * One HTTPRoute read into Edgeway route plans, one per rule: the rule's matches for each
 * of the route's hostnames (none: every host), its filters, where it sends requests
 * (weighted backendRefs → pools) or how it answers itself (a redirect; a rule with no
 * backend answers 500, as the spec requires), and its timeouts, retry and session
 * persistence. gateway.ts orders the plans and writes the routes.
 */
import type { ConfigInput } from "../../../../src/config/schema.ts";
import { HostPattern } from "../../../../src/config/match-schema.ts";
import { dropUnhandled, list, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";
import { EVERYTHING } from "../istio/conditions.ts";
import type { Cond } from "../istio/conditions.ts";
import type { FilterIn } from "../istio/filter-check.ts";
import { mirrorsApart } from "../istio/pools.ts";
import type { OriginPools } from "../istio/pools.ts";
import type { ServiceMap } from "../istio/service-map.ts";
import type { RouteDoc } from "./attachment.ts";
import { backendPools, ruleBackends } from "./backends.ts";
import { ruleFilters } from "./filters.ts";
import { gatewayMatch } from "./match.ts";
import { rulePolicy } from "./policy.ts";

type RouteIn = ConfigInput["routes"][number];

export interface RulePlan {
  readonly source: string;
  /** `spec.rules[i]`. */
  readonly path: string;
  readonly idBase: string;
  readonly hosts: readonly string[];
  readonly conds: readonly Cond[];
  readonly condPaths: readonly string[];
  /** Everything of the route but its id and match. */
  readonly fields: Partial<RouteIn>;
}

export interface ImportContext {
  readonly services: ServiceMap;
  readonly pools: OriginPools;
  readonly log: DropLog;
}

/** The Gateway API's answer for a rule with no backend to send to. */
const NO_BACKEND: FilterIn = { type: "FixedResponse", fixedResponse: { statusCode: 500 } };

function hostnames(route: RouteDoc, log: DropLog): string[] | undefined {
  const given = list(route.spec["hostnames"]);
  if (given.length === 0) return ["*"];
  const hosts: string[] = [];
  given.forEach((h, i) => {
    const parsed = HostPattern.safeParse(h);
    if (parsed.success) hosts.push(parsed.data.toLowerCase());
    else log.drop(route.source, `spec.hostnames[${i}]`, `${JSON.stringify(h)} is not a host name Edgeway routes on: left out`);
  });
  return hosts.length === 0 ? undefined : hosts;
}

function ruleMatches(rule: Record<string, unknown>, source: string, path: string, log: DropLog): { conds: Cond[]; paths: string[] } {
  const matches = list(rule["matches"]);
  if (matches.length === 0) return { conds: [EVERYTHING], paths: [path] };
  const conds: Cond[] = [];
  const paths: string[] = [];
  matches.forEach((m, k) => {
    const cond = gatewayMatch(m, source, `${path}.matches[${k}]`, log);
    if (cond === undefined) return;
    conds.push(cond);
    paths.push(`${path}.matches[${k}]`);
  });
  return { conds, paths };
}

function planRule(route: RouteDoc, rule: Record<string, unknown>, i: number, hosts: string[], ctx: ImportContext): RulePlan | undefined {
  const { log } = ctx;
  const path = `spec.rules[${i}]`;
  dropUnhandled(log, route.source, path, rule, ["name", "matches", "filters", "backendRefs", "timeouts", "retry", "sessionPersistence"]);
  const { conds, paths } = ruleMatches(rule, route.source, path, log);
  if (conds.length === 0) {
    log.drop(route.source, path, "every match of the rule was left out: the rule was left out");
    return undefined;
  }
  const resolve = backendPools(ctx.services, ctx.pools, route.source, route.namespace, log);
  const { filters, redirects } = ruleFilters(rule["filters"], route.source, `${path}.filters`, log, resolve);
  const refs = list(rule["backendRefs"]);
  let fields: Partial<RouteIn> = { pools: [] };
  if (redirects) {
    if (refs.length > 0)
      log.drop(route.source, `${path}.backendRefs`, "a rule that redirects sends no request on (the spec forbids both): ignored");
  } else {
    const backends = refs.length === 0 ? undefined : ruleBackends(refs, route.source, `${path}.backendRefs`, log, resolve);
    if (backends === undefined || backends.total === 0) filters.push(NO_BACKEND);
    else fields = backends.fields;
  }
  const apart = mirrorsApart(filters, fields.pools ?? [], ctx.pools);
  const name = text(rule["name"]);
  return {
    source: route.source,
    path,
    idBase: `${route.name}-${name ?? String(i + 1)}`,
    hosts,
    conds,
    condPaths: paths,
    fields: { ...(apart.length === 0 ? {} : { filters: apart }), ...fields, ...rulePolicy(rule, route.source, path, log) },
  };
}

/** The plans of one HTTPRoute, in rule order. */
export function planRoute(route: RouteDoc, ctx: ImportContext): RulePlan[] {
  dropUnhandled(ctx.log, route.source, "", route.value, ["apiVersion", "kind", "metadata", "spec", "status"]);
  dropUnhandled(ctx.log, route.source, "spec", route.spec, ["parentRefs", "hostnames", "rules"]);
  const hosts = hostnames(route, ctx.log);
  if (hosts === undefined) {
    ctx.log.drop(route.source, "spec.hostnames", "no host name Edgeway can route on: the route was left out");
    return [];
  }
  const rules = list(route.spec["rules"]);
  // No rules: the spec's default, one rule matching every request (with no backend).
  return (rules.length === 0 ? [{}] : rules).flatMap((r, i) => {
    const plan = planRule(route, record(r) ?? {}, i, hosts, ctx);
    return plan === undefined ? [] : [plan];
  });
}

/**
 * Istio DestinationRules as Edgeway pool settings: the load balancer becomes the pool's
 * steering (no rule: Istio's default LEAST_REQUEST, so `least_outstanding`),
 * consistentHash becomes `hash`, outlierDetection maps field by field; a subset's own
 * trafficPolicy overrides the rule's for that subset's pool.
 */
import { durationMs } from "../duration.ts";
import { type DropLog, dropUnhandled, ImportError, list, num, record, text } from "../model.ts";
import type { SourceDocument } from "../model.ts";
import { kindOf, namespaceOf, reportExportTo } from "./kubernetes.ts";
import type { PoolIn } from "./pools.ts";
import { qualify, serviceKey, shortName } from "./service-map.ts";

export interface DestinationRule {
  readonly source: string;
  readonly name: string;
  readonly spec: Record<string, unknown>;
  /** The service it configures (service-map.ts serviceKey of its host, read in its namespace). */
  readonly key: string;
  /** The service's short name. */
  readonly short: string;
}

/** Istio's `simple` load balancers as Edgeway pool steering. */
const SIMPLE_LB: Record<string, PoolIn["steering"]> = {
  ROUND_ROBIN: "round_robin",
  LEAST_REQUEST: "least_outstanding",
  LEAST_CONN: "least_outstanding",
  RANDOM: "random",
};

/**
 * Every DestinationRule by the service it configures, its host read in its own namespace
 * (so the rules of `reviews` in two namespaces stay apart); two rules for one service are
 * refused.
 */
export function readDestinationRules(docs: readonly SourceDocument[]): Map<string, DestinationRule> {
  const rules = new Map<string, DestinationRule>();
  for (const doc of docs.filter((d) => kindOf(d) === "DestinationRule")) {
    const value = record(doc.value) ?? {};
    const spec = record(value["spec"]);
    const host = text(spec?.["host"]);
    const name = text(record(value["metadata"])?.["name"]) ?? host ?? "?";
    if (spec === undefined || host === undefined) throw new ImportError(`${doc.source}: DestinationRule ${name} has no spec.host`);
    const qualified = qualify(host, namespaceOf(value));
    const key = serviceKey(qualified);
    const earlier = rules.get(key);
    if (earlier !== undefined)
      throw new ImportError(`${doc.source}: DestinationRule ${name} and ${earlier.name} (${earlier.source}) both configure host ${host}`);
    rules.set(key, { source: doc.source, name, spec, key, short: shortName(qualified) });
  }
  return rules;
}

/**
 * The rule for a destination's (qualified) host: the rule of its service, else one written
 * without a namespace for a service of that name, or, for a host without a namespace, the
 * one rule of a service of that name in any namespace (two are ambiguous: refused).
 */
export function ruleFor(
  rules: ReadonlyMap<string, DestinationRule>,
  host: string,
  source: string,
  path: string,
): DestinationRule | undefined {
  const key = serviceKey(host);
  const exact = rules.get(key);
  if (exact !== undefined) return exact;
  const short = shortName(host);
  const candidates = [...rules.values()].filter((r) => r.short === short && (r.key === short || key === short));
  if (candidates.length > 1)
    throw new ImportError(
      `${source}: ${path}.host ${host} could be ${candidates.map((r) => r.key).join(" or ")}: give the VirtualService its namespace, or the host in full`,
    );
  return candidates[0];
}

/** The pool settings for a destination (service, subset) and the endpoints its subset selects. */
export function destinationPolicy(
  rule: DestinationRule | undefined,
  subset: string | undefined,
  host: string,
  source: string,
  path: string,
  log: DropLog,
): { readonly policy: Partial<PoolIn>; readonly labels: Record<string, unknown> | undefined } {
  if (rule === undefined) {
    if (subset !== undefined) throw new ImportError(`${source}: ${path}.subset ${subset} of ${host} is defined by no DestinationRule`);
    return { policy: { steering: "least_outstanding" }, labels: undefined };
  }
  dropUnhandled(log, rule.source, "spec", rule.spec, ["host", "trafficPolicy", "subsets", "exportTo"]);
  reportExportTo(rule.spec, rule.source, log);
  let policy: Partial<PoolIn> = {
    steering: "least_outstanding",
    ...poolPolicy(record(rule.spec["trafficPolicy"]), rule.source, "spec.trafficPolicy", log),
  };
  if (subset === undefined) return { policy, labels: undefined };
  const subsets = list(rule.spec["subsets"]);
  const index = subsets.findIndex((s) => text(record(s)?.["name"]) === subset);
  const def = record(subsets[index]);
  if (def === undefined) throw new ImportError(`${source}: ${path}.subset ${subset} of ${host} is defined by no DestinationRule`);
  dropUnhandled(log, rule.source, `spec.subsets[${index}]`, def, ["name", "labels", "trafficPolicy"]);
  policy = { ...policy, ...poolPolicy(record(def["trafficPolicy"]), rule.source, `spec.subsets[${index}].trafficPolicy`, log) };
  return { policy, labels: record(def["labels"]) ?? {} };
}

/** Edgeway's pool fields from one Istio trafficPolicy (DestinationRule or subset level). */
function poolPolicy(policy: Record<string, unknown> | undefined, source: string, path: string, log: DropLog): Partial<PoolIn> {
  if (policy === undefined) return {};
  const out: { -readonly [K in keyof PoolIn]?: PoolIn[K] } = {};
  dropUnhandled(log, source, path, policy, ["loadBalancer", "outlierDetection"]);
  const lb = record(policy["loadBalancer"]);
  if (lb !== undefined) {
    dropUnhandled(log, source, `${path}.loadBalancer`, lb, ["simple", "consistentHash"]);
    const simple = text(lb["simple"]);
    if (simple !== undefined) {
      const steering = SIMPLE_LB[simple];
      if (steering === undefined) log.drop(source, `${path}.loadBalancer.simple`, `${simple} has no Edgeway equivalent`);
      else out.steering = steering;
    }
    const hash = record(lb["consistentHash"]);
    if (hash !== undefined) {
      out.steering = "hash";
      const cookie = record(hash["httpCookie"]);
      if (text(hash["httpHeaderName"]) !== undefined) out.hash = { header: text(hash["httpHeaderName"]) ?? "" };
      else if (cookie !== undefined && text(cookie["name"]) !== undefined) out.hash = { cookie: text(cookie["name"]) ?? "" };
      else if (hash["useSourceIp"] === true) out.hash = { source: "ip" };
      else
        log.drop(
          source,
          `${path}.loadBalancer.consistentHash`,
          "only httpHeaderName, httpCookie.name and useSourceIp map to Edgeway's hash",
        );
      dropUnhandled(
        log,
        source,
        `${path}.loadBalancer.consistentHash`,
        hash,
        ["httpHeaderName", "httpCookie", "useSourceIp"],
        "Edgeway's hash is rendezvous hashing with no tuning knobs",
      );
    }
  }
  const od = record(policy["outlierDetection"]);
  if (od !== undefined) out.outlierDetection = outlierDetection(od, source, `${path}.outlierDetection`, log);
  return out;
}

function outlierDetection(od: Record<string, unknown>, source: string, p: string, log: DropLog): PoolIn["outlierDetection"] {
  const detection: Record<string, number | boolean> = {};
  const c5xx = num(od["consecutive5xxErrors"]) ?? num(od["consecutiveErrors"]);
  if (c5xx !== undefined) detection["consecutive5xx"] = c5xx;
  const gw = num(od["consecutiveGatewayErrors"]);
  if (gw !== undefined) detection["consecutiveGatewayFailure"] = gw;
  for (const [field, target] of [
    ["interval", "intervalSeconds"],
    ["baseEjectionTime", "baseEjectionSeconds"],
  ] as const) {
    if (od[field] === undefined) continue;
    const ms = durationMs(od[field]);
    if (ms === undefined) log.drop(source, `${p}.${field}`, `not a duration: ${JSON.stringify(od[field])}`);
    else detection[target] = Math.max(1, Math.round(ms / 1000));
  }
  const maxPercent = num(od["maxEjectionPercent"]);
  if (maxPercent !== undefined) detection["maxEjectionPercent"] = maxPercent;
  dropUnhandled(log, source, p, od, [
    "consecutive5xxErrors",
    "consecutiveErrors",
    "consecutiveGatewayErrors",
    "interval",
    "baseEjectionTime",
    "maxEjectionPercent",
  ]);
  return detection as PoolIn["outlierDetection"];
}

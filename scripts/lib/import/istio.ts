/**
 * `edgeway import --from istio`: VirtualServices and DestinationRules into routes, pools and
 * origins. Istio finds endpoints through Kubernetes; Edgeway needs URLs, so the user gives
 * a service map (kind `EdgewayServiceMap`) listing each service's endpoints with their
 * labels, and DestinationRule subsets select endpoints by label as they select pods.
 *
 * - Each destination (service, subset) becomes a pool; its DestinationRule's load balancer
 *   becomes the pool's steering (no rule: Istio's default LEAST_REQUEST, so
 *   `least_outstanding`), consistentHash becomes `hash`, outlierDetection maps field by field.
 * - Each VirtualService host × http entry × uri match becomes a route; several
 *   destinations make a `weighted` route with their weights; timeout and retries map.
 * - An entry Edgeway cannot match as Istio would (regex, headers, method, query) is left
 *   out rather than widened to catch traffic it should not; every such loss is reported.
 */
import type { ConfigInput } from "../../../src/config/schema.ts";
import { durationMs } from "./duration.ts";
import { IdAllocator, toId } from "./ids.ts";
import { DropLog, dropUnhandled, ImportError, list, num, record, text } from "./model.ts";
import type { ImportResult, SourceDocument } from "./model.ts";

type OriginIn = ConfigInput["origins"][number];
type PoolIn = ConfigInput["pools"][number];
type RouteIn = ConfigInput["routes"][number];

/** The service map's kind. */
export const SERVICE_MAP_KIND = "EdgewayServiceMap";

interface Endpoint {
  readonly url: string;
  readonly labels: Record<string, string>;
  readonly region?: string | undefined;
  readonly weight?: number | undefined;
  readonly id?: string | undefined;
}

interface DestinationRule {
  readonly source: string;
  readonly name: string;
  readonly spec: Record<string, unknown>;
}

/** Istio's `simple` load balancers as Edgeway pool steering. */
const SIMPLE_LB: Record<string, PoolIn["steering"]> = {
  ROUND_ROBIN: "round_robin",
  LEAST_REQUEST: "least_outstanding",
  LEAST_CONN: "least_outstanding",
  RANDOM: "random",
};

/** Istio `retryOn` conditions as Edgeway's `retries.on`. */
const RETRY_ON: Record<string, readonly string[]> = {
  "5xx": ["5xx"],
  "gateway-error": ["502", "503", "504"],
  "connect-failure": ["connect-failure"],
  "refused-stream": ["connect-failure"],
  reset: ["connect-failure"],
  unavailable: ["503"],
  "retriable-status-codes": [],
};

/** `reviews.default.svc.cluster.local` and `reviews` name the same service. */
function shortName(host: string): string {
  return host.endsWith(".svc.cluster.local") || !host.includes(".") ? (host.split(".")[0] ?? host) : host;
}

function kindOf(doc: SourceDocument): string {
  return text(record(doc.value)?.["kind"]) ?? "";
}

function readServiceMap(docs: readonly SourceDocument[]): Map<string, Endpoint[]> {
  const map = new Map<string, Endpoint[]>();
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
      map.set(shortName(host), endpoints);
    }
  }
  return map;
}

function readDestinationRules(docs: readonly SourceDocument[]): Map<string, DestinationRule> {
  const rules = new Map<string, DestinationRule>();
  for (const doc of docs.filter((d) => kindOf(d) === "DestinationRule")) {
    const value = record(doc.value) ?? {};
    const spec = record(value["spec"]);
    const host = text(spec?.["host"]);
    const name = text(record(value["metadata"])?.["name"]) ?? host ?? "?";
    if (spec === undefined || host === undefined) throw new ImportError(`${doc.source}: DestinationRule ${name} has no spec.host`);
    const key = shortName(host);
    const earlier = rules.get(key);
    if (earlier !== undefined)
      throw new ImportError(`${doc.source}: DestinationRule ${name} and ${earlier.name} (${earlier.source}) both configure host ${host}`);
    rules.set(key, { source: doc.source, name, spec });
  }
  return rules;
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
  if (od !== undefined) {
    const detection: Record<string, number | boolean> = {};
    const p = `${path}.outlierDetection`;
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
    out.outlierDetection = detection as PoolIn["outlierDetection"];
  }
  return out;
}

/**
 * Imports Istio documents. `docs` holds VirtualServices, DestinationRules and at least one
 * EdgewayServiceMap; any other kind is an error naming it.
 */
export function importIstio(docs: readonly SourceDocument[]): ImportResult {
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
  const rules = readDestinationRules(docs);

  const originIds = new IdAllocator();
  const origins: OriginIn[] = [];
  const originOf = new Map<Endpoint, string>();
  const pools = new Map<string, PoolIn>();
  const routeIds = new IdAllocator();
  const routes: RouteIn[] = [];
  const claimed = new Map<string, string>();

  /** The pool for (host, subset), made on first use. */
  function poolFor(host: string, subset: string | undefined, source: string, path: string): string {
    const service = shortName(host);
    const poolId = toId(subset === undefined ? service : `${service}-${subset}`);
    if (pools.has(poolId)) return poolId;
    const endpoints = services.get(service);
    if (endpoints === undefined) throw new ImportError(`${source}: ${path}.host ${host} is not in the ${SERVICE_MAP_KIND}`);
    const rule = rules.get(service);
    let policy: Partial<PoolIn> = rule === undefined ? { steering: "least_outstanding" } : {};
    let selected = endpoints;
    if (rule !== undefined) {
      dropUnhandled(log, rule.source, "spec", rule.spec, ["host", "trafficPolicy", "subsets"]);
      policy = { steering: "least_outstanding", ...poolPolicy(record(rule.spec["trafficPolicy"]), rule.source, "spec.trafficPolicy", log) };
    }
    if (subset !== undefined) {
      const subsets = list(rule?.spec["subsets"]);
      const index = subsets.findIndex((s) => text(record(s)?.["name"]) === subset);
      const def = record(subsets[index]);
      if (rule === undefined || def === undefined)
        throw new ImportError(`${source}: ${path}.subset ${subset} of ${host} is defined by no DestinationRule`);
      const labels = record(def["labels"]) ?? {};
      selected = endpoints.filter((e) => Object.entries(labels).every(([k, v]) => e.labels[k] === String(v)));
      if (selected.length === 0)
        throw new ImportError(`${rule.source}: subset ${subset} of ${host} selects no endpoint of the ${SERVICE_MAP_KIND}`);
      dropUnhandled(log, rule.source, `spec.subsets[${index}]`, def, ["name", "labels", "trafficPolicy"]);
      policy = { ...policy, ...poolPolicy(record(def["trafficPolicy"]), rule.source, `spec.subsets[${index}].trafficPolicy`, log) };
    }
    const members = selected.map((endpoint) => {
      let id = originOf.get(endpoint);
      if (id === undefined) {
        id = originIds.take(endpoint.id ?? `${service}-${origins.length + 1}`);
        originOf.set(endpoint, id);
        origins.push({
          id,
          url: endpoint.url,
          ...(endpoint.region === undefined ? {} : { region: endpoint.region }),
          ...(endpoint.weight === undefined ? {} : { weight: endpoint.weight }),
        });
      }
      return id;
    });
    pools.set(poolId, { id: poolId, origins: members, ...policy });
    return poolId;
  }

  for (const doc of docs.filter((d) => kindOf(d) === "VirtualService")) {
    const value = record(doc.value) ?? {};
    const name = text(record(value["metadata"])?.["name"]) ?? "virtualservice";
    const spec = record(value["spec"]);
    if (spec === undefined) throw new ImportError(`${doc.source}: VirtualService ${name} has no spec`);
    dropUnhandled(log, doc.source, "spec", spec, ["hosts", "gateways", "http"]);
    if (spec["gateways"] !== undefined) log.drop(doc.source, "spec.gateways", "Edgeway is itself the gateway: routes match hosts directly");
    const hosts = list(spec["hosts"]).map((h) => String(h));
    if (hosts.length === 0) throw new ImportError(`${doc.source}: VirtualService ${name} lists no spec.hosts`);
    list(spec["http"]).forEach((entry, i) => {
      const path = `spec.http[${i}]`;
      const http = record(entry);
      if (http === undefined) return;
      dropUnhandled(log, doc.source, path, http, ["name", "match", "route", "timeout", "retries", "weight"]);
      if (http["weight"] !== undefined) {
        log.drop(
          doc.source,
          `${path}.weight`,
          `Istio accepts weight only on a route destination (${path}.route[n].weight); it was ignored rather than guessed`,
        );
      }
      const matches = list(http["match"]);
      const prefixes: string[] = [];
      if (matches.length === 0) prefixes.push("/");
      matches.forEach((m, k) => {
        const mp = `${path}.match[${k}]`;
        const match = record(m) ?? {};
        const unmatchable = Object.keys(match).filter((key) => !["uri", "name"].includes(key));
        if (unmatchable.length > 0) {
          log.drop(doc.source, mp, `matches on ${unmatchable.join(", ")}, which Edgeway routes cannot: this match was left out`);
          return;
        }
        const uri = record(match["uri"]);
        if (uri === undefined) prefixes.push("/");
        else if (text(uri["prefix"]) !== undefined) prefixes.push(text(uri["prefix"]) ?? "/");
        else if (text(uri["exact"]) !== undefined) {
          prefixes.push(text(uri["exact"]) ?? "/");
          log.drop(doc.source, `${mp}.uri.exact`, "imported as a path prefix (Edgeway matches whole path segments, not exact paths)");
        } else log.drop(doc.source, `${mp}.uri`, "regex matches cannot be expressed as an Edgeway path prefix: this match was left out");
      });
      if (prefixes.length === 0) return;
      const destinations = list(http["route"]).map((r, j) => {
        const d = record(r) ?? {};
        const dest = record(d["destination"]) ?? {};
        dropUnhandled(log, doc.source, `${path}.route[${j}]`, d, ["destination", "weight"]);
        dropUnhandled(log, doc.source, `${path}.route[${j}].destination`, dest, ["host", "subset", "port"]);
        const host = text(dest["host"]);
        if (host === undefined) throw new ImportError(`${doc.source}: ${path}.route[${j}].destination has no host`);
        return { pool: poolFor(host, text(dest["subset"]), doc.source, `${path}.route[${j}].destination`), weight: num(d["weight"]) };
      });
      if (destinations.length === 0) {
        log.drop(doc.source, path, "no route destinations (a redirect or direct response): left out");
        return;
      }
      const weighted = destinations.some((d) => d.weight !== undefined);
      if (weighted) {
        const sum = destinations.reduce((s, d) => s + (d.weight ?? 0), 0);
        if (destinations.length > 1 && sum !== 100)
          throw new ImportError(`${doc.source}: ${path}.route weights add up to ${sum}, not 100 (Istio requires 100)`);
      }
      const weights: Record<string, number> = {};
      for (const d of destinations) weights[d.pool] = (weights[d.pool] ?? 0) + (d.weight ?? (weighted ? 0 : 1));
      const poolIds = [...new Set(destinations.map((d) => d.pool))];

      const common: Partial<RouteIn> = { pools: poolIds };
      if (poolIds.length > 1) Object.assign(common, { steering: "weighted", weights });
      if (http["timeout"] !== undefined) {
        const ms = durationMs(http["timeout"]);
        if (ms === undefined) log.drop(doc.source, `${path}.timeout`, `not a duration: ${JSON.stringify(http["timeout"])}`);
        else Object.assign(common, { timeoutMs: Math.min(300_000, Math.max(50, ms)) });
      }
      const retries = record(http["retries"]);
      if (retries !== undefined) Object.assign(common, { retries: mapRetries(retries, doc.source, `${path}.retries`, log) });

      for (const host of hosts) {
        for (const prefix of prefixes) {
          const key = `${host} ${prefix}`;
          const owner = claimed.get(key);
          if (owner !== undefined) {
            if (owner.startsWith(`${doc.source} `)) {
              log.drop(doc.source, path, `host ${host} path ${prefix} is already served by ${owner} (Istio's first match wins): left out`);
              continue;
            }
            throw new ImportError(`${doc.source}: ${path} claims host ${host} path ${prefix}, already routed by ${owner}`);
          }
          claimed.set(key, `${doc.source} ${path}`);
          const id = routeIds.take(text(http["name"]) === undefined ? `${name}-${routes.length + 1}` : `${name}-${text(http["name"])}`);
          routes.push({ id, match: { host: host === "*" ? "*" : host, pathPrefix: prefix }, ...common } as RouteIn);
        }
      }
    });
  }
  if (routes.length === 0) throw new ImportError("nothing to import: no VirtualService http route could be mapped");
  return { config: { origins, pools: [...pools.values()], routes }, dropped: log.items };
}

function mapRetries(retries: Record<string, unknown>, source: string, path: string, log: DropLog): RouteIn["retries"] {
  dropUnhandled(log, source, path, retries, ["attempts", "perTryTimeout", "retryOn"]);
  const out: Record<string, unknown> = {};
  const attempts = num(retries["attempts"]);
  if (attempts !== undefined) {
    if (attempts > 5) log.drop(source, `${path}.attempts`, `${attempts} capped at Edgeway's maximum of 5`);
    out["attempts"] = Math.min(5, Math.max(0, Math.round(attempts)));
  }
  if (retries["perTryTimeout"] !== undefined) {
    const ms = durationMs(retries["perTryTimeout"]);
    if (ms === undefined) log.drop(source, `${path}.perTryTimeout`, `not a duration: ${JSON.stringify(retries["perTryTimeout"])}`);
    else out["perTryTimeoutMs"] = Math.min(300_000, Math.max(50, ms));
  }
  const retryOn = text(retries["retryOn"]);
  if (retryOn !== undefined) {
    const on = new Set<string>();
    for (const part of retryOn.split(",").map((s) => s.trim())) {
      if (/^[45]\d\d$/.test(part)) on.add(part);
      else if (RETRY_ON[part] !== undefined) for (const c of RETRY_ON[part] ?? []) on.add(c);
      else log.drop(source, `${path}.retryOn`, `condition "${part}" has no Edgeway equivalent`);
    }
    if (on.size > 0) out["on"] = [...on];
  }
  return out as RouteIn["retries"];
}

/**
 * Consul's service registration JSON (`PUT /v1/agent/service/register`) mapped onto an
 * Edgeway registration. Pure: it names the pool, the origin and its heartbeat TTL, or
 * every field it cannot honour. The rule:
 * - the pool is the one whose `registration.serviceNames` lists `Name` (validation keeps
 *   each name in one pool); no such pool, no registration;
 * - the id is `ID`, or `Name` when absent (as Consul); the URL is
 *   `http://Address:Port` (`https` when Meta `edgeway-scheme` says so);
 * - the region is Meta `edgeway-region` or a tag `region=<name>`; the weight is
 *   `Weights.Passing` or Meta `edgeway-weight`;
 * - exactly one TTL check: its `TTL` is the heartbeat TTL (rounded up to whole seconds),
 *   its `DeregisterCriticalServiceAfter` the removal delay (Consul's minimum of 1m kept).
 * Anything else Consul accepts is refused by name (never dropped): Edgeway has no place
 * for it, and a silent drop would route differently than the service expects.
 */
import type { Pool } from "../config/schema.ts";

/** Fields of a service registration Edgeway maps. */
const SERVICE_FIELDS = new Set([
  "Name",
  "ID",
  "Address",
  "Port",
  "Tags",
  "Meta",
  "Weights",
  "Check",
  "Checks",
  "Kind",
  "EnableTagOverride",
]);
/** Fields of a check Edgeway maps (a TTL check). */
const CHECK_FIELDS = new Set(["CheckID", "Name", "Notes", "TTL", "DeregisterCriticalServiceAfter", "Status"]);

/** Why some check kinds do not fit: a registered origin's health is its heartbeat, not a probe per origin. */
const PROBE_CHECK = "Edgeway does not probe registered origins one by one: use a TTL check (the pool's monitor probes configured origins)";

export const REGION_META = "edgeway-region";
export const WEIGHT_META = "edgeway-weight";
export const SCHEME_META = "edgeway-scheme";

/** A field Edgeway cannot take, with its Consul path. */
export interface ConsulIssue {
  readonly path: string;
  readonly message: string;
}

/** What the registration API takes, before its own schema checks it. */
export interface MappedService {
  readonly service: string;
  readonly request: {
    id: unknown;
    url: string;
    pool: string;
    region?: string;
    weight?: unknown;
    ttlSeconds: number;
    deregisterAfterSeconds?: number;
  };
}

const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A Go duration ("10s", "1m30s", "500ms") in seconds; undefined when it is not one. */
export function parseDuration(text: unknown): number | undefined {
  if (typeof text !== "string" || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (UNITS[m[2] ?? "s"] ?? 1);
  return total;
}

/** The pool whose registration policy lists the service name. */
export function poolForService(pools: Iterable<Pool>, name: string): string | undefined {
  for (const p of pools) if (p.registration?.serviceNames.includes(name) === true) return p.id;
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The one TTL check of the registration, or the issues that rule it out. */
function ttlCheck(
  body: Record<string, unknown>,
  id: string,
  issues: ConsulIssue[],
): { path: string; check: Record<string, unknown> } | undefined {
  const checks: (readonly [string, unknown])[] = Array.isArray(body.Checks) ? body.Checks.map((c, i) => [`Checks[${i}]`, c] as const) : [];
  if (body.Check !== undefined) checks.unshift(["Check", body.Check]);
  if (checks.length === 0) {
    issues.push({ path: "Check", message: "Edgeway needs a TTL check (Check.TTL) as the heartbeat of a registered origin" });
    return undefined;
  }
  if (checks.length > 1) issues.push({ path: checks[1]?.[0] ?? "Checks", message: "Edgeway takes one TTL check per service" });
  const [path, check] = checks[0] ?? ["Check", undefined];
  if (!isRecord(check)) {
    issues.push({ path, message: "must be an object" });
    return undefined;
  }
  for (const key of Object.keys(check)) {
    if (key === "HTTP" || key === "Interval") issues.push({ path: `${path}.${key}`, message: PROBE_CHECK });
    else if (!CHECK_FIELDS.has(key)) issues.push({ path: `${path}.${key}`, message: "not supported by Edgeway (only TTL checks)" });
  }
  if (check.TTL === undefined && !Object.keys(check).some((k) => k === "HTTP" || k === "Interval"))
    issues.push({ path: `${path}.TTL`, message: "required: Edgeway needs a TTL check as the heartbeat" });
  if (check.CheckID !== undefined && check.CheckID !== `service:${id}`)
    issues.push({ path: `${path}.CheckID`, message: `Edgeway names the check "service:${id}"; leave CheckID out or use that` });
  if (check.Status !== undefined && check.Status !== "passing")
    issues.push({ path: `${path}.Status`, message: 'only "passing" (a registered origin starts healthy)' });
  return { path, check };
}

/** The region a registration asks for: Meta edgeway-region or a tag region=…; both must agree. */
function regionOf(body: Record<string, unknown>, meta: Record<string, unknown>, issues: ConsulIssue[]): string | undefined {
  const tags = Array.isArray(body.Tags) ? body.Tags.filter((t): t is string => typeof t === "string") : [];
  const tagged = tags.find((t) => t.startsWith("region="))?.slice("region=".length);
  const fromMeta = typeof meta[REGION_META] === "string" ? meta[REGION_META] : undefined;
  if (tagged !== undefined && fromMeta !== undefined && tagged !== fromMeta)
    issues.push({ path: `Meta.${REGION_META}`, message: `says "${fromMeta}" but tag region= says "${tagged}"` });
  return fromMeta ?? tagged;
}

/** The weight: Weights.Passing, else Meta edgeway-weight; Weights.Warning must match (a warning keeps serving). */
function weightOf(body: Record<string, unknown>, meta: Record<string, unknown>, issues: ConsulIssue[]): unknown {
  const weights = isRecord(body.Weights) ? body.Weights : {};
  for (const key of Object.keys(weights))
    if (key !== "Passing" && key !== "Warning") issues.push({ path: `Weights.${key}`, message: "not a Consul weight" });
  if (weights.Warning !== undefined && weights.Warning !== weights.Passing)
    issues.push({
      path: "Weights.Warning",
      message: "Edgeway keeps a warning origin at its passing weight: leave Warning out or equal to Passing",
    });
  if (weights.Passing !== undefined) return weights.Passing;
  const text = meta[WEIGHT_META];
  return typeof text === "string" && text.trim() !== "" ? Number(text) : undefined;
}

/** The host:port part of the origin URL, IPv6 in brackets. */
function hostPort(address: string, port: number): string {
  return `${address.includes(":") ? `[${address}]` : address}:${port}`;
}

/** Maps a Consul registration body to an Edgeway registration request, or names every field in the way. */
export function mapConsulService(pools: Iterable<Pool>, body: unknown): MappedService | { issues: ConsulIssue[]; status: 400 | 404 } {
  if (!isRecord(body)) return { status: 400, issues: [{ path: "(body)", message: "must be a JSON object" }] };
  const issues: ConsulIssue[] = [];
  for (const key of Object.keys(body)) if (!SERVICE_FIELDS.has(key)) issues.push({ path: key, message: "not supported by Edgeway" });
  if (body.Kind !== undefined && body.Kind !== "")
    issues.push({ path: "Kind", message: "only typical services (no Kind): Edgeway has no proxies or gateways" });
  if (body.EnableTagOverride !== undefined && body.EnableTagOverride !== false)
    issues.push({ path: "EnableTagOverride", message: "not supported by Edgeway (there are no anti-entropy tag edits)" });
  const name = body.Name;
  if (typeof name !== "string" || name === "") issues.push({ path: "Name", message: "required: the service name" });
  const id = body.ID ?? name;
  const meta = isRecord(body.Meta) ? body.Meta : {};
  const found = ttlCheck(body, String(id), issues);
  const check = found?.check;
  const address = body.Address;
  if (typeof address !== "string" || address === "")
    issues.push({ path: "Address", message: "required: Edgeway proxies to Address:Port (it has no agent address to fall back on)" });
  const port = body.Port;
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65_535)
    issues.push({ path: "Port", message: "required: a port from 1 to 65535" });
  const scheme = meta[SCHEME_META] ?? "http";
  if (scheme !== "http" && scheme !== "https") issues.push({ path: `Meta.${SCHEME_META}`, message: 'must be "http" or "https"' });
  const region = regionOf(body, meta, issues);
  const weight = weightOf(body, meta, issues);
  const ttl = check === undefined ? undefined : parseDuration(check.TTL);
  if (check?.TTL !== undefined && ttl === undefined)
    issues.push({ path: `${found?.path}.TTL`, message: 'must be a duration such as "10s"' });
  const dereg = check?.DeregisterCriticalServiceAfter;
  const deregSeconds = dereg === undefined ? undefined : parseDuration(dereg);
  if (dereg !== undefined && deregSeconds === undefined)
    issues.push({ path: `${found?.path}.DeregisterCriticalServiceAfter`, message: 'must be a duration such as "10m"' });
  if (issues.length > 0 || typeof name !== "string") return { status: 400, issues };
  const pool = poolForService(pools, name);
  if (pool === undefined)
    return {
      status: 404,
      issues: [{ path: "Name", message: `no pool takes service "${name}": list it in a pool's registration.serviceNames` }],
    };
  return {
    service: name,
    request: {
      id,
      url: `${String(scheme)}://${hostPort(String(address), Number(port))}`,
      pool,
      ...(region === undefined ? {} : { region }),
      ...(weight === undefined ? {} : { weight }),
      ttlSeconds: Math.max(1, Math.ceil(ttl ?? 0)),
      ...(deregSeconds === undefined ? {} : { deregisterAfterSeconds: Math.ceil(deregSeconds) }),
    },
  };
}

/** The Edgeway field a registration issue names, in Consul's terms. */
export const CONSUL_FIELD: Record<string, string> = {
  id: "ID",
  url: "Address",
  region: `Meta.${REGION_META}`,
  weight: "Weights.Passing",
  ttlSeconds: "Check.TTL",
  deregisterAfterSeconds: "Check.DeregisterCriticalServiceAfter",
  pool: "Name",
};

/** The service id a check id names: "service:<id>" (Consul's name for a service's own check) or "service:<id>:<n>". */
export function serviceIdOfCheck(checkId: string): string | undefined {
  const m = /^service:(.+?)(:\d+)?$/.exec(checkId);
  return m?.[1];
}

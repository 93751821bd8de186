/**
 * Full validation of a config document: the schema first, then every cross-reference
 * (DESIGN.md principle 5). Nothing is written unless this returns `ok: true`, and every
 * issue names the field it is about, e.g. `pools[1].origins[0]: unknown origin "gcp-x"`.
 */
import type { z } from "zod";
import { ConfigSchema } from "./schema.ts";
import type { Config, Monitor } from "./schema.ts";
import { lookupRegion, suggestRegions } from "./regions.ts";
import { parseGeoKey } from "../routing/geo-key.ts";
import { routeRuleIssues } from "./validate-rules.ts";

/** One problem with a config document: where it is and what is wrong. */
export interface ConfigIssue {
  readonly path: string;
  readonly message: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Formats a zod path as `pools[1].origins[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(document)" : out;
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/**
 * The top-level field a document may carry to name its JSON Schema (`"$schema":
 * "../edgeway.schema.json"`), so editors complete and check it: accepted when it is a string,
 * and ignored. It is not part of ConfigSchema, so the parsed config never holds it; the
 * document as stored keeps it as written.
 */
export const SCHEMA_FIELD = "$schema";

/** The document without its `$schema` field, and the issue when that field is not a string. */
function withoutSchemaField(input: unknown): { readonly document: unknown; readonly issues: ConfigIssue[] } {
  if (typeof input !== "object" || input === null || Array.isArray(input) || !Object.hasOwn(input, SCHEMA_FIELD))
    return { document: input, issues: [] };
  const { [SCHEMA_FIELD]: schema, ...document } = input as Record<string, unknown>;
  if (typeof schema === "string") return { document, issues: [] };
  return { document, issues: [{ path: SCHEMA_FIELD, message: "must be a string: the path or URL of the document's JSON Schema" }] };
}

/** Validates a parsed JSON value as a config document. */
export function validateConfig(input: unknown): ValidationResult {
  const { document, issues: schemaField } = withoutSchemaField(input);
  const parsed = ConfigSchema.safeParse(document);
  if (!parsed.success) return { ok: false, issues: [...schemaField, ...zodIssues(parsed.error)] };
  const issues = [...schemaField, ...crossReferenceIssues(parsed.data)];
  return issues.length === 0 ? { ok: true, config: parsed.data } : { ok: false, issues };
}

function duplicateIds(items: readonly { id: string }[], field: string, issues: ConfigIssue[]): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) issues.push({ path: `${field}[${i}].id`, message: `duplicate ${field.slice(0, -1)} id "${item.id}"` });
    seen.add(item.id);
  });
  return seen;
}

function checkRefs(refs: readonly string[], known: Set<string>, kind: string, path: string, issues: ConfigIssue[]): void {
  const seen = new Set<string>();
  refs.forEach((ref, i) => {
    if (!known.has(ref)) issues.push({ path: `${path}[${i}]`, message: `unknown ${kind} "${ref}"` });
    else if (seen.has(ref)) issues.push({ path: `${path}[${i}]`, message: `${kind} "${ref}" is listed twice` });
    seen.add(ref);
  });
}

/** `path.name`, or `name` at the top of a document. */
function field(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

function checkCoordinates(item: { lat?: number | undefined; lon?: number | undefined }, path: string, issues: ConfigIssue[]): void {
  if ((item.lat === undefined) !== (item.lon === undefined)) {
    issues.push({ path: field(path, item.lat === undefined ? "lat" : "lon"), message: "lat and lon go together: give both or neither" });
  }
}

/**
 * An origin's location: lat and lon together, and a region from the catalogue unless
 * lat/lon place it (used for the document's origins and for self-registered ones).
 */
export function originLocationIssues(
  origin: { region?: string | undefined; lat?: number | undefined; lon?: number | undefined },
  path: string,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  checkCoordinates(origin, path, issues);
  if (origin.region !== undefined && lookupRegion(origin.region) === undefined && origin.lat === undefined) {
    const hints = suggestRegions(origin.region);
    const hint = hints.length > 0 ? `; did you mean ${hints.map((h) => `"${h}"`).join(" or ")}?` : "";
    issues.push({
      path: field(path, "region"),
      message: `unknown region "${origin.region}" (give lat and lon for a region outside the catalogue)${hint}`,
    });
  }
  return issues;
}

/** A monitor's regions: each named once, and a quorum no larger than the regions it counts. */
function monitorRegionIssues(monitor: Monitor, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const regions = monitor.regions ?? [];
  const seen = new Set<string>();
  regions.forEach((region, i) => {
    if (seen.has(region)) issues.push({ path: `${path}.regions[${i}]`, message: `region "${region}" is listed twice` });
    seen.add(region);
  });
  if (monitor.regionQuorum !== undefined && monitor.regions === undefined)
    issues.push({ path: `${path}.regionQuorum`, message: "needs regions: a quorum counts the regions a monitor probes from" });
  else if (monitor.regionQuorum !== undefined && monitor.regionQuorum > seen.size)
    issues.push({ path: `${path}.regionQuorum`, message: `is ${monitor.regionQuorum} but the monitor probes from ${seen.size} region(s)` });
  return issues;
}

function crossReferenceIssues(config: Config): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const originIds = duplicateIds(config.origins, "origins", issues);
  const monitorIds = duplicateIds(config.monitors, "monitors", issues);
  const poolIds = duplicateIds(config.pools, "pools", issues);
  duplicateIds(config.routes, "routes", issues);

  config.origins.forEach((origin, i) => {
    issues.push(...originLocationIssues(origin, `origins[${i}]`));
  });

  config.monitors.forEach((monitor, i) => {
    issues.push(...monitorRegionIssues(monitor, `monitors[${i}]`));
  });

  const serviceNames = new Map<string, string>();
  config.pools.forEach((pool, i) => {
    const path = `pools[${i}]`;
    checkRefs(pool.origins, originIds, "origin", `${path}.origins`, issues);
    checkCoordinates(pool, path, issues);
    if (pool.monitor !== undefined && !monitorIds.has(pool.monitor)) {
      issues.push({ path: `${path}.monitor`, message: `unknown monitor "${pool.monitor}"` });
    }
    pool.registration?.serviceNames.forEach((name, j) => {
      const other = serviceNames.get(name);
      if (other !== undefined)
        issues.push({
          path: `${path}.registration.serviceNames[${j}]`,
          message: `service name "${name}" already maps to pool "${other}": a service name joins one pool`,
        });
      else serviceNames.set(name, pool.id);
    });
    const discovers = (pool.discovery?.length ?? 0) > 0;
    if (pool.origins.length === 0 && !discovers)
      issues.push({
        path: `${path}.origins`,
        message: "a pool needs at least one origin, unless it takes its origins from DNS (discovery)",
      });
    else if (pool.minHealthy > pool.origins.length && !discovers) {
      issues.push({ path: `${path}.minHealthy`, message: `is ${pool.minHealthy} but the pool has only ${pool.origins.length} origin(s)` });
    }
    // Live weights replace the configured ones only where weights decide: the other policies would ignore them.
    if (pool.loadAware?.enabled === true && pool.steering !== "weighted") {
      issues.push({
        path: `${path}.loadAware`,
        message: `works with "weighted" steering only; this pool's steering is "${pool.steering}"`,
      });
    }
  });

  config.routes.forEach((route, i) => {
    const path = `routes[${i}]`;
    checkRefs(route.pools, poolIds, "pool", `${path}.pools`, issues);
    if (route.fallbackPool !== undefined && !poolIds.has(route.fallbackPool)) {
      issues.push({ path: `${path}.fallbackPool`, message: `unknown pool "${route.fallbackPool}"` });
    }
    const geoSeen = new Map<string, string>();
    for (const [key, pools] of Object.entries(route.geo ?? {})) {
      const parsed = parseGeoKey(key);
      if (parsed === undefined) {
        issues.push({
          path: `${path}.geo.${key}`,
          message: `"${key}" is not a continent (e.g. "EU"), country ("DE", or "country:NA") or colo ("FRA") code`,
        });
      } else {
        const canonical = `${parsed.kind}:${parsed.code}`;
        const earlier = geoSeen.get(canonical);
        if (earlier !== undefined) issues.push({ path: `${path}.geo.${key}`, message: `means the same ${parsed.kind} as "${earlier}"` });
        geoSeen.set(canonical, key);
      }
      checkRefs(pools, poolIds, "pool", `${path}.geo.${key}`, issues);
    }
    for (const [poolId, weight] of Object.entries(route.weights ?? {})) {
      if (!route.pools.includes(poolId))
        issues.push({ path: `${path}.weights.${poolId}`, message: `pool "${poolId}" is not one of this route's pools` });
      else if (!Number.isFinite(weight)) issues.push({ path: `${path}.weights.${poolId}`, message: "must be a finite number" });
    }
    if (route.steering === "weighted" && route.weights !== undefined && route.pools.every((p) => (route.weights?.[p] ?? 0) === 0)) {
      issues.push({ path: `${path}.weights`, message: "every pool has weight 0: no pool would get traffic" });
    }
  });
  issues.push(...routeRuleIssues(config.routes, poolIds));
  return issues;
}

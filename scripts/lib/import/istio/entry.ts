/**
 * One Istio http entry, read into what its Edgeway routes need: its matches, where it
 * sends requests (weighted destinations, per-destination header edits) or how it answers
 * itself (redirect, direct response), its filters, timeout and retries. istio.ts places
 * the matches (first match wins) and writes the routes.
 */
import type { ConfigInput } from "../../../../src/config/schema.ts";
import { type DropLog, dropUnhandled, ImportError, list, num, record, text } from "../model.ts";
import type { Cond } from "./conditions.ts";
import { EVERYTHING } from "./conditions.ts";
import type { DestinationPools } from "./destinations.ts";
import type { FilterIn } from "./filter-check.ts";
import { istioDirectResponse, istioHeaderFilters, istioMirrors, istioRedirect, istioRewrite } from "./filters.ts";
import { istioMatch } from "./match.ts";
import { mapRetries, mapTimeout } from "./retries.ts";

type RouteIn = ConfigInput["routes"][number];
type PoolFilterIn = NonNullable<RouteIn["poolFilters"]>[string][number];

export interface EntryPlan {
  /** `spec.http[i]`. */
  readonly path: string;
  readonly name: string | undefined;
  /** The entry's own matches, and where each was written. */
  readonly conds: readonly Cond[];
  readonly condPaths: readonly string[];
  /** pools, steering, weights, poolFilters, timeoutMs, retries. */
  readonly route: Partial<RouteIn>;
  /** Header modifiers (before any rewrite). */
  readonly before: readonly FilterIn[];
  /** Mirrors, then the redirect or fixed response. */
  readonly after: readonly FilterIn[];
  readonly rewrite: { readonly hostname?: string | undefined; readonly uri?: string | undefined } | undefined;
}

const HANDLED = [
  "name",
  "match",
  "route",
  "redirect",
  "directResponse",
  "delegate",
  "rewrite",
  "timeout",
  "retries",
  "mirror",
  "mirrors",
  "mirrorPercentage",
  "mirrorPercent",
  "mirror_percent",
  "headers",
  "weight",
];

function readMatches(http: Record<string, unknown>, source: string, path: string, log: DropLog): { conds: Cond[]; paths: string[] } {
  const matches = list(http["match"]);
  if (matches.length === 0) return { conds: [EVERYTHING], paths: [path] };
  const conds: Cond[] = [];
  const paths: string[] = [];
  matches.forEach((m, k) => {
    for (const cond of istioMatch(m, source, `${path}.match[${k}]`, log) ?? []) {
      conds.push(cond);
      paths.push(`${path}.match[${k}]`);
    }
  });
  return { conds, paths };
}

/** The destinations as pools, weights and per-pool header edits. */
function destinations(
  http: Record<string, unknown>,
  source: string,
  path: string,
  log: DropLog,
  resolve: DestinationPools,
): Partial<RouteIn> | undefined {
  const poolFilters: Record<string, PoolFilterIn[]> = {};
  const picked = list(http["route"]).map((r, j) => {
    const d = record(r) ?? {};
    dropUnhandled(log, source, `${path}.route[${j}]`, d, ["destination", "weight", "headers"]);
    const pool = resolve(record(d["destination"]) ?? {}, source, `${path}.route[${j}].destination`);
    const edits = istioHeaderFilters(d["headers"], source, `${path}.route[${j}].headers`, log) as PoolFilterIn[];
    if (edits.length > 0) {
      if (poolFilters[pool] === undefined) poolFilters[pool] = edits;
      else log.drop(source, `${path}.route[${j}].headers`, `pool ${pool} already has header edits from an earlier destination`);
    }
    return { pool, weight: num(d["weight"]) };
  });
  if (picked.length === 0) return undefined;
  const weighted = picked.some((d) => d.weight !== undefined);
  if (weighted) {
    const sum = picked.reduce((s, d) => s + (d.weight ?? 0), 0);
    if (picked.length > 1 && sum !== 100)
      throw new ImportError(`${source}: ${path}.route weights add up to ${sum}, not 100 (Istio requires 100)`);
  }
  const weights: Record<string, number> = {};
  for (const d of picked) weights[d.pool] = (weights[d.pool] ?? 0) + (d.weight ?? (weighted ? 0 : 1));
  const pools = [...new Set(picked.map((d) => d.pool))];
  return {
    pools,
    ...(pools.length > 1 ? { steering: "weighted" as const, weights } : {}),
    ...(Object.keys(poolFilters).length > 0 ? { poolFilters } : {}),
  };
}

/** Reads one http entry; undefined (reported) when nothing of it can be routed. */
export function planEntry(
  http: Record<string, unknown>,
  source: string,
  path: string,
  log: DropLog,
  resolve: DestinationPools,
): EntryPlan | undefined {
  dropUnhandled(log, source, path, http, HANDLED);
  if (http["weight"] !== undefined)
    log.drop(
      source,
      `${path}.weight`,
      `Istio accepts weight only on a route destination (${path}.route[n].weight); it was ignored rather than guessed`,
    );
  if (http["delegate"] !== undefined) {
    log.drop(source, `${path}.delegate`, "delegation is not followed (import the delegate VirtualService's routes directly): left out");
    return undefined;
  }
  const { conds, paths } = readMatches(http, source, path, log);
  if (conds.length === 0) {
    log.drop(source, path, "every match of the entry was left out: the entry was left out");
    return undefined;
  }

  const redirect = record(http["redirect"]);
  const direct = record(http["directResponse"]);
  let answer: FilterIn | undefined;
  if (redirect !== undefined) answer = istioRedirect(redirect, source, `${path}.redirect`, log);
  if (direct !== undefined) {
    if (redirect !== undefined)
      log.drop(source, `${path}.directResponse`, "an entry answers with a redirect or a direct response, not both");
    else answer = istioDirectResponse(direct, source, `${path}.directResponse`, log);
  }
  const answers = redirect !== undefined || direct !== undefined;
  if (answers) {
    for (const field of ["route", "rewrite", "mirror", "mirrors"])
      if (http[field] !== undefined) log.drop(source, `${path}.${field}`, "an entry that answers itself does not forward: ignored");
    if (answer === undefined) {
      log.drop(source, path, "its answer could not be carried: left out");
      return undefined;
    }
  }
  const route: Partial<RouteIn> = answers ? { pools: [] } : (destinations(http, source, path, log, resolve) ?? {});
  if (!answers && route.pools === undefined) {
    log.drop(source, path, "no route destinations, redirect or direct response: left out");
    return undefined;
  }
  if (http["timeout"] !== undefined) {
    const ms = mapTimeout(http["timeout"], source, `${path}.timeout`, log);
    if (ms !== undefined) Object.assign(route, { timeoutMs: ms });
  }
  const retries = record(http["retries"]);
  if (retries !== undefined) Object.assign(route, { retries: mapRetries(retries, source, `${path}.retries`, log) });

  const before = istioHeaderFilters(http["headers"], source, `${path}.headers`, log);
  const after = answers ? [] : istioMirrors(http, source, path, log, (d, at) => resolve(d, source, at));
  if (answer !== undefined) after.push(answer);
  const rw = record(http["rewrite"]);
  const rewrite = rw === undefined || answers ? undefined : istioRewrite(rw, source, `${path}.rewrite`, log);
  return { path, name: text(http["name"]), conds, condPaths: paths, route, before, after, rewrite };
}

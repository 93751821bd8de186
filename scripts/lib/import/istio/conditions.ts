/**
 * A route match without its host, as the importers build it (a Gateway API
 * HTTPRouteMatch, or what an Istio HTTPMatchRequest says): a path, a method, header and
 * query parameter tests. Two of them can be intersected (the requests both hold for, as
 * one match when that can be written) and compared by a canonical key.
 */
import type { z } from "zod";
import type { HTTP_METHODS, RouteMatchSchema } from "../../../../src/config/match-schema.ts";
import { compileRegex } from "../../../../src/routing/regex.ts";
import { normalisePrefix, pathMatches } from "../../../../src/routing/route-match.ts";

export type RouteMatchIn = z.input<typeof RouteMatchSchema>;
export type Method = (typeof HTTP_METHODS)[number];

export interface ValueCond {
  readonly name: string;
  readonly type: "Exact" | "RegularExpression";
  readonly value: string;
}

export interface PathCond {
  readonly type: "Exact" | "PathPrefix" | "RegularExpression";
  readonly value: string;
}

export interface Cond {
  readonly path: PathCond;
  readonly method?: Method | undefined;
  readonly headers: readonly ValueCond[];
  readonly queryParams: readonly ValueCond[];
}

/** Every request: the path prefix "/". */
export const EVERYTHING: Cond = { path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] };

/** The route match for `host`: a PathPrefix as the `pathPrefix` shorthand, empty lists left out. */
export function toRouteMatch(host: string, c: Cond): RouteMatchIn {
  return {
    host,
    ...(c.path.type === "PathPrefix" ? { pathPrefix: c.path.value } : { path: { type: c.path.type, value: c.path.value } }),
    ...(c.method === undefined ? {} : { method: c.method }),
    ...(c.headers.length === 0 ? {} : { headers: c.headers.map((h) => ({ ...h })) }),
    ...(c.queryParams.length === 0 ? {} : { queryParams: c.queryParams.map((q) => ({ ...q })) }),
  };
}

function valueKey(list: readonly ValueCond[], fold: boolean): string[] {
  return list.map((v) => `${fold ? v.name.toLowerCase() : v.name}\u0000${v.type}\u0000${v.value}`).sort();
}

/** Equal for two matches that hold for exactly the same requests as written (header names case-folded, a trailing "/" of a prefix ignored). */
export function condKey(c: Cond): string {
  const path = c.path.type === "PathPrefix" ? normalisePrefix(c.path.value) : c.path.value;
  return JSON.stringify([c.path.type, path, c.method ?? "", valueKey(c.headers, true), valueKey(c.queryParams, false)]);
}

/** What intersecting two matches gave: one match, none (no request holds for both), or not writable as one match. */
export type Intersection = Cond | "disjoint" | "unknown";

function intersectPath(a: PathCond, b: PathCond): PathCond | "disjoint" | "unknown" {
  if (a.type === "Exact" || b.type === "Exact") {
    const [exact, other] = a.type === "Exact" ? [a, b] : [b, a];
    if (other.type === "Exact") return other.value === exact.value ? exact : "disjoint";
    if (other.type === "PathPrefix") return pathMatches(other.value, exact.value) ? exact : "disjoint";
    return compileRegex(other.value).test(exact.value) ? exact : "disjoint";
  }
  if (a.type === "PathPrefix" && b.type === "PathPrefix") {
    const pa = normalisePrefix(a.value);
    const pb = normalisePrefix(b.value);
    if (pathMatches(pa, pb)) return pb.length >= pa.length ? b : a;
    if (pathMatches(pb, pa)) return a;
    return "disjoint";
  }
  if (a.type === "RegularExpression" && b.type === "RegularExpression") return a.value === b.value ? a : "unknown";
  const [regex, prefix] = a.type === "RegularExpression" ? [a, b] : [b, a];
  return normalisePrefix(prefix.value) === "/" ? regex : "unknown";
}

function intersectValues(a: readonly ValueCond[], b: readonly ValueCond[], fold: boolean): ValueCond[] | "disjoint" | "unknown" {
  const key = (v: ValueCond) => (fold ? v.name.toLowerCase() : v.name);
  const out = [...a];
  for (const vb of b) {
    const i = out.findIndex((va) => key(va) === key(vb));
    const va = out[i];
    if (va === undefined) {
      out.push(vb);
      continue;
    }
    if (va.type === "Exact" && vb.type === "Exact") {
      if (va.value !== vb.value) return "disjoint";
    } else if (va.type === "Exact" || vb.type === "Exact") {
      const [exact, regex] = va.type === "Exact" ? [va, vb] : [vb, va];
      if (!compileRegex(regex.value).test(exact.value)) return "disjoint";
      out[i] = exact;
    } else if (va.value !== vb.value) return "unknown";
  }
  return out.length > 16 ? "unknown" : out;
}

/** The requests both `a` and `b` hold for, as one match. */
export function intersect(a: Cond, b: Cond): Intersection {
  if (a.method !== undefined && b.method !== undefined && a.method !== b.method) return "disjoint";
  const path = intersectPath(a.path, b.path);
  if (path === "disjoint") return "disjoint";
  const headers = intersectValues(a.headers, b.headers, true);
  if (headers === "disjoint") return "disjoint";
  const queryParams = intersectValues(a.queryParams, b.queryParams, false);
  if (queryParams === "disjoint") return "disjoint";
  if (path === "unknown" || headers === "unknown" || queryParams === "unknown") return "unknown";
  return { path, method: a.method ?? b.method, headers, queryParams };
}

/** Whether every request `inner` holds for, `outer` holds for too (as far as can be told from how they are written). */
export function covers(outer: Cond, inner: Cond): boolean {
  const both = intersect(outer, inner);
  return typeof both !== "string" && condKey(both) === condKey(inner);
}

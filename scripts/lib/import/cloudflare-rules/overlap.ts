/**
 * Whether two route matches can both hold for one request. Precedence only matters
 * between matches that can: Cloudflare's rule order and Edgeway's most-specific-first
 * order pick differently only for a request both take. The answer errs towards "they
 * can": a pattern against a prefix or another pattern is assumed to overlap, so a report
 * may name a request that no real path makes, never miss one that some path does.
 */
import type { HeaderMatch, QueryParamMatch, RouteMatch } from "../../../../src/config/match-schema.ts";
import { pathOf } from "../../../../src/config/match-schema.ts";
import { hostCovers } from "../../../../src/routing/match.ts";
import { compileRegex } from "../../../../src/routing/regex.ts";
import { normalisePrefix, pathMatches } from "../../../../src/routing/route-match.ts";

function hostsMeet(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y || x === "*" || y === "*") return true;
  if (!x.startsWith("*.")) return hostCovers(y, x);
  if (!y.startsWith("*.")) return hostCovers(x, y);
  return x.endsWith(y.slice(1)) || y.endsWith(x.slice(1));
}

function pathsMeet(a: RouteMatch, b: RouteMatch): boolean {
  const p = pathOf(a);
  const q = pathOf(b);
  if (p.type === "Exact" && q.type === "Exact") return p.value === q.value;
  if (p.type === "Exact" || q.type === "Exact") {
    const [exact, other] = p.type === "Exact" ? [p, q] : [q, p];
    return other.type === "PathPrefix" ? pathMatches(other.value, exact.value) : compileRegex(other.value).test(exact.value);
  }
  if (p.type === "PathPrefix" && q.type === "PathPrefix") {
    const x = normalisePrefix(p.value);
    const y = normalisePrefix(q.value);
    return pathMatches(x, y) || pathMatches(y, x);
  }
  return true;
}

type ValueMatch = HeaderMatch | QueryParamMatch;

function valuesMeet(a: readonly ValueMatch[] | undefined, b: readonly ValueMatch[] | undefined, fold: boolean): boolean {
  const name = (m: ValueMatch): string => (fold ? m.name.toLowerCase() : m.name);
  for (const x of a ?? []) {
    const y = (b ?? []).find((m) => name(m) === name(x));
    if (y === undefined) continue;
    if (x.type === "Exact" && y.type === "Exact" && x.value !== y.value) return false;
    if (x.type === "Exact" && y.type === "RegularExpression" && !compileRegex(y.value).test(x.value)) return false;
    if (y.type === "Exact" && x.type === "RegularExpression" && !compileRegex(x.value).test(y.value)) return false;
  }
  return true;
}

/** False only when no request can satisfy both matches. */
export function mayOverlap(a: RouteMatch, b: RouteMatch): boolean {
  if (!hostsMeet(a.host, b.host)) return false;
  if (a.method !== undefined && b.method !== undefined && a.method !== b.method) return false;
  return pathsMeet(a, b) && valuesMeet(a.headers, b.headers, true) && valuesMeet(a.queryParams, b.queryParams, false);
}

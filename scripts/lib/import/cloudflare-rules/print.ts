/**
 * Edgeway route matches written as a condition in Cloudflare's Rules language: what
 * `export --to cloudflare` puts in a load balancing rule, and how import reports quote a
 * match to a Cloudflare user. Read back by translate.ts, each form gives the same match:
 *
 *   Exact path          http.request.uri.path eq "/x"
 *   PathPrefix "/x"     (http.request.uri.path eq "/x" or starts_with(http.request.uri.path, "/x/"))
 *   RegularExpression   http.request.uri.path matches r"^…$" (Cloudflare searches; anchored)
 *   method              http.request.method eq "GET"
 *   header              any(http.request.headers["name"][*] eq "value"), or matches
 *   CF-IPCountry        ip.src.country eq "DE"
 *   query parameter     any(http.request.uri.args["name"][*] eq "value"), or matches (an
 *                       exact name and value form-encoded, as Cloudflare compares them undecoded)
 *
 * The host is the load balancer's name, so it is not written.
 */
import type { RouteMatch } from "../../../../src/config/match-schema.ts";
import { pathOf } from "../../../../src/config/match-schema.ts";
import { normalisePrefix } from "../../../../src/routing/route-match.ts";
import { COUNTRY_HEADER } from "./atoms.ts";
import { wholeToPartial } from "./regex-text.ts";

/** A quoted string: `"` and `\` escaped, control characters as \xHH. */
export function quoted(text: string): string {
  const body = text
    .replace(/[\\"]/g, "\\$&")
    .replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return `"${body}"`;
}

/** A raw string r"…" with as many # as it takes to hold the text. */
export function raw(text: string): string {
  let hashes = "";
  while (text.includes(`"${hashes}`)) hashes += "#";
  return `r${hashes}"${text}"${hashes}`;
}

/** A query parameter's name or value as a browser sends it in a query string ("red apples" as "red+apples"): Cloudflare compares it undecoded. */
function formEncode(text: string): string {
  return new URLSearchParams([["x", text]]).toString().slice(2);
}

function valueTest(lhs: string, type: "Exact" | "RegularExpression", value: string): string {
  return type === "Exact" ? `${lhs} eq ${quoted(value)}` : `${lhs} matches ${raw(wholeToPartial(value))}`;
}

/** Each test of a match, in the order Edgeway ranks them; [] for a match that takes every request on its host. A part holding `or` is in parentheses. */
export function matchParts(match: RouteMatch): string[] {
  const parts: string[] = [];
  const path = pathOf(match);
  const field = "http.request.uri.path";
  if (path.type === "Exact") parts.push(`${field} eq ${quoted(path.value)}`);
  else if (path.type === "RegularExpression") parts.push(`${field} matches ${raw(wholeToPartial(path.value))}`);
  else {
    const prefix = normalisePrefix(path.value);
    if (prefix !== "/") parts.push(`(${field} eq ${quoted(prefix)} or starts_with(${field}, ${quoted(`${prefix}/`)}))`);
  }
  if (match.method !== undefined) parts.push(`http.request.method eq ${quoted(match.method)}`);
  for (const h of match.headers ?? []) {
    const name = h.name.toLowerCase();
    if (name === COUNTRY_HEADER) parts.push(valueTest("ip.src.country", h.type, h.value));
    else parts.push(`any(${valueTest(`http.request.headers[${quoted(name)}][*]`, h.type, h.value)})`);
  }
  for (const q of match.queryParams ?? []) {
    const value = q.type === "Exact" ? formEncode(q.value) : q.value;
    parts.push(`any(${valueTest(`http.request.uri.args[${quoted(formEncode(q.name))}][*]`, q.type, value)})`);
  }
  return parts;
}

/** Parts joined by `and`; a lone part needs no parentheses. */
function conjunction(parts: readonly string[]): string {
  const [only] = parts;
  if (parts.length === 1 && only !== undefined && only.startsWith("(") && only.endsWith(")")) return only.slice(1, -1);
  return parts.join(" and ");
}

/** One match as a condition; "" takes every request. */
export function printMatch(match: RouteMatch): string {
  return conjunction(matchParts(match));
}

/** Matches any one of which is enough, as one condition; "" (always true) when one of them takes every request. */
export function printMatches(matches: readonly RouteMatch[]): string {
  const conditions = matches.map(matchParts);
  if (conditions.some((parts) => parts.length === 0)) return "";
  if (conditions.length === 1) return conjunction(conditions[0] ?? []);
  return conditions.map((parts) => (parts.length === 1 ? conjunction(parts) : `(${parts.join(" and ")})`)).join(" or ");
}

/** A match as report text: its condition, or "every request". */
export function describeMatch(match: RouteMatch): string {
  const text = printMatch(match);
  return text === "" ? "every request" : text;
}

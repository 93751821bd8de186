/**
 * `npm run bench -- --only rules`: what routing rules cost per request. Route selection
 * (one RouteTable.match call, src/routing/match.ts) over 10, 100 and 1,000 rules with a
 * realistic, seeded mix of Gateway API matches (PathPrefix, Exact and RegularExpression
 * paths, 1–3 header matches, query parameters, methods, lists of matches), ten rules a host
 * (so 1,000 rules span 100 hosts), and the same rules all on one host (every lookup then
 * walks one long list: the worst layout). Requests are drawn from the rules, so some hit,
 * some nearly hit (one field off) and some name no host at all. Then the worst regular
 * expressions the config accepts (rules-regex.ts).
 *
 * Timing: every lookup is timed on its own (so p50 and p99 are per request, not per batch),
 * after a warm-up; the cost of the two clock reads, measured the same way around an empty
 * call, is taken off. The request's URL is made afresh before each lookup (outside the
 * timed part), so a rule that reads the query string pays for parsing it, as the data
 * plane does. Target: p50 ≤ 3 µs at 1,000 rules over 100 hosts.
 */
import { mulberry32 } from "../../../test/unit/helpers/random.ts";
import { compileConfig } from "../../../src/config/compile.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import { validateConfig } from "../../../src/config/validate.ts";
import { compileRouteTable } from "../../../src/routing/match.ts";
import type { RandomSource } from "../../../src/steering/types.ts";
import { benchRegexes } from "./rules-regex.ts";
import type { RegexResult } from "./rules-regex.ts";

type RouteInput = ConfigInput["routes"][number];
type MatchInput = Exclude<NonNullable<RouteInput["match"]>, readonly unknown[]>;

/** The p50 target at 1,000 rules over 100 hosts, in µs. */
export const RULES_TARGET_US = 3;
const SIZES = [10, 100, 1_000] as const;
const RULES_PER_HOST = 10;
const LOOKUPS = 4_096;
/** Timed lookups per scenario (whole passes over LOOKUPS), after WARMUP_PASSES untimed ones. */
const TIMED_PASSES = 60;
const WARMUP_PASSES = 20;

/** One row of the route selection table. */
export interface RuleSelectionResult {
  readonly layout: "10 a host" | "one host";
  readonly rules: number;
  readonly hosts: number;
  readonly hitShare: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
  readonly samples: number;
}

export interface RulesReport {
  readonly selection: readonly RuleSelectionResult[];
  readonly timerOverheadNs: number;
  readonly regexes: readonly RegexResult[];
}

/** A request as the table sees it: host, path, method, headers and the URL its query comes from. */
interface Lookup {
  readonly host: string;
  readonly path: string;
  readonly href: string;
  readonly request: { readonly method: string; readonly headers: Headers };
}

// ---------------------------------------------------------------------------------------
// Rules

const SEGMENTS = ["api", "v1", "v2", "users", "orders", "static", "admin", "search", "cart", "img", "checkout", "docs"];
const HEADERS = ["x-tenant", "x-version", "x-canary", "x-region", "accept-language", "x-device"];
const QUERY = ["version", "lang", "debug", "variant"];
const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const;
/** Header and query patterns of the kind people write (RE2 syntax, whole value). */
const VALUE_PATTERNS: readonly { readonly pattern: string; readonly sample: string }[] = [
  { pattern: "tenant-[0-9]+", sample: "tenant-4821" },
  { pattern: "(en|de|fr)(-[A-Z]{2})?", sample: "de-AT" },
  { pattern: "beta|canary", sample: "canary" },
  { pattern: ".*Mobile.*", sample: "Mozilla/5.0 (iPhone) Mobile/15E148" },
];

function pick<T>(random: RandomSource, items: readonly T[]): T {
  const value = items[Math.floor(random() * items.length)];
  if (value === undefined) throw new Error("pick from an empty list");
  return value;
}

function segments(random: RandomSource, min: number, max: number): string {
  const n = min + Math.floor(random() * (max - min + 1));
  return `/${Array.from({ length: n }, () => pick(random, SEGMENTS)).join("/")}`;
}

function valueMatch(random: RandomSource, name: string, k: number): { name: string; type: "Exact" | "RegularExpression"; value: string } {
  if (random() < 0.2) return { name, type: "RegularExpression", value: pick(random, VALUE_PATTERNS).pattern };
  return { name, type: "Exact", value: `${name.slice(0, 3)}-${k % 7}` };
}

function distinctNames(random: RandomSource, from: readonly string[], count: number): string[] {
  const names = new Set<string>();
  while (names.size < count) names.add(pick(random, from));
  return [...names].sort();
}

/** One match of the mix: 30% prefix, 15% exact, 20% headers, 10% query, 15% method, 5% regex path (the rest: prefix). */
function oneMatch(random: RandomSource, host: string, k: number): MatchInput {
  const r = random();
  const prefix = segments(random, 1, 3);
  if (r < 0.3) return { host, pathPrefix: prefix };
  if (r < 0.45)
    return { host, path: { type: "Exact", value: `${segments(random, 1, 2)}/${pick(random, ["login", "health", "index.html"])}` } };
  if (r < 0.65) {
    const names = distinctNames(random, HEADERS, 1 + Math.floor(random() * 3));
    return { host, pathPrefix: prefix, headers: names.map((n) => valueMatch(random, n, k)) };
  }
  if (r < 0.75) {
    const names = distinctNames(random, QUERY, 1 + Math.floor(random() * 2));
    return { host, pathPrefix: prefix, queryParams: names.map((n) => valueMatch(random, n, k)) };
  }
  if (r < 0.9) return { host, pathPrefix: prefix, method: pick(random, METHODS) };
  if (r < 0.95) return { host, path: { type: "RegularExpression", value: `/${pick(random, SEGMENTS)}/v[0-9]+/items/[0-9]+` } };
  return { host, pathPrefix: prefix };
}

/** Host h's name pattern: nine exact hosts in ten, one wildcard. */
function hostPattern(h: number): string {
  return h % 10 === 9 ? `*.apps${h}.example.net` : `svc${h}.example.com`;
}

/** `count` rules, RULES_PER_HOST a host (or all on one), no two matches alike on a host (validation refuses those). */
export function ruleSet(count: number, layout: RuleSelectionResult["layout"], seed: number): RouteInput[] {
  const random = mulberry32(seed);
  const seen = new Set<string>();
  const routes: RouteInput[] = [];
  for (let i = 0; routes.length < count; i++) {
    const host = hostPattern(layout === "one host" ? 0 : Math.floor(routes.length / RULES_PER_HOST));
    // One rule in twenty is a list of two matches (a Gateway API rule's matches, ORed).
    const matches = random() < 0.05 ? [oneMatch(random, host, i), oneMatch(random, host, i + 1)] : [oneMatch(random, host, i)];
    const keys = matches.map((m) => JSON.stringify(m));
    if (keys.some((k) => seen.has(k)) || new Set(keys).size < keys.length) continue;
    for (const k of keys) seen.add(k);
    routes.push({ id: `rule${routes.length}`, match: matches.length === 1 ? matches[0] : matches, pools: ["p"] });
  }
  return routes;
}

// ---------------------------------------------------------------------------------------
// Requests

const BASE_HEADERS: Record<string, string> = {
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0 Safari/537.36",
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "accept-encoding": "gzip, deflate, br",
  cookie: "sid=4f9c2a7e1b; theme=dark",
  "cf-connecting-ip": "203.0.113.9",
};

/** A value that meets a value match. */
function meeting(m: { type?: string; value: string }): string {
  return m.type === "RegularExpression" ? (VALUE_PATTERNS.find((p) => p.pattern === m.value)?.sample ?? "") : m.value;
}

/** A request that meets `match`, then (when `miss`) one field of it changed so it may no longer. */
function requestFor(random: RandomSource, match: MatchInput, miss: boolean): Lookup {
  const h = match.host ?? "*";
  let host = h.startsWith("*.") ? `edge${Math.floor(random() * 9)}${h.slice(1)}` : h;
  let path = match.pathPrefix ?? "/";
  if (match.path?.type === "Exact") path = match.path.value ?? "/";
  else if (match.path?.type === "RegularExpression")
    path = `${(match.path.value ?? "").split("/v[")[0]}/v2/items/${Math.floor(random() * 999)}`;
  else if (random() < 0.6) path = `${path}/${pick(random, SEGMENTS)}`;
  const headers = new Headers(BASE_HEADERS);
  for (const m of match.headers ?? []) headers.set(m.name, meeting(m));
  const query = new URLSearchParams({ utm_source: "newsletter" });
  for (const m of match.queryParams ?? []) query.set(m.name, meeting(m));
  let method = match.method ?? (random() < 0.8 ? "GET" : "POST");
  if (miss) {
    const r = random();
    if (r < 0.25) path = `${path}x`;
    else if (r < 0.5) method = method === "GET" ? "DELETE" : "GET";
    else if (r < 0.75) for (const name of HEADERS) headers.set(name, "none");
    else query.set(pick(random, QUERY), "none");
  }
  if (random() < 0.1) host = host.toUpperCase();
  return { host, path, href: `https://${host}${path}?${query}`, request: { method, headers } };
}

function lookupsFor(routes: readonly RouteInput[], seed: number): Lookup[] {
  const random = mulberry32(seed);
  return Array.from({ length: LOOKUPS }, () => {
    const r = random();
    const route = pick(random, routes);
    const match = Array.isArray(route.match) ? pick(random, route.match) : (route.match as MatchInput);
    // 15% name a host no rule covers: the cheapest miss.
    if (r < 0.15) return requestFor(random, { ...match, host: `unknown${Math.floor(random() * 50)}.example.org` }, false);
    return requestFor(random, match, r < 0.45);
  });
}

// ---------------------------------------------------------------------------------------
// Timing

let sink: unknown;

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** Every lookup of `passes` passes timed alone: ns per call, sorted. */
function timeEach(lookups: readonly Lookup[], passes: number, call: (l: Lookup, url: URL) => unknown): Float64Array {
  const samples = new Float64Array(lookups.length * passes);
  let n = 0;
  for (let pass = 0; pass < passes; pass++)
    for (const l of lookups) {
      const url = new URL(l.href);
      const start = process.hrtime.bigint();
      sink = call(l, url);
      samples[n++] = Number(process.hrtime.bigint() - start);
    }
  return samples.sort();
}

/** The median cost of timing an empty call the same way. */
export function timerOverheadNs(): number {
  const lookups = lookupsFor([{ id: "r", match: { host: "a.example", pathPrefix: "/" }, pools: ["p"] }], 1).slice(0, 1_024);
  timeEach(lookups, 20, () => undefined);
  return percentile(
    timeEach(lookups, 100, () => undefined),
    0.5,
  );
}

function selection(count: number, layout: RuleSelectionResult["layout"], overheadNs: number): RuleSelectionResult {
  const routes = ruleSet(count, layout, count * 7 + (layout === "one host" ? 1 : 0));
  const input: ConfigInput = {
    origins: [{ id: "o0", url: "https://o0.origins.example.net" }],
    pools: [{ id: "p", origins: ["o0"] }],
    routes,
  };
  const result = validateConfig(input);
  if (!result.ok) {
    const issues = result.issues.slice(0, 5).map((i) => `  ${i.path}: ${i.message}`);
    throw new Error(`bench rules (${count}, ${layout}) do not validate:\n${issues.join("\n")}`);
  }
  const table = compileRouteTable(compileConfig(result.config, 1).routes);
  const lookups = lookupsFor(routes, count * 13 + 5);
  const match = (l: Lookup, url: URL): unknown => table.match(l.host, l.path, l.request, url);
  const hitShare = lookups.filter((l) => match(l, new URL(l.href)) !== undefined).length / lookups.length;
  timeEach(lookups, WARMUP_PASSES, match);
  const samples = timeEach(lookups, TIMED_PASSES, match);
  const us = (ns: number): number => Math.max(0, ns - overheadNs) / 1_000;
  let total = 0;
  for (const s of samples) total += s;
  return {
    layout,
    rules: count,
    hosts: layout === "one host" ? 1 : Math.ceil(count / RULES_PER_HOST),
    hitShare,
    p50Us: us(percentile(samples, 0.5)),
    p99Us: us(percentile(samples, 0.99)),
    meanUs: us(total / samples.length),
    samples: samples.length,
  };
}

// ---------------------------------------------------------------------------------------
// Report

function selectionTable(rows: readonly RuleSelectionResult[], overheadNs: number): string {
  const target = rows.find((r) => r.layout === "10 a host" && r.rules === 1_000);
  const verdict =
    target === undefined
      ? ""
      : target.p50Us <= RULES_TARGET_US
        ? `ok: p50 ${target.p50Us.toFixed(2)} µs ≤ ${RULES_TARGET_US} µs at 1,000 rules over 100 hosts.`
        : `OVER: p50 ${target.p50Us.toFixed(2)} µs > ${RULES_TARGET_US} µs at 1,000 rules over 100 hosts.`;
  return [
    "Route selection with routing rules (one RouteTable.match per request; Gateway API matches, seeded mix):",
    "",
    "| layout | rules | hosts | hits | p50 µs | p99 µs | mean µs |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...rows.map(
      (r) =>
        `| ${r.layout} | ${r.rules.toLocaleString("en-US")} | ${r.hosts} | ${Math.round(r.hitShare * 100)}% | ${r.p50Us.toFixed(2)} | ${r.p99Us.toFixed(2)} | ${r.meanUs.toFixed(2)} |`,
    ),
    "",
    `Each request timed alone (${(LOOKUPS * TIMED_PASSES).toLocaleString("en-US")} per row); the clock's own ${overheadNs.toFixed(0)} ns taken off.`,
    `Mix: 30% PathPrefix, 15% Exact, 20% PathPrefix + 1–3 headers, 10% + 1–2 query parameters, 15% + method, 5% RegularExpression path; 20% of value matches are RE2 patterns; 5% of rules list two matches.`,
    verdict,
  ].join("\n");
}

/** Runs both parts, prints their tables, returns the figures for --json. */
export async function benchRules(): Promise<RulesReport> {
  const overheadNs = timerOverheadNs();
  const selectionRows: RuleSelectionResult[] = [];
  for (const layout of ["10 a host", "one host"] as const)
    for (const count of SIZES) {
      const row = selection(count, layout, overheadNs);
      selectionRows.push(row);
      process.stderr.write(`[rules] ${layout}, ${count} rules: p50 ${row.p50Us.toFixed(2)} µs, p99 ${row.p99Us.toFixed(2)} µs\n`);
    }
  void sink;
  console.log(selectionTable(selectionRows, overheadNs));
  console.log("");
  const regexes = await benchRegexes();
  return { selection: selectionRows, timerOverheadNs: overheadNs, regexes };
}

/**
 * One compiled match (Gateway API `HTTPRouteMatch`, config/match-schema.ts): a test run
 * per request with no allocation and no header read a match does not need, its field by
 * field verdict for /_edgeway/explain, and the Gateway API precedence between matches.
 *
 * Precedence, as the HTTPRoute spec orders matches that all hold for a request (after the
 * host, which routing/match.ts orders): an `Exact` path, then a `RegularExpression` path
 * (the spec leaves its rank to implementations; Envoy Gateway's order), then the longest
 * `PathPrefix`, then a match on the method, then the most header matches, then the most
 * query parameter matches, then the order in the document.
 */
import type { HeaderMatch, PathMatch, QueryParamMatch, RouteMatch } from "../config/match-schema.ts";
import { pathOf } from "../config/match-schema.ts";
import { compileRegex } from "./regex.ts";
import type { SafeRegex } from "./regex.ts";

/** What a match may read of a request besides its host and path. */
export interface RequestFacts {
  readonly method: string;
  readonly headers: Headers;
}

/** Where query parameters are read (a URL has them; parsed only when a match needs one). */
export interface QuerySource {
  readonly searchParams: URLSearchParams;
}

const EXACT = 3;
const REGEX = 2;
const PREFIX = 1;

/** One header or query parameter test: the exact value, or a pattern. */
interface ValueTest {
  readonly name: string;
  readonly exact: string | undefined;
  readonly regex: SafeRegex | undefined;
  readonly spec: HeaderMatch | QueryParamMatch;
}

function valueTest(m: HeaderMatch | QueryParamMatch, foldName: boolean): ValueTest {
  return {
    name: foldName ? m.name.toLowerCase() : m.name,
    exact: m.type === "Exact" ? m.value : undefined,
    regex: m.type === "RegularExpression" ? compileRegex(m.value) : undefined,
    spec: m,
  };
}

function valueHolds(test: ValueTest, value: string | null): boolean {
  if (value === null) return false;
  return test.regex === undefined ? value === test.exact : test.regex.test(value);
}

/** A PathPrefix value as matching reads it: a trailing "/" is ignored ("/api/" means "/api"), "/" stays. */
export function normalisePrefix(prefix: string): string {
  let p = prefix;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/** Whole-segment prefix: "/api" (or "/api/") matches "/api", "/api/" and "/api/x", not "/apix"; "/" matches all. */
export function pathMatches(prefix: string, path: string): boolean {
  const p = normalisePrefix(prefix);
  return prefixHolds(p, path);
}

function prefixHolds(p: string, path: string): boolean {
  if (p === "/" || path === p) return true;
  return path.startsWith(p) && path.charCodeAt(p.length) === 47; /* "/" */
}

/** Why one match outranks another, the first rule of precedence that tells them apart. */
export type PrecedenceReason =
  | "exact path"
  | "regular expression path"
  | "longer path prefix"
  | "method match"
  | "more header matches"
  | "more query parameter matches"
  | "earlier in the document";

/** A compiled match of one route. */
export class CompiledMatch<R = unknown> {
  readonly route: R;
  /** Its index in the route's list of matches. */
  readonly index: number;
  /** Its place in the document: routes in order, then each route's matches in order. */
  readonly order: number;
  readonly host: string;
  readonly path: PathMatch;
  readonly spec: RouteMatch;
  readonly #kind: number;
  readonly #value: string;
  /** The path value as matching reads it: a PathPrefix without its trailing "/", else as written. */
  readonly pathKey: string;
  readonly #regex: SafeRegex | undefined;
  readonly #method: string | undefined;
  readonly #headers: readonly ValueTest[];
  readonly #query: readonly ValueTest[];
  /** True when only the path is tested (most routes): the request's headers are never read. */
  readonly pathOnly: boolean;

  constructor(route: R, spec: RouteMatch, index: number, order: number) {
    this.route = route;
    this.spec = spec;
    this.index = index;
    this.order = order;
    this.host = spec.host.toLowerCase();
    this.path = pathOf(spec);
    this.#kind = this.path.type === "Exact" ? EXACT : this.path.type === "RegularExpression" ? REGEX : PREFIX;
    this.#value = this.#kind === PREFIX ? normalisePrefix(this.path.value) : this.path.value;
    this.pathKey = this.#value;
    this.#regex = this.#kind === REGEX ? compileRegex(this.path.value) : undefined;
    this.#method = spec.method;
    this.#headers = (spec.headers ?? []).map((h) => valueTest(h, true));
    this.#query = (spec.queryParams ?? []).map((q) => valueTest(q, false));
    this.pathOnly = this.#method === undefined && this.#headers.length === 0 && this.#query.length === 0;
  }

  /** Whether the path holds. */
  pathHolds(path: string): boolean {
    if (this.#kind === PREFIX) return prefixHolds(this.#value, path);
    if (this.#kind === EXACT) return path === this.#value;
    return this.#regex?.test(path) === true;
  }

  /** Whether every field holds for the request. Without `request` only path-only matches can hold. */
  holds(path: string, request: RequestFacts | undefined, query: QuerySource | undefined): boolean {
    if (!this.pathHolds(path)) return false;
    if (this.pathOnly) return true;
    if (request === undefined) return false;
    if (this.#method !== undefined && request.method !== this.#method) return false;
    for (const test of this.#headers) if (!valueHolds(test, request.headers.get(test.name))) return false;
    if (this.#query.length > 0) {
      if (query === undefined) return false;
      const params = query.searchParams;
      for (const test of this.#query) if (!valueHolds(test, params.get(test.name))) return false;
    }
    return true;
  }

  /** Each field's verdict, for /_edgeway/explain. */
  verdicts(path: string, request: RequestFacts | undefined, query: QuerySource | undefined): FieldVerdict[] {
    const out: FieldVerdict[] = [{ field: "path", want: `${this.path.type} ${this.path.value}`, got: path, held: this.pathHolds(path) }];
    if (this.#method !== undefined) {
      const got = request?.method ?? null;
      out.push({ field: "method", want: this.#method, got, held: got === this.#method });
    }
    for (const test of this.#headers) {
      const got = request?.headers.get(test.name) ?? null;
      out.push({ field: `headers.${test.name}`, want: describeValue(test), got: clip(got), held: valueHolds(test, got) });
    }
    for (const test of this.#query) {
      const got = query?.searchParams.get(test.name) ?? null;
      out.push({ field: `queryParams.${test.name}`, want: describeValue(test), got: clip(got), held: valueHolds(test, got) });
    }
    return out;
  }

  /** The precedence key's parts, compared in order. */
  get rank(): {
    readonly kind: number;
    readonly length: number;
    readonly method: number;
    readonly headers: number;
    readonly query: number;
  } {
    return {
      kind: this.#kind,
      length: this.#kind === PREFIX ? this.#value.length : 0,
      method: this.#method === undefined ? 0 : 1,
      headers: this.#headers.length,
      query: this.#query.length,
    };
  }
}

/** One field's verdict in /_edgeway/explain. */
export interface FieldVerdict {
  readonly field: string;
  readonly want: string;
  readonly got: string | null;
  readonly held: boolean;
}

function describeValue(test: ValueTest): string {
  return test.regex === undefined ? `Exact ${test.exact ?? ""}` : `RegularExpression ${test.regex.source}`;
}

/** Long header values are shown cut, never whole. */
function clip(value: string | null): string | null {
  return value === null || value.length <= 200 ? value : `${value.slice(0, 200)}… (${value.length} characters)`;
}

/** Negative when `a` takes precedence over `b` (Gateway API order; see the file's comment). */
export function comparePrecedence(a: CompiledMatch, b: CompiledMatch): number {
  return precedenceReasonAndSign(a, b).sign;
}

/** Which rule of precedence tells `a` and `b` apart, and which way (negative: `a` first). */
export function precedenceReasonAndSign(a: CompiledMatch, b: CompiledMatch): { readonly sign: number; readonly reason: PrecedenceReason } {
  const ra = a.rank;
  const rb = b.rank;
  if (ra.kind !== rb.kind) {
    const top = Math.max(ra.kind, rb.kind);
    return { sign: rb.kind - ra.kind, reason: top === EXACT ? "exact path" : "regular expression path" };
  }
  if (ra.length !== rb.length) return { sign: rb.length - ra.length, reason: "longer path prefix" };
  if (ra.method !== rb.method) return { sign: rb.method - ra.method, reason: "method match" };
  if (ra.headers !== rb.headers) return { sign: rb.headers - ra.headers, reason: "more header matches" };
  if (ra.query !== rb.query) return { sign: rb.query - ra.query, reason: "more query parameter matches" };
  return { sign: a.order - b.order, reason: "earlier in the document" };
}

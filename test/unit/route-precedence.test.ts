/**
 * Route matching with Gateway API HTTPRoute semantics: the precedence rules as a table
 * (each row: the routes, a request, the route that must serve it), field matching, and
 * the explanation of why a route won.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import type { RouteMatch } from "../../src/config/match-schema.ts";
import { RouteMatchesSchema } from "../../src/config/match-schema.ts";
import { compileRouteTable } from "../../src/routing/match.ts";

interface TestRoute {
  readonly id: string;
  readonly match: RouteMatch | RouteMatch[];
}

/** A route with its match as the schema parses it (defaults filled in). */
function r(id: string, match: unknown): TestRoute {
  return { id, match: RouteMatchesSchema.parse(match) as RouteMatch | RouteMatch[] };
}

interface Req {
  readonly host?: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly query?: string;
}

/** Host lists are walked when short and indexed by path when long: every row runs both ways. */
let indexAt = Number.POSITIVE_INFINITY;

function serve(routes: readonly TestRoute[], req: Req): string | undefined {
  const table = compileRouteTable(routes, indexAt);
  const facts = { method: req.method ?? "GET", headers: new Headers(req.headers ?? {}) };
  return table.match(req.host ?? "example.com", req.path, facts, { searchParams: new URLSearchParams(req.query ?? "") })?.route.id;
}

const exact = (value: string) => ({ type: "Exact", value });
const prefix = (value: string) => ({ type: "PathPrefix", value });
const regex = (value: string) => ({ type: "RegularExpression", value });
const header = (name: string, value: string, type = "Exact") => ({ name, value, type });

describe.each([
  ["walked", Number.POSITIVE_INFINITY],
  ["indexed", 1],
])("precedence (Gateway API HTTPRoute: path exact > regex > longest prefix > method > headers > query > order), %s", (_, at) => {
  beforeEach(() => {
    indexAt = at;
  });
  const rows: { name: string; routes: TestRoute[]; req: Req; want: string | undefined }[] = [
    {
      name: "Exact beats a prefix of the same path",
      routes: [r("pre", { path: prefix("/foo") }), r("ex", { path: exact("/foo") })],
      req: { path: "/foo" },
      want: "ex",
    },
    {
      name: "the prefix still serves below the exact path",
      routes: [r("pre", { path: prefix("/foo") }), r("ex", { path: exact("/foo") })],
      req: { path: "/foo/x" },
      want: "pre",
    },
    {
      name: "Exact beats a longer prefix",
      routes: [r("pre", { path: prefix("/foo/bar") }), r("ex", { path: exact("/foo/bar/baz") })],
      req: { path: "/foo/bar/baz" },
      want: "ex",
    },
    {
      name: "a longer prefix beats a shorter",
      routes: [r("v1", { pathPrefix: "/v1" }), r("users", { pathPrefix: "/v1/users" })],
      req: { path: "/v1/users/9" },
      want: "users",
    },
    { name: "prefixes match whole segments", routes: [r("v1", { pathPrefix: "/v1" }), r("all", {})], req: { path: "/v10" }, want: "all" },
    {
      name: "a trailing slash on a prefix is ignored",
      routes: [r("api", { pathPrefix: "/api/" }), r("all", {})],
      req: { path: "/api" },
      want: "api",
    },
    {
      name: "a regular expression beats a prefix",
      routes: [r("pre", { path: prefix("/users") }), r("re", { path: regex("/users/[0-9]+") })],
      req: { path: "/users/42" },
      want: "re",
    },
    {
      name: "Exact beats a regular expression",
      routes: [r("re", { path: regex("/users/[0-9]+") }), r("ex", { path: exact("/users/42") })],
      req: { path: "/users/42" },
      want: "ex",
    },
    {
      name: "a regular expression matches the whole path",
      routes: [r("re", { path: regex("/v[0-9]+") }), r("all", {})],
      req: { path: "/api/v2" },
      want: "all",
    },
    {
      name: "a longer prefix beats a method match",
      routes: [r("m", { path: prefix("/"), method: "GET" }), r("api", { pathPrefix: "/api" })],
      req: { path: "/api/x", method: "GET" },
      want: "api",
    },
    {
      name: "a method match beats none",
      routes: [r("any", { pathPrefix: "/" }), r("post", { pathPrefix: "/", method: "POST" })],
      req: { path: "/x", method: "POST" },
      want: "post",
    },
    {
      name: "a method that differs does not match",
      routes: [r("any", { pathPrefix: "/" }), r("post", { pathPrefix: "/", method: "POST" })],
      req: { path: "/x", method: "GET" },
      want: "any",
    },
    {
      name: "a method match beats header matches",
      routes: [r("h", { headers: [header("x-a", "1"), header("x-b", "2")] }), r("m", { method: "GET" })],
      req: { path: "/", headers: { "x-a": "1", "x-b": "2" } },
      want: "m",
    },
    {
      name: "more header matches beat fewer",
      routes: [r("one", { headers: [header("x-a", "1")] }), r("two", { headers: [header("x-a", "1"), header("x-b", "2")] })],
      req: { path: "/", headers: { "x-a": "1", "x-b": "2" } },
      want: "two",
    },
    {
      name: "fewer header matches serve when the others fail",
      routes: [r("one", { headers: [header("x-a", "1")] }), r("two", { headers: [header("x-a", "1"), header("x-b", "2")] })],
      req: { path: "/", headers: { "x-a": "1", "x-b": "3" } },
      want: "one",
    },
    {
      name: "a header match beats query matches",
      routes: [r("q", { queryParams: [header("a", "1"), header("b", "2")] }), r("h", { headers: [header("x-a", "1")] })],
      req: { path: "/", headers: { "x-a": "1" }, query: "a=1&b=2" },
      want: "h",
    },
    {
      name: "more query matches beat fewer",
      routes: [r("q1", { queryParams: [header("a", "1")] }), r("q2", { queryParams: [header("a", "1"), header("b", "2")] })],
      req: { path: "/", query: "b=2&a=1" },
      want: "q2",
    },
    {
      name: "a tie goes to the earlier route",
      routes: [r("first", { headers: [header("x-a", "1")] }), r("second", { headers: [header("x-b", "1")] })],
      req: { path: "/", headers: { "x-a": "1", "x-b": "1" } },
      want: "first",
    },
    {
      name: "an exact host beats a wildcard, whatever the path",
      routes: [r("wild", { host: "*.example.com", path: exact("/x") }), r("own", { host: "api.example.com" })],
      req: { host: "api.example.com", path: "/x" },
      want: "own",
    },
    {
      name: "a host with no holding match falls through to the wildcard",
      routes: [r("wild", { host: "*.example.com" }), r("own", { host: "api.example.com", method: "POST" })],
      req: { host: "api.example.com", path: "/x", method: "GET" },
      want: "wild",
    },
    {
      name: "each match of a list is ranked on its own",
      routes: [r("list", [{ pathPrefix: "/" }, { path: exact("/login") }]), r("log", { pathPrefix: "/login" })],
      req: { path: "/login" },
      want: "list",
    },
    {
      name: "the list's other match keeps its own rank",
      routes: [r("list", [{ pathPrefix: "/" }, { path: exact("/login") }]), r("log", { pathPrefix: "/login" })],
      req: { path: "/login/2fa" },
      want: "log",
    },
    {
      name: "nothing holds: no route",
      routes: [r("api", { pathPrefix: "/api", method: "GET" })],
      req: { path: "/api", method: "DELETE" },
      want: undefined,
    },
  ];
  for (const row of rows) it(row.name, () => expect(serve(row.routes, row.req)).toBe(row.want));

  it("the winner does not depend on the order routes are listed in, except for ties", () => {
    const routes = [
      r("ex", { path: exact("/a") }),
      r("re", { path: regex("/a.*") }),
      r("pre", { pathPrefix: "/a" }),
      r("m", { method: "GET" }),
    ];
    for (const order of [routes, [...routes].reverse(), [routes[2], routes[0], routes[3], routes[1]]] as TestRoute[][]) {
      expect(serve(order, { path: "/a" })).toBe("ex");
      expect(serve(order, { path: "/ab" })).toBe("re");
      expect(serve(order, { path: "/a/b" })).toBe("re");
      expect(serve(order, { path: "/b" })).toBe("m");
    }
  });
});

describe("field matching", () => {
  it("header names are case-insensitive, values case-sensitive", () => {
    const routes = [r("h", { headers: [header("X-Tester", "yes")] }), r("all", {})];
    expect(serve(routes, { path: "/", headers: { "x-tester": "yes" } })).toBe("h");
    expect(serve(routes, { path: "/", headers: { "x-tester": "Yes" } })).toBe("all");
    expect(serve(routes, { path: "/" })).toBe("all");
  });

  it("a header regular expression matches the whole value", () => {
    const routes = [r("h", { headers: [header("x-version", "v[0-9]+", "RegularExpression")] }), r("all", {})];
    expect(serve(routes, { path: "/", headers: { "x-version": "v12" } })).toBe("h");
    expect(serve(routes, { path: "/", headers: { "x-version": "v12-beta" } })).toBe("all");
  });

  it("query parameter names are case-sensitive and the first occurrence counts", () => {
    const routes = [r("q", { queryParams: [header("Tier", "gold")] }), r("all", {})];
    expect(serve(routes, { path: "/", query: "Tier=gold" })).toBe("q");
    expect(serve(routes, { path: "/", query: "tier=gold" })).toBe("all");
    expect(serve(routes, { path: "/", query: "Tier=silver&Tier=gold" })).toBe("all");
  });

  it("an 8 KB header value and one with odd bytes are simply compared", () => {
    const routes = [r("h", { headers: [header("x-big", "(a|b)*c", "RegularExpression")] }), r("all", {})];
    expect(serve(routes, { path: "/", headers: { "x-big": `${"ab".repeat(4096)}c` } })).toBe("h");
    expect(serve(routes, { path: "/", headers: { "x-big": "a".repeat(8192) } })).toBe("all");
    expect(serve(routes, { path: "/", headers: { "x-big": "\u00ff\u00fe" } })).toBe("all");
  });

  it("without the request, only path matches can hold", () => {
    const table = compileRouteTable([r("h", { headers: [header("x-a", "1")] }), r("all", {})]);
    expect(table.match("example.com", "/")?.route.id).toBe("all");
  });
});

describe("explaining the choice", () => {
  it("lists each candidate with its field verdicts and says why the winner won", () => {
    const table = compileRouteTable([
      r("testers", { headers: [header("x-tester", "yes")], pathPrefix: "/api" }),
      r("api", { pathPrefix: "/api" }),
      r("exact", { path: exact("/api/ping") }),
    ]);
    const e = table.explain("example.com", "/api/users", { method: "GET", headers: new Headers({ "x-tester": "yes" }) });
    expect(e.winner?.route.id).toBe("testers");
    expect(e.why).toBe('more header matches than route "api"');
    const exactCandidate = e.candidates.find((c) => c.route.id === "exact");
    expect(exactCandidate?.held).toBe(false);
    expect(exactCandidate?.fields[0]).toEqual({ field: "path", want: "Exact /api/ping", got: "/api/users", held: false });
    const testers = e.candidates.find((c) => c.route.id === "testers");
    expect(testers?.fields).toContainEqual({ field: "headers.x-tester", want: "Exact yes", got: "yes", held: true });
  });
});

describe("an indexed host list picks what the walk picks", () => {
  it("on random rule sets and requests", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            kind: fc.constantFrom("Exact", "PathPrefix", "RegularExpression"),
            segments: fc.array(fc.constantFrom("a", "b", "c"), { minLength: 0, maxLength: 3 }),
            slash: fc.boolean(),
            method: fc.option(fc.constantFrom("GET", "POST"), { nil: undefined }),
            header: fc.option(fc.constantFrom("1", "2"), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.array(
          fc.record({
            segments: fc.array(fc.constantFrom("a", "b", "c", "d"), { minLength: 0, maxLength: 4 }),
            slash: fc.boolean(),
            method: fc.constantFrom("GET", "POST"),
            header: fc.constantFrom("1", "2", "3"),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (rules, requests) => {
          const routes = rules.map((rule, i) => {
            const base = `/${rule.segments.join("/")}`;
            const value =
              rule.kind === "RegularExpression" ? `${base === "/" ? "" : base}/.*` : rule.slash && base !== "/" ? `${base}/` : base;
            return r(`r${i}`, {
              path: { type: rule.kind, value },
              ...(rule.method === undefined ? {} : { method: rule.method }),
              ...(rule.header === undefined ? {} : { headers: [header("x-h", rule.header)] }),
            });
          });
          const walked = compileRouteTable(routes, Number.POSITIVE_INFINITY);
          const indexed = compileRouteTable(routes, 1);
          for (const req of requests) {
            const path = `/${req.segments.join("/")}${req.slash && req.segments.length > 0 ? "/" : ""}`;
            const facts = { method: req.method, headers: new Headers({ "x-h": req.header }) };
            expect(indexed.match("example.com", path, facts)?.route.id).toBe(walked.match("example.com", path, facts)?.route.id);
          }
        },
      ),
    );
  });
});

/**
 * Route matching as the Gateway API's conformance suite holds HTTPRoute implementations
 * to it (conformance/tests/httproute-matching, -matching-across-routes,
 * -path-match-order, -header-matching, -query-param-matching, -method-matching,
 * -exact-path-matching), ported case by case: each of those HTTPRoutes is a host here,
 * each of its rules a route (its `matches` the route's list of matches), its backends
 * infra-backend-v1/v2/v3 three pools of one real echo origin each (o1, o2, o3, which no
 * test stops). Every case sends a request through the worker and checks which origin
 * answered, or that Edgeway answered 404 itself. Then Edgeway's own: RegularExpression
 * paths, headers and query parameters (RE2, whole value), and host precedence.
 */
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { putConfig, useConfig } from "../worker/helpers.ts";

type Backend = "v1" | "v2" | "v3";
const ORIGIN_OF: Record<Backend, string> = { v1: "o1", v2: "o2", v3: "o3" };

/** One match of a rule, without its host (the suite's). */
interface Match {
  readonly path?: { readonly type: "Exact" | "PathPrefix" | "RegularExpression"; readonly value: string };
  readonly method?: string;
  readonly headers?: readonly { readonly name: string; readonly value: string; readonly type?: "Exact" | "RegularExpression" }[];
  readonly queryParams?: readonly { readonly name: string; readonly value: string; readonly type?: "Exact" | "RegularExpression" }[];
}

/** A Gateway API rule: its matches (none: every request of the host) and its one backend. */
interface Rule {
  readonly matches?: readonly Match[];
  readonly backend: Backend;
  /** The hosts the rule serves instead of the suite's (an HTTPRoute's `hostnames`). */
  readonly hosts?: readonly string[];
}

/** A request and who must answer it: a backend, or Edgeway's own 404. */
interface Case {
  readonly path: string;
  readonly host?: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly want: Backend | 404;
}

interface Suite {
  readonly name: string;
  readonly host: string;
  readonly rules: readonly Rule[];
  readonly cases: readonly Case[];
}

const prefix = (value: string): Match => ({ path: { type: "PathPrefix", value } });
const exact = (value: string): Match => ({ path: { type: "Exact", value } });
const header = (name: string, value: string) => ({ name, value });
const query = (name: string, value: string) => ({ name, value });

const SUITES: readonly Suite[] = [
  {
    name: "httproute-matching: a rule's matches are ORed; a longer prefix and a header match win",
    host: "matching.test",
    rules: [
      { matches: [prefix("/"), { headers: [header("version", "one")] }], backend: "v1" },
      { matches: [prefix("/v2"), { headers: [header("version", "two")] }], backend: "v2" },
    ],
    cases: [
      { path: "/", want: "v1" },
      { path: "/example", want: "v1" },
      { path: "/", headers: { Version: "one" }, want: "v1" },
      { path: "/v2", want: "v2" },
      { path: "/v2/example", want: "v2" },
      { path: "/", headers: { Version: "two" }, want: "v2" },
      { path: "/v2/", want: "v2" },
      { path: "/v2example", want: "v1" },
      { path: "/foo/v2/example", want: "v1" },
    ],
  },
  {
    name: "httproute-matching-across-routes: precedence holds across routes and their hostnames",
    host: "across.example.com",
    rules: [
      {
        matches: [prefix("/"), { headers: [header("version", "one")] }],
        backend: "v1",
        hosts: ["across.example.com", "across.example.net"],
      },
      { matches: [prefix("/v2"), { headers: [header("version", "two")] }], backend: "v2" },
    ],
    cases: [
      { path: "/", want: "v1" },
      { path: "/example", want: "v1" },
      { host: "across.example.net", path: "/example", want: "v1" },
      { path: "/example", headers: { Version: "one" }, want: "v1" },
      { path: "/v2", want: "v2" },
      { host: "across.example.net", path: "/v2", want: "v1" },
      { path: "/v2/example", want: "v2" },
      { path: "/", headers: { Version: "two" }, want: "v2" },
    ],
  },
  {
    name: "httproute-path-match-order: Exact before PathPrefix, the longest prefix first",
    host: "order.test",
    rules: [
      { matches: [exact("/match")], backend: "v1" },
      { matches: [exact("/match/exact")], backend: "v2" },
      { matches: [exact("/match/exact/one")], backend: "v3" },
      { matches: [prefix("/match/")], backend: "v3" },
      { matches: [prefix("/match/prefix/")], backend: "v1" },
      { matches: [prefix("/match/prefix/one")], backend: "v2" },
    ],
    cases: [
      { path: "/match/exact/one", want: "v3" },
      { path: "/match/exact", want: "v2" },
      { path: "/match", want: "v1" },
      { path: "/match/prefix/one/any", want: "v2" },
      { path: "/match/prefix/any", want: "v1" },
      { path: "/match/any", want: "v3" },
    ],
  },
  {
    name: "httproute-header-matching: headers ANDed within a match, ORed across matches, the most headers first",
    host: "headers.test",
    rules: [
      { matches: [{ headers: [header("version", "one")] }], backend: "v1" },
      { matches: [{ headers: [header("version", "two")] }], backend: "v2" },
      { matches: [{ headers: [header("version", "two"), header("color", "orange")] }], backend: "v1" },
      { matches: [{ headers: [header("color", "blue")] }, { headers: [header("color", "green")] }], backend: "v1" },
      { matches: [{ headers: [header("color", "red")] }, { headers: [header("color", "yellow")] }], backend: "v2" },
    ],
    cases: [
      { path: "/", headers: { Version: "one" }, want: "v1" },
      { path: "/", headers: { Version: "two" }, want: "v2" },
      { path: "/", headers: { Version: "two", Color: "orange" }, want: "v1" },
      { path: "/", headers: { Version: "two", Color: "blue" }, want: "v2" },
      { path: "/", headers: { Color: "orange" }, want: 404 },
      { path: "/", headers: { "Some-Other-Header": "one" }, want: 404 },
      { path: "/", headers: { Color: "blue" }, want: "v1" },
      { path: "/", headers: { Color: "green" }, want: "v1" },
      { path: "/", headers: { Color: "red" }, want: "v2" },
      { path: "/", headers: { Color: "yellow" }, want: "v2" },
      { path: "/", headers: { Color: "purple" }, want: 404 },
    ],
  },
  {
    name: "httproute-query-param-matching: exact names and values, combined with path and headers, precedence",
    host: "query.test",
    rules: [
      { matches: [{ queryParams: [query("animal", "whale")] }], backend: "v1" },
      { matches: [{ queryParams: [query("animal", "dolphin")] }], backend: "v2" },
      {
        matches: [{ queryParams: [query("animal", "dolphin"), query("color", "blue")] }, { queryParams: [query("ANIMAL", "Whale")] }],
        backend: "v3",
      },
      { matches: [{ ...prefix("/path1"), queryParams: [query("animal", "whale")] }], backend: "v1" },
      { matches: [{ headers: [header("version", "one")], queryParams: [query("animal", "whale")] }], backend: "v2" },
      { matches: [{ ...prefix("/path2"), headers: [header("version", "two")], queryParams: [query("animal", "whale")] }], backend: "v3" },
      {
        matches: [
          { ...prefix("/path3"), queryParams: [query("animal", "shark")] },
          { ...prefix("/path4"), headers: [header("version", "three")], queryParams: [query("animal", "kraken")] },
        ],
        backend: "v1",
      },
      { matches: [prefix("/path5")], backend: "v1" },
      { matches: [{ queryParams: [query("animal", "hydra")] }], backend: "v2" },
      { matches: [{ headers: [header("version", "four")] }], backend: "v3" },
    ],
    cases: [
      { path: "/?animal=whale", want: "v1" },
      { path: "/?animal=dolphin", want: "v2" },
      { path: "/?animal=dolphin&color=blue", want: "v3" },
      { path: "/?ANIMAL=Whale", want: "v3" },
      { path: "/?animal=whale&otherparam=irrelevant", want: "v1" },
      { path: "/?animal=dolphin&color=yellow", want: "v2" },
      { path: "/?color=blue", want: 404 },
      { path: "/?animal=dog", want: 404 },
      { path: "/?animal=whaledolphin", want: 404 },
      { path: "/", want: 404 },
      { path: "/path1?animal=whale", want: "v1" },
      { path: "/?animal=whale", headers: { version: "one" }, want: "v2" },
      { path: "/path2?animal=whale", headers: { version: "two" }, want: "v3" },
      { path: "/path3?animal=shark", want: "v1" },
      { path: "/path4?animal=kraken", headers: { version: "three" }, want: "v1" },
      { path: "/?animal=shark", want: 404 },
      { path: "/path4?animal=kraken", want: 404 },
      { path: "/path5?animal=hydra", want: "v1" },
      { path: "/?animal=hydra", headers: { version: "four" }, want: "v3" },
    ],
  },
  {
    name: "httproute-method-matching: methods alone and combined; a longer prefix beats a method, a method beats a header",
    host: "method.test",
    rules: [
      { matches: [{ method: "POST" }], backend: "v1" },
      { matches: [{ method: "GET" }], backend: "v2" },
      { matches: [{ ...prefix("/path1"), method: "GET" }], backend: "v1" },
      { matches: [{ headers: [header("version", "one")], method: "PUT" }], backend: "v2" },
      { matches: [{ ...prefix("/path2"), headers: [header("version", "two")], method: "POST" }], backend: "v3" },
      {
        matches: [
          { ...prefix("/path3"), method: "PATCH" },
          { ...prefix("/path4"), headers: [header("version", "three")], method: "DELETE" },
        ],
        backend: "v1",
      },
      { matches: [prefix("/path5")], backend: "v1" },
      { matches: [{ method: "PATCH" }], backend: "v2" },
      { matches: [{ headers: [header("version", "four")] }], backend: "v3" },
    ],
    cases: [
      { path: "/", method: "POST", want: "v1" },
      { path: "/", method: "GET", want: "v2" },
      { path: "/", method: "HEAD", want: 404 },
      { path: "/path1", method: "GET", want: "v1" },
      { path: "/", method: "PUT", headers: { version: "one" }, want: "v2" },
      { path: "/path2", method: "POST", headers: { version: "two" }, want: "v3" },
      { path: "/path3", method: "PATCH", want: "v1" },
      { path: "/path4", method: "DELETE", headers: { version: "three" }, want: "v1" },
      { path: "/", method: "PUT", want: 404 },
      { path: "/path4", method: "DELETE", want: 404 },
      { path: "/path5", method: "PATCH", want: "v1" },
      { path: "/", method: "PATCH", headers: { version: "four" }, want: "v2" },
    ],
  },
  {
    name: "httproute-exact-path-matching: the whole path, case-sensitive, no trailing slash",
    host: "exact.test",
    rules: [
      { matches: [exact("/one")], backend: "v1" },
      { matches: [exact("/two")], backend: "v2" },
    ],
    cases: [
      { path: "/one", want: "v1" },
      { path: "/two", want: "v2" },
      { path: "/", want: 404 },
      { path: "/one/example", want: 404 },
      { path: "/two/", want: 404 },
      { path: "/Two", want: 404 },
    ],
  },
  {
    name: "RegularExpression paths, headers and query parameters: RE2, whole value, ranked between Exact and PathPrefix",
    host: "regex.test",
    rules: [
      { matches: [exact("/users/42")], backend: "v1" },
      { matches: [{ path: { type: "RegularExpression", value: "/users/[0-9]+" } }], backend: "v2" },
      { matches: [prefix("/users")], backend: "v3" },
      {
        matches: [{ ...prefix("/builds"), headers: [{ name: "x-build", type: "RegularExpression", value: "[0-9]{4}-(beta|rc)" }] }],
        backend: "v2",
      },
      { matches: [prefix("/builds")], backend: "v1" },
      { matches: [{ ...prefix("/q"), queryParams: [{ name: "v", type: "RegularExpression", value: "[0-9]+" }] }], backend: "v3" },
    ],
    cases: [
      { path: "/users/42", want: "v1" },
      { path: "/users/7", want: "v2" },
      { path: "/users/7/orders", want: "v3" },
      { path: "/users/x7", want: "v3" },
      { path: "/users", want: "v3" },
      { path: "/usersx", want: 404 },
      { path: "/builds/1", headers: { "X-Build": "2026-beta" }, want: "v2" },
      { path: "/builds/1", headers: { "x-build": "2026-beta-2" }, want: "v1" },
      { path: "/builds/1", headers: { "x-build": "v2026-rc" }, want: "v1" },
      { path: "/builds/1", headers: { "x-build": `${"9".repeat(8_000)}-rc` }, want: "v1" },
      { path: "/q?v=12", want: "v3" },
      { path: "/q?v=12a", want: 404 },
      { path: "/q?v=", want: 404 },
    ],
  },
  {
    name: "host precedence: exact host, then the longest wildcard suffix, then *; a host without a matching rule falls through",
    host: "api.tiers.test",
    rules: [
      { matches: [prefix("/a")], backend: "v1" },
      { matches: [prefix("/")], backend: "v2", hosts: ["*.tiers.test"] },
      { matches: [prefix("/")], backend: "v3", hosts: ["*.api.tiers.test"] },
      { matches: [prefix("/only-any")], backend: "v3", hosts: ["*"] },
    ],
    cases: [
      { path: "/a/x", want: "v1" },
      { host: "API.Tiers.TEST:8443", path: "/a", want: "v1" },
      { path: "/b", want: "v2" },
      { host: "deep.api.tiers.test", path: "/a", want: "v3" },
      { host: "www.tiers.test", path: "/a", want: "v2" },
      { host: "tiers.test", path: "/a", want: 404 },
      { host: "tiers.test", path: "/only-any/1", want: "v3" },
      { path: "/only-any", want: "v2" },
    ],
  },
];

/** Every suite's rules as Edgeway routes: one route per rule, each match given the rule's hosts. */
function config(origins: Record<string, string>): unknown {
  const routes = SUITES.flatMap((suite, s) =>
    suite.rules.map((rule, r) => {
      const hosts = rule.hosts ?? [suite.host];
      const match = hosts.flatMap((host) => (rule.matches ?? [{}]).map((m) => ({ host, ...m })));
      return { id: `s${s}-rule${r}`, match, pools: [rule.backend] };
    }),
  );
  const backends: Backend[] = ["v1", "v2", "v3"];
  return {
    origins: backends.map((b) => ({ id: ORIGIN_OF[b], url: origins[ORIGIN_OF[b]] })),
    pools: backends.map((b) => ({ id: b, origins: [ORIGIN_OF[b]] })),
    routes,
  };
}

/** Who answered: a backend, "404" when Edgeway found no route, else what came back. */
async function answer(suite: Suite, c: Case): Promise<string> {
  const res = await exports.default.fetch(
    new Request(`http://${c.host ?? suite.host}${c.path}`, { method: c.method ?? "GET", headers: c.headers ?? {} }),
  );
  const text = await res.text();
  const origin = res.headers.get("x-edgeway-origin");
  const backend = (Object.keys(ORIGIN_OF) as Backend[]).find((b) => ORIGIN_OF[b] === origin);
  if (res.status === 200 && backend !== undefined) return backend;
  if (res.status === 404 && origin === null && (c.method === "HEAD" || text.includes("no_route"))) return "404";
  return `${res.status} from ${origin ?? "Edgeway"}: ${text.slice(0, 120)}`;
}

function label(c: Case): string {
  const headers = Object.entries(c.headers ?? {}).map(([k, v]) => `${k}: ${v.length > 20 ? `${v.slice(0, 20)}…` : v}`);
  return `${c.method ?? "GET"} ${c.host ?? ""}${c.path}${headers.length > 0 ? ` [${headers.join(", ")}]` : ""}`;
}

describe("HTTPRoute matching (Gateway API conformance cases)", () => {
  for (const suite of SUITES)
    it(suite.name, async ({ expect }) => {
      await useConfig(config(inject("origins")));
      const got: string[] = [];
      for (const c of suite.cases) got.push(`${label(c)} → ${await answer(suite, c)}`);
      expect(got).toEqual(suite.cases.map((c) => `${label(c)} → ${c.want}`));
    });

  it("refuses two routes whose matches are the same on one host, naming both", async ({ expect }) => {
    const base = config(inject("origins")) as { routes: unknown[] };
    const twin = { id: "twin", match: { host: "exact.test", path: { type: "Exact", value: "/one" } }, pools: ["v2"] };
    const res = await putConfig({ ...base, routes: [...base.routes, twin] });
    expect(res.status).toBe(400);
    const text = await res.text();
    const original = base.routes.findIndex(
      (r) => (r as { id: string }).id === `s${SUITES.findIndex((s) => s.host === "exact.test")}-rule0`,
    );
    expect(text).toContain(`routes[${base.routes.length}].match`);
    expect(text).toContain(`matches the same requests as routes[${original}].match`);
    expect(text).toContain("could never be chosen");
  });
});

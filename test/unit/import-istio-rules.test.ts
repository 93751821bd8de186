/**
 * `edgeway import --from istio`, the routing rules: header, method, query and uri matches
 * carried; rewrite, redirect, direct response, mirrors and header edits as filters; and
 * Istio's first-match-wins order kept under Edgeway's precedence — every imported config
 * is validated and its requests routed by Edgeway's own route table.
 */
import { describe, it } from "vitest";
import type { Config } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { compileRouteTable } from "../../src/routing/match.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import { importIstio } from "../../scripts/lib/import/istio.ts";
import type { ImportResult } from "../../scripts/lib/import/model.ts";

const SERVICES = `kind: EdgewayServiceMap
services:
  svc:
    - { id: a1, url: "http://10.0.0.1:8080", labels: { version: a } }
    - { id: b1, url: "http://10.0.0.2:8080", labels: { version: b } }
  shadow:
    - { id: s1, url: "http://10.0.0.9" }
---
kind: DestinationRule
metadata: { name: svc }
spec: { host: svc, subsets: [{ name: a, labels: { version: a } }, { name: b, labels: { version: b } }] }
`;

function vs(http: string): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: vs }
spec:
  hosts: [svc.example.com]
  http:
${http}
---
${SERVICES}`;
}

/** Imports, and insists the result validates. */
function load(yaml: string): ImportResult & { valid: Config } {
  const result = importIstio(parseDocuments(yaml, "vs.yaml"));
  const valid = validateConfig(result.config);
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues));
  return { ...result, valid: valid.config };
}

interface Req {
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly query?: string;
}

/** The route Edgeway's own route table picks. */
function served(config: Config, req: Req): string | undefined {
  const table = compileRouteTable(config.routes);
  const facts = { method: req.method ?? "GET", headers: new Headers(req.headers ?? {}) };
  return table.match("svc.example.com", req.path, facts, { searchParams: new URLSearchParams(req.query ?? "") })?.route.id;
}

const reasons = (r: ImportResult) => Object.fromEntries(r.dropped.map((d) => [d.path, d.reason]));

describe("Istio matches", () => {
  it("carries uri exact / prefix / regex, headers (exact, prefix, regex, presence), query parameters and methods", ({ expect }) => {
    const r = load(
      vs(`    - name: m
      match:
        - uri: { exact: /login }
          method: { exact: POST }
        - uri: { regex: "/v[0-9]+/.*" }
          headers: { x-env: { prefix: "can.ary" }, x-user: { regex: "u-[0-9]+" }, x-present: {} }
        - uri: { prefix: /api }
          queryParams: { debug: { exact: "1" } }
          method: { regex: "GET|HEAD" }
      route: [{ destination: { host: svc, subset: a } }]`),
    );
    expect(r.dropped).toEqual([]);
    expect(r.config.routes[0]?.match).toEqual([
      { host: "svc.example.com", path: { type: "Exact", value: "/login" }, method: "POST" },
      {
        host: "svc.example.com",
        path: { type: "RegularExpression", value: "/v[0-9]+/.*" },
        headers: [
          { name: "x-env", type: "RegularExpression", value: "can\\.ary.*" },
          { name: "x-user", type: "RegularExpression", value: "u-[0-9]+" },
          { name: "x-present", type: "RegularExpression", value: ".*" },
        ],
      },
      { host: "svc.example.com", pathPrefix: "/api", method: "GET", queryParams: [{ name: "debug", type: "Exact", value: "1" }] },
      { host: "svc.example.com", pathPrefix: "/api", method: "HEAD", queryParams: [{ name: "debug", type: "Exact", value: "1" }] },
    ]);
    expect(served(r.valid, { path: "/v2/x", headers: { "x-env": "can.ary-7", "x-user": "u-12", "x-present": "" } })).toBe("vs-m");
    expect(served(r.valid, { path: "/v2/x", headers: { "x-env": "canXary", "x-user": "u-12", "x-present": "" } })).toBeUndefined();
    expect(served(r.valid, { path: "/api/q", method: "HEAD", query: "debug=1" })).toBe("vs-m");
    expect(served(r.valid, { path: "/api/q", method: "POST", query: "debug=1" })).toBeUndefined();
  });

  it("leaves out (never widens) a match on what Edgeway cannot test, and reports case-insensitive paths and gateways", ({ expect }) => {
    const r = load(
      vs(`    - name: m
      match:
        - uri: { prefix: /a }
          withoutHeaders: { x-debug: {} }
        - uri: { prefix: /b }
          sourceLabels: { app: web }
        - uri: { prefix: /c }
          port: 8080
        - uri: { regex: "(a)\\\\1" }
        - uri: { prefix: /d }
          ignoreUriCase: true
          gateways: [mesh]
      route: [{ destination: { host: svc, subset: a } }]`),
    );
    const why = reasons(r);
    expect(why["spec.http[0].match[0]"]).toMatch(/headers that must be absent.*left out/);
    expect(why["spec.http[0].match[1]"]).toMatch(/calling workload's labels.*left out/);
    expect(why["spec.http[0].match[2]"]).toMatch(/port.*left out/);
    expect(why["spec.http[0].match[3]"]).toMatch(/"\(a\)\\\\1" is not a regular expression Edgeway accepts/);
    expect(why["spec.http[0].match[4].ignoreUriCase"]).toMatch(/case-sensitively/);
    expect(why["spec.http[0].match[4].gateways"]).toMatch(/itself the gateway/);
    expect(r.config.routes[0]?.match).toEqual({ host: "svc.example.com", pathPrefix: "/d" });
    expect(served(r.valid, { path: "/a/x" })).toBeUndefined();
  });
});

describe("Istio's first match wins, under Edgeway's precedence", () => {
  const doc = vs(`    - name: testers
      match: [{ headers: { x-tester: { exact: "yes" } } }]
      route: [{ destination: { host: svc, subset: b } }]
    - name: api
      match: [{ uri: { prefix: /api } }]
      route: [{ destination: { host: svc, subset: a } }]
    - name: health
      match: [{ uri: { exact: /api/health } }]
      route: [{ destination: { host: shadow } }]
    - name: rest
      route: [{ destination: { host: svc, subset: a } }]`);

  it.for([
    { req: { path: "/api/orders", headers: { "x-tester": "yes" } }, entry: "testers", why: "a longer prefix must not steal the testers" },
    { req: { path: "/api/health", headers: { "x-tester": "yes" } }, entry: "testers", why: "nor an exact path" },
    { req: { path: "/", headers: { "x-tester": "yes" } }, entry: "testers", why: "the header outranks the catch-all" },
    { req: { path: "/api/orders" }, entry: "api", why: "no header: the prefix" },
    { req: { path: "/api/health" }, entry: "api", why: "the earlier prefix covers the exact path" },
    { req: { path: "/about" }, entry: "rest", why: "everything else" },
  ])("$req.path → $entry: $why", ({ req, entry }, { expect }) => {
    expect(served(load(doc).valid, req)).toBe(`vs-${entry}`);
  });

  it("gives the earlier entry the overlap as a match of its own, and reports the entry it shadows", ({ expect }) => {
    const r = load(doc);
    expect(r.config.routes.find((x) => x.id === "vs-testers")?.match).toContainEqual({
      host: "svc.example.com",
      pathPrefix: "/api",
      headers: [{ name: "x-tester", type: "Exact", value: "yes" }],
    });
    expect(r.config.routes.map((x) => x.id)).not.toContain("vs-health");
    expect(reasons(r)["spec.http[2].match[0]"]).toMatch(/never reached: spec\.http\[1\]\.match\[0\] comes first/);
  });

  it("reports an overlap it cannot write as one match", ({ expect }) => {
    const r = load(
      vs(`    - name: api
      match: [{ uri: { prefix: /api } }]
      route: [{ destination: { host: svc, subset: a } }]
    - name: versioned
      match: [{ uri: { regex: "/api/v[0-9]+" } }]
      route: [{ destination: { host: svc, subset: b } }]`),
    );
    expect(reasons(r)["spec.http[1].match[0]"]).toMatch(/outranks spec\.http\[0\]\.match\[0\].*Istio to spec\.http\[0\]/);
  });
});

describe("Istio filters", () => {
  it("rewrites a prefix by its matched prefix, an exact path in full, and the authority as the hostname", ({ expect }) => {
    const r = load(
      vs(`    - name: rw
      match: [{ uri: { prefix: /old } }, { uri: { exact: /legacy } }]
      rewrite: { uri: /new, authority: internal.example.com }
      route: [{ destination: { host: svc, subset: a } }]
    - name: regex
      match: [{ uri: { prefix: /r } }]
      rewrite: { uriRegexRewrite: { match: "^/r(.*)", rewrite: "/\\\\1" } }
      route: [{ destination: { host: svc, subset: a } }]`),
    );
    const rewrites = r.config.routes.filter((x) => x.id.startsWith("vs-rw")).map((x) => [x.match, x.filters]);
    expect(rewrites).toEqual([
      [
        { host: "svc.example.com", pathPrefix: "/old" },
        [
          {
            type: "URLRewrite",
            urlRewrite: { hostname: "internal.example.com", path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/new" } },
          },
        ],
      ],
      [
        { host: "svc.example.com", path: { type: "Exact", value: "/legacy" } },
        [
          {
            type: "URLRewrite",
            urlRewrite: { hostname: "internal.example.com", path: { type: "ReplaceFullPath", replaceFullPath: "/new" } },
          },
        ],
      ],
    ]);
    expect(reasons(r)["spec.http[1].rewrite.uriRegexRewrite"]).toMatch(/not by a regular expression/);
  });

  it("keeps the rewrite's result for an overlap placed on an earlier entry", ({ expect }) => {
    const r = load(
      vs(`    - name: all
      match: [{ headers: { x-v2: { exact: "1" } } }]
      rewrite: { uri: /v2 }
      route: [{ destination: { host: svc, subset: b } }]
    - name: api
      match: [{ uri: { prefix: /api } }]
      route: [{ destination: { host: svc, subset: a } }]`),
    );
    const placed = r.config.routes.find((x) => x.id === "vs-all-2");
    expect(placed?.match).toEqual({ host: "svc.example.com", pathPrefix: "/api", headers: [{ name: "x-v2", type: "Exact", value: "1" }] });
    // Istio replaces the entry's prefix "/": /api/x → /v2/api/x, so the placed "/api" becomes "/v2/api".
    expect(placed?.filters).toEqual([
      { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2/api" } } },
    ]);
    expect(served(r.valid, { path: "/api/x", headers: { "x-v2": "1" } })).toBe("vs-all-2");
  });

  it("answers redirects (Istio's default 301, the uri replacing the whole path) and direct responses at the edge", ({ expect }) => {
    const r = load(
      vs(`    - name: moved
      match: [{ uri: { prefix: /old } }]
      redirect: { uri: /new, authority: "www.example.com:8443", scheme: https }
    - name: gone
      match: [{ uri: { prefix: /gone } }]
      redirect: { authority: example.org, redirectCode: 399 }
    - name: maint
      match: [{ uri: { prefix: /maint } }]
      directResponse: { status: 503, body: { string: "back soon" } }
    - name: bytes
      match: [{ uri: { prefix: /b } }]
      directResponse: { status: 200, body: { bytes: "aGVsbG8=" } }
    - route: [{ destination: { host: shadow } }]`),
    );
    const byId = Object.fromEntries(r.config.routes.map((x) => [x.id, x]));
    expect(byId["vs-moved"]).toMatchObject({
      pools: [],
      filters: [
        {
          type: "RequestRedirect",
          requestRedirect: {
            path: { type: "ReplaceFullPath", replaceFullPath: "/new" },
            hostname: "www.example.com",
            port: 8443,
            scheme: "https",
            statusCode: 301,
          },
        },
      ],
    });
    expect(byId["vs-gone"]?.filters).toEqual([{ type: "RequestRedirect", requestRedirect: { hostname: "example.org", statusCode: 301 } }]);
    expect(reasons(r)["spec.http[1].redirect.redirectCode"]).toMatch(/399 is not a redirect code/);
    expect(byId["vs-maint"]).toMatchObject({
      pools: [],
      filters: [{ type: "FixedResponse", fixedResponse: { statusCode: 503, body: "back soon" } }],
    });
    expect(byId["vs-bytes"]?.filters).toEqual([{ type: "FixedResponse", fixedResponse: { statusCode: 200, body: "hello" } }]);
  });

  it("mirrors with mirrorPercentage and mirrors[], to a copy of the pool when it is the route's own", ({ expect }) => {
    const r = load(
      vs(`    - name: m
      route: [{ destination: { host: svc, subset: a } }]
      mirror: { host: shadow }
      mirrorPercentage: { value: 12.5 }
      mirrors:
        - destination: { host: svc, subset: a }
          percentage: { value: 5 }`),
    );
    expect(r.dropped).toEqual([]);
    expect(r.config.routes[0]?.filters).toEqual([
      { type: "RequestMirror", requestMirror: { pool: "shadow", percent: 12.5 } },
      { type: "RequestMirror", requestMirror: { pool: "svc-a-mirror", percent: 5 } },
    ]);
    const pools = Object.fromEntries(r.config.pools.map((p) => [p.id, p.origins]));
    expect(pools["svc-a-mirror"]).toEqual(pools["svc-a"]);
  });

  it("edits headers per entry and per destination, and leaves out edits of headers Edgeway owns", ({ expect }) => {
    const r = load(
      vs(`    - name: h
      headers:
        request: { set: { x-a: "1", x-request-id: forged }, add: { x-b: "2" }, remove: [x-c] }
        response: { set: { cache-control: no-store } }
      route:
        - destination: { host: svc, subset: a }
          weight: 80
          headers: { response: { add: { x-pool: a } } }
        - destination: { host: svc, subset: b }
          weight: 20`),
    );
    const route = r.config.routes[0];
    expect(route?.filters).toEqual([
      {
        type: "RequestHeaderModifier",
        requestHeaderModifier: { set: [{ name: "x-a", value: "1" }], add: [{ name: "x-b", value: "2" }], remove: ["x-c"] },
      },
      { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "cache-control", value: "no-store" }] } },
    ]);
    expect(route?.poolFilters).toEqual({
      "svc-a": [{ type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "x-pool", value: "a" }] } }],
    });
    expect(route).toMatchObject({ steering: "weighted", weights: { "svc-a": 80, "svc-b": 20 } });
    expect(reasons(r)["spec.http[0].headers.request.set.x-request-id"]).toMatch(/request's id.*left out/);
  });

  it("reports a delegate, and reads objects from a kubectl List", ({ expect }) => {
    const list = `apiVersion: v1
kind: List
items:
  - apiVersion: networking.istio.io/v1
    kind: VirtualService
    metadata: { name: vs, namespace: default, resourceVersion: "1" }
    spec:
      hosts: [svc.example.com]
      http:
        - delegate: { name: other }
        - route: [{ destination: { host: shadow } }]
---
${SERVICES}`;
    const r = load(list);
    expect(r.config.routes.map((x) => x.pools)).toEqual([["shadow"]]);
    expect(r.dropped.map((d) => `${d.source} ${d.path}`)).toContain("vs.yaml#1#items[0] spec.http[0].delegate");
  });
});

/** Validation of routing rules: each bad match or filter is refused with its path and reason, and nothing half-valid passes. */
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";

function doc(
  routes: unknown[],
  pools: unknown[] = [
    { id: "p", origins: ["o"] },
    { id: "shadow", origins: ["o"] },
  ],
): unknown {
  return { origins: [{ id: "o", url: "http://127.0.0.1:9" }], pools, routes };
}

function issues(routes: unknown[]): { path: string; message: string }[] {
  const result = validateConfig(doc(routes));
  return result.ok ? [] : [...result.issues];
}

describe("routing rules validation", () => {
  it("accepts a route with every kind of match and filter", () => {
    const result = validateConfig(
      doc([
        {
          id: "full",
          pools: ["p"],
          match: [
            {
              host: "api.example.com",
              path: { type: "PathPrefix", value: "/v1" },
              method: "GET",
              headers: [{ name: "x-tester", value: "yes" }],
              queryParams: [{ name: "v", type: "RegularExpression", value: "[0-9]+" }],
            },
            { host: "api.example.com", pathPrefix: "/v1beta" },
          ],
          filters: [
            { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-a", value: "1" }], remove: ["x-b"] } },
            { type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "x-c", value: "2" }] } },
            {
              type: "URLRewrite",
              urlRewrite: { hostname: "internal.example.com", path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/v2" } },
            },
            { type: "RequestMirror", requestMirror: { pool: "shadow", percent: 10 } },
          ],
          poolFilters: { p: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-pool", value: "p" }] } }] },
        },
        {
          id: "moved",
          match: { host: "old.example.com" },
          filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "new.example.com", statusCode: 301 } }],
        },
        {
          id: "maintenance",
          match: { host: "down.example.com" },
          filters: [{ type: "FixedResponse", fixedResponse: { statusCode: 503, body: "back soon" } }],
        },
      ]),
    );
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  const cases: { name: string; route: unknown; path: string; message: RegExp }[] = [
    {
      name: "a back-reference",
      route: { id: "r", pools: ["p"], match: { path: { type: "RegularExpression", value: "/(a)\\1" } } },
      path: "routes[0].match.path.value",
      message: /back-references/,
    },
    {
      name: "look-ahead",
      route: { id: "r", pools: ["p"], match: { headers: [{ name: "x", type: "RegularExpression", value: "(?=a)a" }] } },
      path: "routes[0].match.headers[0].value",
      message: /look-around/,
    },
    {
      name: "a pattern over the length bound",
      route: { id: "r", pools: ["p"], match: { queryParams: [{ name: "q", type: "RegularExpression", value: "a".repeat(1025) }] } },
      path: "routes[0].match.queryParams[0].value",
      message: /at most 1024/,
    },
    {
      name: "an invalid header name",
      route: { id: "r", pools: ["p"], match: { headers: [{ name: "x y", value: "1" }] } },
      path: "routes[0].match.headers[0].name",
      message: /header name/,
    },
    {
      name: "a header value with a line break",
      route: {
        id: "r",
        pools: ["p"],
        filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-a", value: "1\r\nx-b: 2" }] } }],
      },
      path: "routes[0].filters[0].requestHeaderModifier.set[0].value",
      message: /line break/,
    },
    {
      name: "a filter on Edgeway's own header",
      route: { id: "r", pools: ["p"], filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { remove: ["X-Request-Id"] } }] },
      path: "routes[0].filters[0].responseHeaderModifier.remove[0]",
      message: /request's id/,
    },
    {
      name: "a filter on a hop-by-hop header",
      route: {
        id: "r",
        pools: ["p"],
        filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "connection", value: "close" }] } }],
      },
      path: "routes[0].filters[0].requestHeaderModifier.set[0].name",
      message: /connection-specific/,
    },
    {
      name: "a mirror to the route's own pool",
      route: { id: "r", pools: ["p"], filters: [{ type: "RequestMirror", requestMirror: { pool: "p" } }] },
      path: "routes[0].filters[0].requestMirror.pool",
      message: /already serves this route/,
    },
    {
      name: "a mirror to an unknown pool",
      route: { id: "r", pools: ["p"], filters: [{ type: "RequestMirror", requestMirror: { pool: "nope" } }] },
      path: "routes[0].filters[0].requestMirror.pool",
      message: /unknown pool/,
    },
    {
      name: "ReplacePrefixMatch on an Exact match",
      route: {
        id: "r",
        pools: ["p"],
        match: { path: { type: "Exact", value: "/a" } },
        filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/b" } } }],
      },
      path: "routes[0].filters[0].urlRewrite.path",
      message: /PathPrefix/,
    },
    {
      name: "a redirect and a rewrite together",
      route: {
        id: "r",
        pools: ["p"],
        filters: [
          { type: "RequestRedirect", requestRedirect: { hostname: "x.example.com" } },
          { type: "URLRewrite", urlRewrite: { hostname: "y.example.com" } },
        ],
      },
      path: "routes[0].filters[1]",
      message: /no effect/,
    },
    {
      name: "two header modifiers of one kind",
      route: {
        id: "r",
        pools: ["p"],
        filters: [
          { type: "RequestHeaderModifier", requestHeaderModifier: {} },
          { type: "RequestHeaderModifier", requestHeaderModifier: {} },
        ],
      },
      path: "routes[0].filters[1]",
      message: /a second RequestHeaderModifier/,
    },
    { name: "no pools and no answer", route: { id: "r", pools: [] }, path: "routes[0].pools", message: /at least one pool/ },
    {
      name: "a fixed response body over its bound",
      route: { id: "r", filters: [{ type: "FixedResponse", fixedResponse: { body: "x".repeat(65_537) } }] },
      path: "routes[0].filters[0].fixedResponse.body",
      message: /65536 bytes/,
    },
    {
      name: "a redirect status that is not a redirect",
      route: { id: "r", filters: [{ type: "RequestRedirect", requestRedirect: { statusCode: 200 } }] },
      path: "routes[0].filters[0].requestRedirect.statusCode",
      message: /./,
    },
    {
      name: "a rewrite path with a query string",
      route: {
        id: "r",
        pools: ["p"],
        filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: "/a?b=c" } } }],
      },
      path: "routes[0].filters[0].urlRewrite.path",
      message: /no query string/,
    },
    {
      name: "poolFilters for a pool the route does not use",
      route: { id: "r", pools: ["p"], poolFilters: { shadow: [{ type: "RequestHeaderModifier", requestHeaderModifier: {} }] } },
      path: "routes[0].poolFilters.shadow",
      message: /not one of this route's pools/,
    },
    {
      name: "path and pathPrefix together",
      route: { id: "r", pools: ["p"], match: { pathPrefix: "/a", path: { type: "Exact", value: "/a" } } },
      path: "routes[0].match.pathPrefix",
      message: /not both/,
    },
    {
      name: "one header matched twice",
      route: {
        id: "r",
        pools: ["p"],
        match: {
          headers: [
            { name: "X-A", value: "1" },
            { name: "x-a", value: "2" },
          ],
        },
      },
      path: "routes[0].match.headers[1].name",
      message: /matched twice/,
    },
  ];
  for (const c of cases)
    it(`refuses ${c.name}`, () => {
      const found = issues([c.route]);
      expect(found.map((i) => i.path)).toContain(c.path);
      expect(found.find((i) => i.path === c.path)?.message).toMatch(c.message);
    });

  it("refuses two routes with identical matches on one host, in any order of headers", () => {
    const found = issues([
      {
        id: "a",
        pools: ["p"],
        match: {
          host: "Api.Example.com",
          pathPrefix: "/x/",
          headers: [
            { name: "x-a", value: "1" },
            { name: "x-b", value: "2" },
          ],
        },
      },
      {
        id: "b",
        pools: ["p"],
        match: [
          { host: "other.example.com" },
          {
            host: "api.example.com",
            pathPrefix: "/x",
            headers: [
              { name: "X-B", value: "2" },
              { name: "x-a", value: "1" },
            ],
          },
        ],
      },
    ]);
    expect(found).toContainEqual({
      path: "routes[1].match[1]",
      message: 'matches the same requests as routes[0].match on host "api.example.com": it could never be chosen',
    });
  });

  it("a config whose every route answers itself needs no origin or pool", () => {
    const result = validateConfig({
      origins: [],
      pools: [],
      routes: [{ id: "moved", filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "new.example.com", statusCode: 308 } }] }],
    });
    expect(result.ok ? [] : result.issues).toEqual([]);
  });

  it("a pool with no origins is refused unless it takes them from DNS", () => {
    const found = validateConfig({ origins: [], pools: [{ id: "p", origins: [] }], routes: [{ id: "r", pools: ["p"] }] });
    expect(found.ok ? [] : found.issues).toContainEqual({
      path: "pools[0].origins",
      message: "a pool needs at least one origin, unless it takes its origins from DNS (discovery)",
    });
    const dnsOnly = validateConfig({
      origins: [],
      pools: [
        {
          id: "p",
          origins: [],
          minHealthy: 2,
          discovery: [{ dns: { name: "api.internal.example", port: 8080, addresses: ["10.0.0.0/8"] } }],
        },
      ],
      routes: [{ id: "r", pools: ["p"] }],
    });
    expect(dnsOnly.ok ? [] : dnsOnly.issues).toEqual([]);
  });

  it("keeps two routes that differ only in their method", () => {
    const found = issues([
      { id: "a", pools: ["p"], match: { pathPrefix: "/x", method: "GET" } },
      { id: "b", pools: ["p"], match: { pathPrefix: "/x", method: "POST" } },
    ]);
    expect(found).toEqual([]);
  });
});

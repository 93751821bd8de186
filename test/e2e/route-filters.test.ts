/**
 * End to end: a route's filters as the Gateway API's conformance tests exercise them —
 * request and response header edits (per route and per pool), path and host rewrites,
 * redirects and fixed responses answered at the edge, and which stages a route's plan
 * holds — served by workerd against real echo origins on 127.0.0.1 (f1 in pool blue, f2 in
 * green, f3 in shadow). Mirrors: route-mirror.test.ts.
 */
import { describe, inject, it } from "vitest";
import { admin, originRequests, proxied, setOriginMode, useConfig } from "../worker/helpers.ts";
import { echoOf, filterConfig, planOf } from "./route-filters-helpers.ts";

function urls(): { f1: string; f2: string; f3: string } {
  const all = inject("origins");
  return { f1: all.f1 ?? "", f2: all.f2 ?? "", f3: all.f3 ?? "" };
}

function config(routes: unknown[]): unknown {
  return filterConfig(urls(), { blue: "f1", green: "f2", shadow: "f3" }, routes);
}

describe("header edits", () => {
  it("RequestHeaderModifier sets, appends to and removes the headers the origin gets", async ({ expect }) => {
    await useConfig(
      config([
        {
          id: "req-headers",
          pools: ["blue"],
          filters: [
            {
              type: "RequestHeaderModifier",
              requestHeaderModifier: {
                set: [{ name: "X-Header-Set", value: "set-overwrites-values" }],
                add: [{ name: "X-Header-Add", value: "add-appends-values" }],
                remove: ["X-Header-Remove"],
              },
            },
          ],
        },
      ]),
    );
    const { echo } = await echoOf("/", {
      headers: { "x-header-set": "some-other-value", "x-header-add": "request-val", "x-header-remove": "gone", "x-kept": "1" },
    });
    expect(echo.headers["x-header-set"]).toBe("set-overwrites-values");
    expect(echo.headers["x-header-add"]).toBe("request-val, add-appends-values");
    expect(echo.headers["x-header-remove"]).toBeUndefined();
    expect(echo.headers["x-kept"]).toBe("1");
    // Edgeway's own fields keep their rules.
    expect(echo.headers["x-forwarded-host"]).toBe("app.test");
    expect(echo.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);

    const bare = await echoOf("/");
    expect(bare.echo.headers["x-header-set"]).toBe("set-overwrites-values");
    expect(bare.echo.headers["x-header-add"]).toBe("add-appends-values");
  });

  it("ResponseHeaderModifier edits the client's response, with exposeOrigin on and off", async ({ expect }) => {
    for (const exposeOrigin of [true, false]) {
      await useConfig(
        config([
          {
            id: "resp-headers",
            pools: ["blue"],
            exposeOrigin,
            filters: [
              {
                type: "ResponseHeaderModifier",
                responseHeaderModifier: {
                  set: [{ name: "X-Header-Set", value: "set-val" }],
                  add: [{ name: "Cache-Control", value: "no-store" }],
                  remove: ["X-Origin-Id"],
                },
              },
            ],
          },
        ]),
      );
      const { res, echo } = await echoOf("/r");
      expect(echo.origin).toBe("f1");
      expect(res.headers.get("x-origin-id"), `exposeOrigin ${exposeOrigin}`).toBeNull();
      expect(res.headers.get("x-header-set")).toBe("set-val");
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
      expect(res.headers.get("x-edgeway-origin")).toBe(exposeOrigin ? "f1" : null);
    }
  });

  it("poolFilters edit each try for the pool it goes to, and the response for the pool that answered", async ({ expect }) => {
    const edits = (pool: string) => [
      { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "X-Pool", value: pool }] } },
      { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "X-Served-Pool", value: pool }] } },
    ];
    await useConfig(config([{ id: "per-pool", pools: ["blue", "green"], poolFilters: { blue: edits("blue"), green: edits("green") } }]));
    const first = await echoOf("/p", { headers: { "x-pool": "client" } });
    expect(first.echo.origin).toBe("f1");
    expect(first.echo.headers["x-pool"]).toBe("client, blue");
    expect(first.res.headers.get("x-served-pool")).toBe("blue");

    // blue answers 503: the retry goes to green with green's edits only (blue's were put back).
    await setOriginMode(urls().f1, "fail");
    try {
      const retried = await echoOf("/p", { headers: { "x-pool": "client" } });
      expect(retried.echo.origin).toBe("f2");
      expect(retried.res.headers.get("x-edgeway-tries")).toBe("2");
      expect(retried.echo.headers["x-pool"]).toBe("client, green");
      expect(retried.res.headers.get("x-served-pool")).toBe("green");
    } finally {
      await setOriginMode(urls().f1, "ok");
    }
  });
});

describe("URLRewrite", () => {
  it.for<[string, string, string]>([
    // Gateway API conformance, HTTPRouteRewritePath.
    ["/prefix/one/two", "/one/two", ""],
    ["/prefix/one", "/one", ""],
    ["/full/rewrite-path", "/one", ""],
    ["/strip-prefix/three", "/three", ""],
    ["/strip-prefix", "/", ""],
    ["/prefix/one/two?a=1&b=2", "/one/two", "?a=1&b=2"],
  ])("%s reaches the origin as %s", async ([path, expectedPath, expectedQuery], { expect }) => {
    await useConfig(
      config([
        {
          id: "prefix",
          match: { pathPrefix: "/prefix/one" },
          pools: ["blue"],
          filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/one" } } }],
        },
        {
          id: "full",
          match: { pathPrefix: "/full" },
          pools: ["blue"],
          filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: "/one" } } }],
        },
        {
          id: "strip",
          match: { pathPrefix: "/strip-prefix" },
          pools: ["blue"],
          filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } }],
        },
      ]),
    );
    const { echo } = await echoOf(path);
    expect(echo.path).toBe(expectedPath);
    expect(echo.query).toBe(expectedQuery);
  });

  it("a rewritten hostname leaves X-Forwarded-Host the client's (locally an IP origin still sees its own Host)", async ({ expect }) => {
    await useConfig(
      config([
        {
          id: "host",
          pools: ["blue"],
          filters: [
            { type: "URLRewrite", urlRewrite: { hostname: "one.example.org" } },
            { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "X-Rewritten", value: "yes" }] } },
          ],
        },
      ]),
    );
    const { echo } = await echoOf("/h/x");
    expect(echo.path).toBe("/h/x");
    expect(echo.headers["x-forwarded-host"]).toBe("app.test");
    expect(echo.headers["x-rewritten"]).toBe("yes");
    expect(echo.headers.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});

describe("answered at the edge", () => {
  const redirect = (id: string, prefix: string, requestRedirect: Record<string, unknown>, pools: string[] = []) => ({
    id,
    match: { pathPrefix: prefix },
    pools,
    filters: [{ type: "RequestRedirect", requestRedirect }],
  });

  it.for<[string, number, string]>([
    // Gateway API conformance: HTTPRouteRedirectHostAndStatus, Port, Scheme, Path.
    ["/hostname-redirect", 302, "http://example.org/hostname-redirect"],
    ["/host-and-status", 301, "http://example.org/host-and-status"],
    ["/port", 302, "http://app.test:8083/port"],
    ["/scheme", 302, "https://app.test/scheme"],
    ["/scheme-and-port", 302, "https://app.test:8443/scheme-and-port"],
    ["/original-prefix/lemon?x=1", 302, "http://app.test/replacement-prefix/lemon?x=1"],
    ["/full-path", 308, "http://app.test/full-path-replacement"],
  ])("%s redirects with %i to %s, and no origin is contacted", async ([path, status, location], { expect }) => {
    await useConfig(
      config([
        redirect("hostname", "/hostname-redirect", { hostname: "example.org" }),
        redirect("host-and-status", "/host-and-status", { hostname: "example.org", statusCode: 301 }, ["blue"]),
        redirect("port", "/port", { port: 8083 }),
        redirect("scheme", "/scheme", { scheme: "https" }),
        redirect("scheme-and-port", "/scheme-and-port", { scheme: "https", port: 8443 }),
        redirect("prefix", "/original-prefix", { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/replacement-prefix" } }),
        redirect("full", "/full-path", { path: { type: "ReplaceFullPath", replaceFullPath: "/full-path-replacement" }, statusCode: 308 }),
      ]),
    );
    const before = await originRequests(urls().f1);
    const res = await proxied(path, { redirect: "manual", headers: { "x-request-id": "redirect-id-1" } });
    expect(await res.text()).toBe("");
    expect(res.status).toBe(status);
    expect(res.headers.get("location")).toBe(location);
    expect(res.headers.get("x-request-id")).toBe("redirect-id-1");
    expect(await originRequests(urls().f1)).toBe(before);
  });

  it("a fixed response: status, body, default content type, the route's response edits, the request's id", async ({ expect }) => {
    await useConfig(
      config([
        {
          id: "maintenance",
          match: { pathPrefix: "/maintenance" },
          pools: [],
          filters: [
            { type: "FixedResponse", fixedResponse: { statusCode: 503, body: "Down for maintenance — back soon\n" } },
            { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "Retry-After", value: "120" }] } },
          ],
        },
        {
          id: "moved",
          match: { pathPrefix: "/moved" },
          filters: [{ type: "FixedResponse", fixedResponse: { statusCode: 301, location: "https://example.com/new" } }],
        },
      ]),
    );
    const before = await originRequests(urls().f1);
    for (let i = 0; i < 2; i++) {
      const res = await proxied("/maintenance/page");
      expect(await res.text()).toBe("Down for maintenance — back soon\n");
      expect(res.status).toBe(503);
      expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
      expect(res.headers.get("retry-after")).toBe("120");
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);
    }
    const moved = await proxied("/moved", { redirect: "manual" });
    expect(moved.status).toBe(301);
    expect(moved.headers.get("location")).toBe("https://example.com/new");
    expect(moved.headers.get("content-type")).toBeNull();
    expect(await moved.text()).toBe("");
    expect(await originRequests(urls().f1)).toBe(before);
    expect(await planOf("/maintenance")).toEqual(["identity", "fixed response"]);
    // Counted, as requests answered at the edge by route and status (metrics are per isolate: the test's own).
    const metrics = await (await admin("/metrics")).text();
    expect(metrics).toMatch(/^edgeway_edge_answers_total\{route="maintenance",status="503"\} 2$/m);
    expect(metrics).toMatch(/^edgeway_edge_answers_total\{route="moved",status="301"\} 1$/m);
  });
});

describe("the plan holds a filter's stage only on the routes that use it", () => {
  it("in the order the request meets them", async ({ expect }) => {
    await useConfig(
      config([
        { id: "plain", match: { pathPrefix: "/plain" }, pools: ["blue"] },
        {
          id: "everything",
          match: { pathPrefix: "/everything" },
          pools: ["blue"],
          filters: [
            { type: "ResponseHeaderModifier", responseHeaderModifier: { add: [{ name: "X-A", value: "1" }] } },
            { type: "RequestMirror", requestMirror: { pool: "shadow" } },
            { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "X-B", value: "1" }] } },
            { type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: "/" } } },
          ],
        },
        {
          id: "redirect",
          match: { pathPrefix: "/redirect" },
          filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https" } }],
        },
        {
          id: "never-mirrored",
          match: { pathPrefix: "/never" },
          pools: ["blue"],
          filters: [{ type: "RequestMirror", requestMirror: { pool: "shadow", percent: 0 } }],
        },
      ]),
    );
    const core = ["identity", "client (debug geo)", "health", "websocket", "steer", "forward", "websocket relay", "respond", "record"];
    expect(await planOf("/plain")).toEqual(core);
    expect(await planOf("/never")).toEqual(core);
    expect(await planOf("/everything")).toEqual([
      "identity",
      "client (debug geo)",
      "health",
      "websocket",
      "steer",
      "rewrite",
      "request headers",
      "forward",
      "mirror",
      "websocket relay",
      "response headers",
      "respond",
      "record",
    ]);
    expect(await planOf("/redirect")).toEqual(["identity", "redirect"]);
  });
});

/**
 * `import --from cloudflare` of load balancing rules and `export --to cloudflare` back:
 * a load balancer as Cloudflare's API returns it (envelope and every field), its rules as
 * routes (path condition with overrides, header condition, fixed-response maintenance,
 * a disabled rule, a condition outside the subset), where Cloudflare's rule order and
 * Edgeway's precedence part ways, and the round trip.
 */
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import type { Config } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { compileRouteTable } from "../../src/routing/match.ts";
import { exportCloudflare } from "../../scripts/lib/import/cloudflare-export.ts";
import { importCloudflare } from "../../scripts/lib/import/cloudflare.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import type { SourceDocument } from "../../scripts/lib/import/model.ts";

const US = "17b5962d775c646f3f9725cbc7a53df4";
const EU = "9290f38c5d07c2e2f4df57b1f61d4196";
const AP = "4c2d3f0e6b1a49d8a7f6e5d4c3b2a190";

/** A rule with every field Cloudflare's API returns. */
function rule(fields: Record<string, unknown>): Record<string, unknown> {
  return { name: "", condition: "", disabled: false, fixed_response: null, overrides: null, priority: 0, terminates: false, ...fields };
}

/** A load balancer as GET /zones/:zone/load_balancers returns it, every field present. */
function loadBalancer(
  name: string,
  rules: readonly Record<string, unknown>[],
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: `lb-${name}`,
    created_on: "2026-01-20T09:30:00.000000Z",
    modified_on: "2026-06-02T08:05:00.000000Z",
    name,
    description: "",
    enabled: true,
    ttl: 30,
    proxied: true,
    zone_name: "example.com",
    fallback_pool: US,
    default_pools: [US, EU],
    region_pools: {},
    country_pools: {},
    pop_pools: {},
    steering_policy: "off",
    random_steering: null,
    session_affinity: "cookie",
    session_affinity_ttl: 3600,
    session_affinity_attributes: { zero_downtime_failover: "temporary" },
    rules,
    ...fields,
  };
}

function envelope(result: unknown[]): Record<string, unknown> {
  return {
    success: true,
    errors: [],
    messages: [],
    result,
    result_info: { page: 1, per_page: 25, count: result.length, total_count: result.length, total_pages: 1 },
  };
}

const POOLS_AND_MONITORS = ["monitors", "pools"].map((f) => `examples/import/cloudflare/${f}.json`);

function importWith(...lbs: Record<string, unknown>[]) {
  const docs: SourceDocument[] = [
    ...POOLS_AND_MONITORS.flatMap((f) => parseDocuments(readFileSync(f, "utf8"), f)),
    { source: "lbs.json", value: envelope(lbs) },
  ];
  const result = importCloudflare(docs);
  const valid = validateConfig(result.config);
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues));
  const about = (path: string) => result.dropped.filter((d) => d.path.startsWith(path));
  return { result, config: valid.config, about };
}

const SHOP_RULES = [
  rule({
    name: "blog",
    condition: 'http.request.uri.path contains "/blog"',
    priority: 10,
    terminates: true,
    overrides: {
      default_pools: [EU],
      fallback_pool: EU,
      steering_policy: "random",
      random_steering: { pool_weights: {}, default_weight: 1 },
    },
  }),
  rule({
    name: "testers",
    condition: 'any(http.request.headers["x-tester"][*] == "yes")',
    priority: 20,
    terminates: true,
    overrides: { default_pools: [AP], fallback_pool: AP, session_affinity: "none", region_pools: {}, location_strategy: null },
  }),
  rule({
    name: "maintenance",
    condition: 'http.request.uri.path eq "/checkout" or starts_with(http.request.uri.path, "/checkout/")',
    priority: 5,
    terminates: true,
    fixed_response: { status_code: 503, content_type: "text/html", message_body: "<h1>Back soon</h1>", location: "" },
    overrides: {},
  }),
  rule({
    name: "legacy",
    condition: 'starts_with(http.request.uri.path, "/v1/")',
    priority: 30,
    disabled: true,
    overrides: { default_pools: [AP] },
  }),
  rule({
    name: "office",
    condition: 'http.request.uri.path eq "/intranet" and ip.src in {192.0.2.0/24}',
    priority: 40,
    terminates: true,
    overrides: { default_pools: [EU] },
  }),
];

describe("load balancing rules as routes", () => {
  it("imports each enabled rule as a route on the host, in priority order, the load balancer's route last", ({ expect }) => {
    const { config } = importWith(loadBalancer("shop.example.com", SHOP_RULES));
    expect(config.routes.map((r) => r.id)).toEqual(["maintenance", "blog", "testers", "shop.example.com"]);
    const [maintenance, blog, testers, lb] = config.routes;
    expect(maintenance).toMatchObject({
      match: { host: "shop.example.com", path: { type: "PathPrefix", value: "/checkout" } },
      pools: [],
      filters: [{ type: "FixedResponse", fixedResponse: { statusCode: 503, contentType: "text/html", body: "<h1>Back soon</h1>" } }],
    });
    // The overrides sit on top of the load balancer's fields: affinity is inherited.
    expect(blog).toMatchObject({
      match: { host: "shop.example.com", path: { type: "RegularExpression", value: ".*/blog.*" } },
      pools: ["eu-west"],
      fallbackPool: "eu-west",
      steering: "weighted",
      weights: { "eu-west": 1 },
      affinity: { type: "cookie", ttlSeconds: 3600, onFailure: "temporary" },
    });
    expect(testers).toMatchObject({
      match: { headers: [{ name: "x-tester", type: "Exact", value: "yes" }] },
      pools: ["apac"],
      fallbackPool: "apac",
    });
    expect(testers?.affinity).toBeUndefined();
    expect(lb).toMatchObject({ match: { host: "shop.example.com", pathPrefix: "/" }, pools: ["us-east", "eu-west"], steering: "failover" });
  });

  it("routes requests as the rules say, for requests Cloudflare and Edgeway agree on", ({ expect }) => {
    const { config } = importWith(loadBalancer("shop.example.com", SHOP_RULES));
    const table = compileRouteTable(config.routes);
    const pick = (path: string, headers: Record<string, string> = {}) =>
      table.match("shop.example.com", path, { method: "GET", headers: new Headers(headers) }, new URL(`https://x${path}`))?.route.id;
    expect(pick("/checkout/pay")).toBe("maintenance");
    expect(pick("/en/blog/post-1")).toBe("blog");
    expect(pick("/", { "x-tester": "yes" })).toBe("testers");
    expect(pick("/", { "x-tester": "no" })).toBe("shop.example.com");
    expect(pick("/v1/orders")).toBe("shop.example.com");
  });

  it("reports the disabled rule and the condition outside the subset with the part it could not read", ({ expect }) => {
    const { about } = importWith(loadBalancer("shop.example.com", SHOP_RULES));
    expect(about("result[0].rules[3]")).toEqual([
      { source: "lbs.json", path: "result[0].rules[3].disabled", reason: 'rule "legacy" is disabled: not imported' },
    ]);
    const [office] = about("result[0].rules[4]");
    expect(office?.path).toBe("result[0].rules[4].condition");
    expect(office?.reason).toMatch(
      /^characters 42–65 "ip\.src in \{192\.0\.2\.0\/24\}": ip\.src is not a field .*; rule "office" was left out$/,
    );
  });

  it("reports where Edgeway's precedence picks another rule than Cloudflare's order", ({ expect }) => {
    const { about } = importWith(loadBalancer("shop.example.com", SHOP_RULES));
    // /checkout/blog: Cloudflare answers with the maintenance page (priority 5, terminates); Edgeway ranks the pattern first.
    expect(about("result[0].rules[0]")).toEqual([
      {
        source: "lbs.json",
        path: "result[0].rules[0]",
        reason:
          'a request that meets both rule "maintenance" (http.request.uri.path eq "/checkout" or starts_with(http.request.uri.path, "/checkout/")) and this rule (http.request.uri.path matches r"/blog"): Cloudflare applies rule "maintenance", which comes first and terminates; Edgeway applies only this rule (Gateway API precedence: regular expression path)',
      },
    ]);
    // blog before testers in both orders: nothing to report.
    expect(about("result[0].rules[1]")).toEqual([]);
  });

  it("reports rules that do not terminate when Cloudflare would combine their overrides", ({ expect }) => {
    const beta = rule({ name: "beta", condition: 'http.cookie contains "beta=1"', priority: 1, overrides: { session_affinity: "none" } });
    const blog = rule({
      name: "blog",
      condition: 'http.request.uri.path eq "/blog"',
      priority: 2,
      terminates: true,
      overrides: { default_pools: [EU] },
    });
    const { about } = importWith(loadBalancer("shop.example.com", [beta, blog]));
    expect(about("result[0].rules[1]").map((d) => d.reason)).toEqual([
      'a request that meets both rule "beta" (any(http.request.headers["cookie"][*] matches r"beta=1")) and this rule (http.request.uri.path eq "/blog"): Cloudflare applies rule "beta" and then this rule on top of it; Edgeway applies only this rule (Gateway API precedence: exact path)',
    ]);
    // When the later rule overrides the same fields, combining changes nothing: not reported.
    const pools = rule({ name: "pools", condition: 'http.cookie contains "beta=1"', priority: 1, overrides: { default_pools: [AP] } });
    expect(importWith(loadBalancer("shop.example.com", [pools, blog])).about("result[0].rules[1]")).toEqual([]);
  });

  it("lets a rule that takes every request and terminates replace the load balancer's route, and reports the rules after it", ({
    expect,
  }) => {
    const down = rule({ name: "down", condition: "", priority: 1, fixed_response: { status_code: 503, message_body: "down" } });
    const later = rule({
      name: "later",
      condition: 'http.request.uri.path eq "/x"',
      priority: 2,
      terminates: true,
      overrides: { default_pools: [EU] },
    });
    const { config, about } = importWith(loadBalancer("shop.example.com", [later, down]));
    expect(config.routes.map((r) => [r.id, r.match])).toEqual([["down", { host: "shop.example.com" }]]);
    expect(about("result[0].rules[0]").map((d) => d.reason)).toEqual([
      'never applied: rule "down" comes first, takes every request and terminates; not imported',
    ]);
  });

  it("keeps one route for two rules with the same condition, reporting the second", ({ expect }) => {
    const a = rule({
      name: "a",
      condition: 'http.request.method eq "POST"',
      priority: 1,
      terminates: true,
      overrides: { default_pools: [EU] },
    });
    const b = rule({
      name: "b",
      condition: 'http.request.method == "POST"',
      priority: 2,
      terminates: true,
      overrides: { default_pools: [AP] },
    });
    const { config, about } = importWith(loadBalancer("shop.example.com", [a, b]));
    expect(config.routes.map((r) => r.id)).toEqual(["a", "shop.example.com"]);
    expect(about("result[0].rules[1]").map((d) => d.reason)).toEqual([
      'never applies on its own: rule "a" has the same condition and comes first; not imported',
    ]);
  });

  it("reports nothing for empty rules, null overrides and empty fixed responses, and imports a rule with no name", ({ expect }) => {
    const { result, config } = importWith(
      loadBalancer("a.example.com", []),
      loadBalancer("b.example.com", [
        rule({
          condition: 'http.request.uri.path eq "/x"',
          terminates: true,
          overrides: { default_pools: [EU], country_pools: {}, ttl: null },
        }),
      ]),
    );
    expect(result.dropped.filter((d) => d.path.includes("rules"))).toEqual([]);
    expect(config.routes.map((r) => r.id)).toEqual(["a.example.com", "b.example.com-rule-1", "b.example.com"]);
  });

  it("reports overrides with no Edgeway equivalent, and rules on a geo-steered load balancer", ({ expect }) => {
    const ttl = rule({
      name: "ttl",
      condition: 'http.request.uri.path eq "/x"',
      terminates: true,
      overrides: { ttl: 60, location_strategy: { mode: "resolver_ip", prefer_ecs: "always" }, steering_policy: "least_connections" },
    });
    const { about } = importWith(loadBalancer("shop.example.com", [ttl], { steering_policy: "geo", region_pools: { WEU: [EU] } }));
    expect(about("result[0].rules").map((d) => d.path)).toEqual([
      "result[0].rules[0].overrides.location_strategy",
      "result[0].rules[0].overrides.ttl",
      "result[0].rules[0].overrides.steering_policy",
      "result[0].rules",
    ]);
  });
});

function validated(document: unknown): Config {
  const result = importCloudflare([{ source: "exported.json", value: document }]);
  const valid = validateConfig(result.config);
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues));
  return valid.config;
}

describe("export of routes as load balancing rules", () => {
  it("round-trips: import → export → import gives the same config, rules included, with nothing reported", ({ expect }) => {
    // The maintenance rule after blog: an order Edgeway's precedence agrees with (see above).
    const agreed = SHOP_RULES.map((r) => (r["name"] === "maintenance" ? { ...r, priority: 15 } : r));
    const first = importWith(loadBalancer("shop.example.com", agreed), loadBalancer("b.example.com", [])).config;
    const exported = exportCloudflare(first);
    expect(exported.dropped).toEqual([]);
    const shop = (exported.document.load_balancers as Record<string, unknown>[]).find((lb) => lb["name"] === "shop.example.com");
    const rules = shop?.["rules"] as Record<string, unknown>[];
    expect(rules.map((r) => [r["name"], r["priority"], r["terminates"], r["condition"]])).toEqual([
      ["blog", 0, true, 'http.request.uri.path matches r"/blog"'],
      ["maintenance", 1, true, 'http.request.uri.path eq "/checkout" or starts_with(http.request.uri.path, "/checkout/")'],
      ["testers", 2, true, 'any(http.request.headers["x-tester"][*] eq "yes")'],
    ]);
    expect(rules[1]?.["fixed_response"]).toEqual({ status_code: 503, message_body: "<h1>Back soon</h1>", content_type: "text/html" });
    // Only what differs from the load balancer; affinity off is said as "none".
    expect(rules[2]?.["overrides"]).toEqual({ default_pools: ["apac"], fallback_pool: "apac", session_affinity: "none" });
    const again = importCloudflare([{ source: "exported.json", value: exported.document }]);
    expect(again.dropped.filter((d) => d.path.includes("rules"))).toEqual([]);
    expect(validated(exported.document)).toEqual(first);
  });

  it("orders rules so Cloudflare's first match is Edgeway's most specific, splitting a route when it must", ({ expect }) => {
    const base = {
      origins: [{ id: "o", url: "https://192.0.2.1" }],
      pools: [
        { id: "p", origins: ["o"] },
        { id: "q", origins: ["o"] },
      ],
    };
    const on = (match: unknown) => ({ host: "h.example.com", ...(match as object) });
    const config = configOf({
      ...base,
      routes: [
        { id: "r1", match: [on({ path: { type: "Exact", value: "/a" } }), on({ pathPrefix: "/b" })], pools: ["p"] },
        { id: "r2", match: [on({ pathPrefix: "/a" }), on({ path: { type: "Exact", value: "/b/c" } })], pools: ["q"] },
        { id: "api", match: on({ pathPrefix: "/api" }), pools: ["p"] },
        { id: "health", match: on({ path: { type: "Exact", value: "/api/health" } }), pools: ["q"] },
        { id: "all", match: on({}), pools: ["p", "q"] },
      ],
    });
    const exported = exportCloudflare(config);
    const [lb] = exported.document.load_balancers as { rules: { name: string; condition: string }[] }[];
    expect(lb?.rules.map((r) => r.name)).toEqual(["r1", "r2", "health", "api", "r1"]);
    // Re-imported, every path goes where it went before.
    const back = validated(exported.document);
    const before = compileRouteTable(config.routes);
    const after = compileRouteTable(back.routes);
    for (const path of ["/a", "/a/x", "/b", "/b/c", "/b/d", "/api", "/api/health", "/api/x", "/other"]) {
      const was = before.match("h.example.com", path)?.route;
      const now = after.match("h.example.com", path)?.route;
      expect(now?.pools, path).toEqual(was?.pools);
    }
  });

  it("reports what a rule cannot hold: header edits, rewrites, mirrors, redirects, per-pool filters, timeouts; and a host with no catch-all", ({
    expect,
  }) => {
    const config = configOf({
      origins: [{ id: "o", url: "https://192.0.2.1" }],
      pools: [
        { id: "p", origins: ["o"] },
        { id: "m", origins: ["o"] },
      ],
      routes: [
        {
          id: "edits",
          match: { host: "h.example.com", pathPrefix: "/api" },
          pools: ["p"],
          timeoutMs: 5000,
          filters: [
            { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-a", value: "1" }] } },
            { type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } },
            { type: "RequestMirror", requestMirror: { pool: "m" } },
          ],
          poolFilters: { p: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { remove: ["server"] } }] },
        },
        {
          id: "moved",
          match: { host: "h.example.com", path: { type: "Exact", value: "/old" } },
          filters: [{ type: "RequestRedirect", requestRedirect: { path: { type: "ReplaceFullPath", replaceFullPath: "/new" } } }],
        },
        { id: "all", match: { host: "h.example.com" }, pools: ["p"] },
        { id: "only", match: { host: "g.example.com", pathPrefix: "/x" }, pools: ["p"] },
      ],
    });
    const { document, dropped } = exportCloudflare(config);
    expect(dropped.map((d) => d.path)).toEqual([
      "routes[0].filters[0]",
      "routes[0].filters[1]",
      "routes[0].filters[2]",
      "routes[0].poolFilters",
      "routes[0].timeoutMs",
      "routes[1].filters[0]",
      "routes[3].match",
    ]);
    expect(dropped.at(-1)?.reason).toMatch(
      /no route takes every request on g\.example\.com: Cloudflare sends .* default_pools \(route "only"'s\), where Edgeway answers 404/,
    );
    const [h] = document.load_balancers as { id: string; rules: { name: string }[] }[];
    expect([h?.id, h?.rules.map((r) => r.name)]).toEqual(["all", ["edits"]]);
  });
});

function configOf(document: unknown): Config {
  const result = validateConfig(document);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

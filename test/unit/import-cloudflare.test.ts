/** `edgeway import --from cloudflare` and `export --to cloudflare`: API objects ↔ config, losses reported, round trip. */
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { matchList } from "../../src/config/match-schema.ts";
import type { Config } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { exportCloudflare } from "../../scripts/lib/import/cloudflare-export.ts";
import { importCloudflare } from "../../scripts/lib/import/cloudflare.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import type { SourceDocument } from "../../scripts/lib/import/model.ts";

const FILES = ["monitors", "pools", "load-balancers"].map((f) => `examples/import/cloudflare/${f}.json`);
const example = (): SourceDocument[] => FILES.flatMap((f) => parseDocuments(readFileSync(f, "utf8"), f));

/** The route whose matches are all on `host`, taking every path. */
function routeOn(config: Config, host: string) {
  return config.routes.find((r) => matchList(r.match).every((m) => m.host === host && m.path === undefined && m.pathPrefix === "/"));
}

function validated(docs: SourceDocument[]) {
  const result = importCloudflare(docs);
  const valid = validateConfig(result.config);
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues));
  return { result, config: valid.config };
}

describe("import from Cloudflare Load Balancing", () => {
  it("maps the example export: pools, origins, monitor, geo steering, affinity and weighted pools", ({ expect }) => {
    const { result, config } = validated(example());
    const api = routeOn(config, "api.example.com");
    expect(api).toMatchObject({
      pools: ["us-east", "eu-west", "apac"],
      steering: "geo",
      fallbackPool: "us-east",
      affinity: { type: "cookie", ttlSeconds: 82_800, onFailure: "sticky" },
    });
    expect(api?.geo).toMatchObject({
      "continent:NA": ["us-east"],
      "continent:EU": ["eu-west"],
      "continent:AS": ["apac"],
      "country:GB": ["eu-west", "us-east"],
      "colo:SIN": ["apac"],
    });
    const statics = routeOn(config, "static.example.com");
    expect(statics).toMatchObject({ steering: "weighted", weights: { "us-east": 0.8, "eu-west": 0.2 } });
    const pools = Object.fromEntries(config.pools.map((p) => [p.id, p]));
    expect(pools["us-east"]).toMatchObject({
      origins: ["use1-a", "use1-b"],
      monitor: "api-health",
      steering: "random",
      lat: 38.9,
      lon: -77.4,
    });
    expect(pools["eu-west"]?.steering).toBe("least_outstanding");
    const origins = Object.fromEntries(config.origins.map((o) => [o.id, o]));
    expect(origins["use1-a"]).toMatchObject({ url: "https://203.0.113.10", weight: 0.75 });
    expect(origins["euw1-b"]?.enabled).toBe(false);
    expect(config.monitors[0]).toMatchObject({
      type: "https",
      path: "/healthz",
      timeoutMs: 5000,
      expectedBody: "ok",
      headers: { Host: "api.example.com" },
    });
    // NEAS lists other pools than SEAS; Edgeway steers by continent, so it is reported, not merged silently.
    expect(result.dropped.find((d) => d.path === "result[0].region_pools.NEAS")?.reason).toMatch(/continent/);
    expect(result.dropped.map((d) => d.path)).toEqual(expect.arrayContaining(["result[0].retries", "result[0].adaptive_routing"]));
  });

  it("maps the example's load balancing rules on www.example.com: a maintenance page, a path and a header rule", ({ expect }) => {
    const { result, config } = validated(example());
    const www = config.routes.filter((r) => matchList(r.match).some((m) => m.host === "www.example.com"));
    expect(www.map((r) => [r.id, r.pools])).toEqual([
      ["checkout-maintenance", []],
      ["blog", ["eu-west"]],
      ["testers", ["apac"]],
      ["www.example.com", ["us-east", "eu-west"]],
    ]);
    expect(www[0]?.filters).toEqual([{ type: "FixedResponse", fixedResponse: expect.objectContaining({ statusCode: 503 }) }]);
    // The disabled rule and the one on the client's address (ip.src) are reported, not imported.
    expect(result.dropped.filter((d) => d.path.includes(".rules")).map((d) => d.path)).toEqual([
      "result[2].rules[3].disabled",
      "result[2].rules[4].condition",
    ]);
  });

  it("round-trips: import → export → import gives the same config, load balancing rules included", ({ expect }) => {
    const first = validated(example()).config;
    const exported = exportCloudflare(first);
    expect(exported.dropped).toEqual([]);
    const second = validated([{ source: "exported.json", value: exported.document }]);
    expect(second.config).toEqual(first);
    expect(second.result.dropped).toEqual([]);
    expect(second.config.routes.map((r) => r.id)).toContain("checkout-maintenance");
  });

  it("export reports a pool's registration policy as not carried over", ({ expect }) => {
    const first = validated(example()).config;
    const [pool, ...rest] = first.pools;
    if (pool === undefined) throw new Error("the example has no pool");
    const withPolicy = {
      ...first,
      pools: [
        { ...pool, registration: { addresses: ["10.0.0.0/8"], schemes: ["https" as const], maxOrigins: 5, serviceNames: [] } },
        ...rest,
      ],
    };
    const exported = exportCloudflare(withPolicy);
    expect(exported.dropped.find((d) => d.path === "pools[0].registration")?.reason).toMatch(/self-registered/);
  });

  it("imports a document with nothing Edgeway lacks without reporting anything", ({ expect }) => {
    const bundle = {
      monitors: [{ id: "m", description: "m", type: "http", path: "/healthz", interval: 60, timeout: 5, expected_codes: "2xx" }],
      pools: [{ id: "p1", name: "p1", monitor: "m", origins: [{ name: "a", address: "192.0.2.1", weight: 1 }] }],
      load_balancers: [{ id: "lb", name: "www.example.com", default_pools: ["p1"], fallback_pool: "p1", steering_policy: "off" }],
    };
    const { result, config } = validated([{ source: "b.json", value: bundle }]);
    expect(result.dropped).toEqual([]);
    expect(config.origins[0]?.url).toBe("http://192.0.2.1");
    expect(config.routes[0]).toMatchObject({ steering: "failover", fallbackPool: "p1" });
  });

  it("refuses references to pools nobody defined, two load balancers on one host, and unknown objects", ({ expect }) => {
    const pool = { id: "p1", name: "p1", origins: [{ name: "a", address: "192.0.2.1" }] };
    const lb = (name: string, pools: string[]) => ({ name, default_pools: pools, fallback_pool: pools[0] });
    expect(() => importCloudflare([{ source: "x.json", value: [pool, lb("a.example.com", ["nope"])] }])).toThrow(
      /x\.json: \[1\]\.default_pools\[0\] names pool "nope"/,
    );
    expect(() => importCloudflare([{ source: "y.json", value: [pool, lb("a.example.com", ["p1"]), lb("a.example.com", ["p1"])] }])).toThrow(
      /conflicts with/,
    );
    expect(() => importCloudflare([{ source: "z.json", value: { hello: "world" } }])).toThrow(
      /not a Cloudflare load balancer, pool or monitor/,
    );
  });
});

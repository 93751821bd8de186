/**
 * `import --from cloudflare` on what the Cloudflare API really returns: the list load
 * balancers, list pools and list monitors responses (test/fixtures/import/cloudflare/),
 * every field present, in the `{ result, success, errors, messages, result_info }`
 * envelope. Ports reach the origin URLs, check_regions the monitors, unset fields are not
 * reported, and what has no place in Edgeway is reported with why.
 */
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import type { Config } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { importCloudflare } from "../../scripts/lib/import/cloudflare.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import type { SourceDocument } from "../../scripts/lib/import/model.ts";

const DIR = "test/fixtures/import/cloudflare";
const FILES = ["monitors", "pools", "load-balancers"].map((f) => `${DIR}/${f}.json`);
const fixture = (): SourceDocument[] => FILES.flatMap((f) => parseDocuments(readFileSync(f, "utf8"), f));

function validated(docs: readonly SourceDocument[]) {
  const result = importCloudflare(docs);
  const valid = validateConfig(result.config);
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues));
  return { result, config: valid.config };
}

const byId = <T extends { id: string }>(items: readonly T[]): Record<string, T> => Object.fromEntries(items.map((x) => [x.id, x]));

/** A bundle of one monitor, one pool and one load balancer, each field overridable. */
function bundle(over: { monitor?: object; pool?: object; origin?: object; lb?: object } = {}): SourceDocument {
  const monitor = {
    id: "m1",
    description: "m1",
    type: "http",
    path: "/healthz",
    interval: 60,
    timeout: 5,
    expected_codes: "2xx",
    ...over.monitor,
  };
  const origin = { name: "o1", address: "192.0.2.1", weight: 1, enabled: true, ...over.origin };
  const pool = { id: "p1", name: "p1", monitor: "m1", origins: [origin], ...over.pool };
  const lb = { id: "lb1", name: "www.example.com", default_pools: ["p1"], fallback_pool: "p1", steering_policy: "off", ...over.lb };
  return { source: "b.json", value: { monitors: [monitor], pools: [pool], load_balancers: [lb] } };
}

describe("import of a real Cloudflare export", () => {
  it("validates, and carries each origin's port, Host and weight into its origin", ({ expect }) => {
    const { config } = validated(fixture());
    const origins = byId(config.origins);
    expect(origins["app-a1"]?.url).toBe("http://127.0.0.1:19501");
    expect(origins["app-a2"]).toMatchObject({ url: "http://127.0.0.1:19502", host: "app-origin.example.com" });
    expect(origins["app-b1"]?.url).toBe("http://127.0.0.1:19503");
    // A TCP monitor says nothing of the scheme: https, with the port; port 0 is the scheme's default.
    expect(origins["dc-1"]?.url).toBe("https://10.0.3.7:8443");
    expect(origins["dc-2"]).toMatchObject({ url: "https://10.0.3.8", enabled: false, weight: 0.5 });
  });

  it("turns check_regions into probe regions, one monitor per set of regions, the first keeping its name", ({ expect }) => {
    const { config } = validated(fixture());
    const monitors = byId(config.monitors);
    expect(monitors["app-healthz"]?.regions).toEqual(["weur", "enam", "wnam"]);
    expect(monitors["app-healthz-apac"]).toMatchObject({ regions: ["apac"], path: "/healthz", expectedBody: "ok", unhealthyThreshold: 3 });
    expect(monitors["private-tcp"]).toMatchObject({ type: "tcp", port: 8443, unhealthyThreshold: 1 });
    // check_regions: null is Cloudflare's default (every data centre): Edgeway's default, no regions.
    expect(monitors["private-tcp"]?.regions).toBeUndefined();
    const pools = byId(config.pools);
    expect([pools["app-primary"]?.monitor, pools["app-apac"]?.monitor, pools["private-dc"]?.monitor]).toEqual([
      "app-healthz",
      "app-healthz-apac",
      "private-tcp",
    ]);
    // A TCP monitor's unset HTTP fields ("" path, "" expected_codes) are not carried as values.
    expect(monitors["private-tcp"]).toMatchObject({ path: "/", expectedCodes: "2xx", method: "GET", headers: {} });
  });

  it("maps the load balancers: failover with a fallback, the 3:1 split, a rule's override and a fixed response", ({ expect }) => {
    const { config } = validated(fixture());
    const routes = byId(config.routes);
    expect(routes["app.example.com"]).toMatchObject({
      pools: ["app-primary", "app-apac"],
      steering: "failover",
      fallbackPool: "private-dc",
    });
    // random_steering on an "off" load balancer changes nothing in Cloudflare: no weights.
    expect(routes["app.example.com"]?.weights).toBeUndefined();
    expect(routes["app.example.com"]?.affinity).toBeUndefined();
    expect(routes["api.example.com"]).toMatchObject({
      steering: "weighted",
      weights: { "app-primary": 0.75, "app-apac": 0.25 },
      affinity: { type: "cookie", ttlSeconds: 82_800, onFailure: "temporary" },
    });
    expect(routes["admin-to-apac"]).toMatchObject({ pools: ["app-apac"], steering: "failover" });
    expect(routes["status-page"]?.filters).toEqual([
      { type: "FixedResponse", fixedResponse: { statusCode: 200, contentType: "text/plain", body: "api up" } },
    ]);
  });

  it("reports exactly what Edgeway cannot carry, and none of the unset or default fields", ({ expect }) => {
    const { result } = validated(fixture());
    const reported = result.dropped.map((d) => `${d.source.replace(`${DIR}/`, "")}: ${d.path}`);
    expect(reported).toEqual([
      "monitors.json: result[1].retries",
      "pools.json: result[1].check_regions",
      "pools.json: result[1].load_shedding",
      "pools.json: result[1].health_sources",
      "pools.json: result[1].notification_email",
      "pools.json: result[1].notification_filter",
      "pools.json: result[2].origins",
      "pools.json: result[2].origins[0].virtual_network_id",
      "pools.json: result[2].origins[1].virtual_network_id",
      "load-balancers.json: result[1].adaptive_routing",
    ]);
    const reason = (path: string) => result.dropped.find((d) => d.path === path && d.source.endsWith("pools.json"))?.reason;
    expect(reason("result[1].check_regions")).toMatch(/SAS, SEAS, NEAS all probe from apac/);
    expect(reason("result[1].load_shedding")).toMatch(/does not shed/);
    expect(reason("result[2].origins[0].virtual_network_id")).toMatch(/virtual network .* https:\/\/10\.0\.3\.7:8443/);
  });
});

describe("Cloudflare origin ports", () => {
  const url = (origin: object, monitor: object = {}) => validated([bundle({ origin, monitor })]).config.origins[0]?.url;

  it("puts the port in the URL; 0, absent, null and the scheme's own port leave it out", ({ expect }) => {
    expect(url({ port: 8080 })).toBe("http://192.0.2.1:8080");
    expect(url({ port: 0 })).toBe("http://192.0.2.1");
    expect(url({ port: null })).toBe("http://192.0.2.1");
    expect(url({ port: 80 })).toBe("http://192.0.2.1");
    expect(url({ port: 443 }, { type: "https" })).toBe("https://192.0.2.1");
    expect(url({ port: 443 })).toBe("http://192.0.2.1:443");
    expect(url({ address: "2001:db8::7", port: 8443 }, { type: "https" })).toBe("https://[2001:db8::7]:8443");
    expect(url({ address: "origin.example.net", port: 8443 }, { type: "https" })).toBe("https://origin.example.net:8443");
  });

  it("refuses a port that is not one, naming where it is", ({ expect }) => {
    for (const port of [70_000, -1, 1.5, "8080"])
      expect(() => importCloudflare([bundle({ origin: { port } })])).toThrow(/b\.json: pools\[0\]\.origins\[0\]\.port is .*: a port is 0/);
  });
});

describe("fields that are unset, default, or have no place in Edgeway", () => {
  it("reports nothing for a document whose optional fields are all unset", ({ expect }) => {
    const unset = { null: null, empty: "", list: [], object: {} };
    const doc = bundle({
      monitor: { header: {}, expected_body: "", probe_zone: "", allow_insecure: false, retries: 0, port: null, method: "GET" },
      origin: { header: { Host: [] }, port: 0, virtual_network_id: "", flatten_cname: true, disabled_at: null },
      pool: {
        check_regions: null,
        load_shedding: { default_percent: 0, default_policy: "random", session_percent: 0, session_policy: "hash" },
        health_sources: null,
        notification_email: "",
        notification_filter: { origin: null, pool: null },
        monitor_group: "",
        networks: ["cloudflare"],
        origin_steering: null,
        description: "",
      },
      lb: {
        rules: [],
        pool_sets: [],
        region_pools: {},
        country_pools: {},
        pop_pools: {},
        random_steering: { default_weight: 1, pool_weights: {} },
        adaptive_routing: { failover_across_pools: false },
        location_strategy: { mode: "pop", prefer_ecs: "proximity" },
        session_affinity: "none",
        session_affinity_attributes: { samesite: "Auto", secure: "Auto", drain_duration: 0, headers: [], require_all_headers: false },
        proxied: true,
        ttl: 30,
        networks: ["cloudflare"],
        zone_name: "example.com",
        ...Object.fromEntries(Object.entries(unset).map(([k, v]) => [`x_unset_${k}`, v])),
      },
    });
    expect(validated([doc]).result.dropped).toEqual([]);
  });

  it("reports load shedding, regional health, private networks, monitor groups and notifications when set", ({ expect }) => {
    const { result } = validated([
      bundle({
        pool: {
          load_shedding: { default_percent: 0, session_percent: 10 },
          health_sources: ["regional", "global"],
          networks: ["cloudflare", "private"],
          monitor_group: "5a1d",
          notification_email: "ops@example.com",
        },
        origin: { flatten_cname: false },
      }),
    ]);
    expect(Object.fromEntries(result.dropped.map((d) => [d.path, d.reason]))).toEqual({
      "pools[0].load_shedding": expect.stringMatching(/does not shed a share/),
      "pools[0].health_sources": expect.stringMatching(/its own verdict/),
      "pools[0].networks": expect.stringMatching(/private network/),
      "pools[0].monitor_group": expect.stringMatching(/monitor groups are not imported/),
      "pools[0].notification_email": expect.stringMatching(/no notifications/),
      "pools[0].origins[0].flatten_cname": expect.stringMatching(/DNS-only/),
    });
  });

  it("reports ttl, proxied and location_strategy on a DNS-only load balancer only", ({ expect }) => {
    const dnsOnly = { proxied: false, ttl: 30, location_strategy: { mode: "resolver_ip", prefer_ecs: "always" } };
    expect(validated([bundle({ lb: dnsOnly })]).result.dropped.map((d) => d.path)).toEqual([
      "load_balancers[0].proxied",
      "load_balancers[0].ttl",
      "load_balancers[0].location_strategy",
    ]);
    expect(validated([bundle({ lb: { ...dnsOnly, proxied: true } })]).result.dropped).toEqual([]);
  });

  it("reads TCP, ICMP and SMTP monitors as connection checks, without their unset HTTP fields", ({ expect }) => {
    for (const type of ["tcp", "icmp_ping", "udp_icmp", "smtp"]) {
      const monitor = { type, method: "connection_established", path: "", expected_codes: "", header: null, port: 25 };
      const { result, config } = validated([bundle({ monitor })]);
      expect(config.monitors[0]).toMatchObject({ type: "tcp", port: 25, path: "/" });
      const paths = result.dropped.map((d) => d.path);
      expect(paths.includes("monitors[0].type")).toBe(type !== "tcp");
      expect(paths.filter((p) => p.startsWith("monitors[0].") && p !== "monitors[0].type")).toEqual([]);
    }
  });

  it("leaves out pool weights for pools outside default_pools, which Cloudflare never weighs", ({ expect }) => {
    const docs = bundle({ lb: { steering_policy: "random", random_steering: { default_weight: 1, pool_weights: { p2: 5 } } } });
    const value = docs.value as { pools: object[] };
    value.pools.push({ id: "p2", name: "p2", monitor: "m1", origins: [{ name: "o2", address: "192.0.2.2" }] });
    expect(validated([docs]).config.routes[0]?.weights).toEqual({ p1: 1 });
  });
});

describe("API envelopes", () => {
  it("refuses an error answer saved in place of an export, quoting its errors", ({ expect }) => {
    const failed = { success: false, errors: [{ code: 10_000, message: "Authentication error" }], messages: [], result: null };
    expect(() => importCloudflare([{ source: "pools.json", value: failed }])).toThrow(
      /pools\.json: the document is the Cloudflare API's answer to a failed call \(10000 Authentication error\)/,
    );
  });

  it("reports a list that is one page of several", ({ expect }) => {
    const whole = bundle().value as Record<string, unknown[]>;
    const page = {
      success: true,
      errors: [],
      messages: [],
      result: whole["pools"],
      result_info: { page: 1, per_page: 1, count: 1, total_count: 3, total_pages: 3 },
    };
    const { result } = validated([
      { source: "pools.json", value: page },
      { source: "rest.json", value: { monitors: whole["monitors"], load_balancers: whole["load_balancers"] } },
    ]);
    expect(result.dropped).toEqual([
      { source: "pools.json", path: "result_info", reason: expect.stringMatching(/^page 1 of 3 \(1 of 3 objects\)/) },
    ]);
  });

  it("reads a list envelope's result in order: rules before their load balancer's own route", ({ expect }) => {
    const config: Config = validated(fixture()).config;
    expect(config.routes.map((r) => r.id)).toEqual(["app.example.com", "status-page", "admin-to-apac", "api.example.com"]);
  });
});

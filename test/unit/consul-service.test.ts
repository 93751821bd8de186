/** The pure mapping from Consul's service registration JSON to an Edgeway registration. */
import { describe, expect, it } from "vitest";
import type { Pool } from "../../src/config/schema.ts";
import { mapConsulService, parseDuration, serviceIdOfCheck } from "../../src/discovery/consul-service.ts";

const pools = [
  { id: "api", origins: [], registration: { serviceNames: ["api", "api-v2"] } },
  { id: "web", origins: [], registration: { serviceNames: ["web"] } },
  { id: "static", origins: [] },
] as unknown as Pool[];

const base = { Name: "web", Address: "10.0.0.7", Port: 8080, Check: { TTL: "10s" } };

describe("mapConsulService", () => {
  it("maps name to the pool listing it, ID (or Name) to the id, Address:Port to the URL", () => {
    expect(mapConsulService(pools, { ...base, Name: "api-v2", ID: "api-1" })).toEqual({
      service: "api-v2",
      request: { id: "api-1", url: "http://10.0.0.7:8080", pool: "api", ttlSeconds: 10 },
    });
    expect(mapConsulService(pools, base)).toMatchObject({ request: { id: "web", pool: "web" } });
  });

  it("takes region from Meta or a region= tag, weight from Weights.Passing or Meta, TTL rounded up", () => {
    const mapped = mapConsulService(pools, {
      ...base,
      Address: "fd00::7",
      Tags: ["region=aws:eu-west-1", "v2"],
      Weights: { Passing: 3 },
      Meta: { "edgeway-scheme": "https" },
      Check: { TTL: "1500ms", DeregisterCriticalServiceAfter: "1m30s" },
    });
    expect(mapped).toEqual({
      service: "web",
      request: {
        id: "web",
        url: "https://[fd00::7]:8080",
        pool: "web",
        region: "aws:eu-west-1",
        weight: 3,
        ttlSeconds: 2,
        deregisterAfterSeconds: 90,
      },
    });
    expect(mapConsulService(pools, { ...base, Meta: { "edgeway-weight": "5", "edgeway-region": "gcp:x" } })).toMatchObject({
      request: { weight: 5, region: "gcp:x" },
    });
  });

  it("names every field it cannot honour", () => {
    const result = mapConsulService(pools, {
      ...base,
      Connect: {},
      Proxy: {},
      Kind: "mesh-gateway",
      EnableTagOverride: true,
      Weights: { Passing: 2, Warning: 1 },
      Check: undefined,
      Checks: [{ HTTP: "http://x/health", Interval: "10s" }],
    });
    expect("issues" in result && result.issues.map((i) => i.path)).toEqual([
      "Connect",
      "Proxy",
      "Kind",
      "EnableTagOverride",
      "Checks[0].HTTP",
      "Checks[0].Interval",
      "Weights.Warning",
    ]);
  });

  it("refuses a service no pool takes with 404 naming it, and a registration without a TTL check", () => {
    expect(mapConsulService(pools, { ...base, Name: "static" })).toMatchObject({ status: 404, issues: [{ path: "Name" }] });
    expect(mapConsulService(pools, { Name: "web", Address: "10.0.0.7", Port: 80 })).toMatchObject({
      status: 400,
      issues: [{ path: "Check" }],
    });
    expect(mapConsulService(pools, { ...base, Check: { TTL: "soon" } })).toMatchObject({ issues: [{ path: "Check.TTL" }] });
  });
});

describe("durations and check ids", () => {
  it("reads Go durations and Consul's service check ids", () => {
    expect(parseDuration("1h2m3s")).toBe(3723);
    expect(parseDuration("250ms")).toBe(0.25);
    expect(parseDuration("10")).toBeUndefined();
    expect(serviceIdOfCheck("service:web-1")).toBe("web-1");
    expect(serviceIdOfCheck("service:web-1:2")).toBe("web-1");
    expect(serviceIdOfCheck("node-check")).toBeUndefined();
  });
});

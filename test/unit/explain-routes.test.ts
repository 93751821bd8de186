/**
 * `/explain` (src/steering/explain/): the routes considered for a request, and for every route
 * policy the pool order it gives, the inputs that produced it and why.
 */
import { describe, expect, it } from "vitest";
import { compile, makeOrigins, makePool, makeRoute, multiPool } from "./helpers/configs.ts";
import { fakeSignals } from "./steering-conformance.case.ts";
import { origin, picked, pool, run, snapshotDown, threeTier } from "./helpers/explain.ts";

describe("route matching", () => {
  const config = compile({
    origins: makeOrigins(1),
    pools: [makePool("p", ["o0"])],
    routes: [
      makeRoute("api", ["p"], { match: { host: "api.test", pathPrefix: "/v1" } }),
      makeRoute("web", ["p"], { match: { host: "*.web.test", pathPrefix: "/" } }),
    ],
  });

  it("names the route that matched and marks it among the routes considered", async () => {
    const e = await run(config, { url: "https://api.test/v1/users?id=1" });
    expect(e.route).toEqual({ id: "api", match: { host: "api.test", pathPrefix: "/v1" }, steering: "failover" });
    expect(e.routesConsidered.filter((r) => r.chosen).map((r) => r.id)).toEqual(["api"]);
    expect(e.request).toEqual({ url: "https://api.test/v1/users?id=1", method: "GET", host: "api.test", path: "/v1/users" });
    expect(e.outcome).toMatchObject({ kind: "origin", pool: "p", origin: "o0", basis: "deterministic" });
  });

  it("answers no_route with every route's host and path verdict when none matches", async () => {
    const e = await run(config, { url: "http://api.test/v2/users" });
    expect(e.outcome).toMatchObject({ kind: "error", status: 404, code: "no_route" });
    expect(e.route).toBeNull();
    expect(e.pools).toEqual([]);
    expect(e.retries).toBeNull();
    expect(e.routesConsidered).toEqual([
      { id: "api", match: { host: "api.test", pathPrefix: "/v1" }, hostMatches: true, pathMatches: false, chosen: false },
      { id: "web", match: { host: "*.web.test", pathPrefix: "/" }, hostMatches: false, pathMatches: true, chosen: false },
    ]);
  });

  it("reads wildcard hosts as the route table does (port and case ignored)", async () => {
    const e = await run(config, { url: "http://A.Web.Test:8443/" });
    expect(e.route?.id).toBe("web");
    expect(e.routesConsidered.find((r) => r.id === "web")?.hostMatches).toBe(true);
  });
});

describe("route steering", () => {
  it("failover: the first pool that is up serves, and each pool says why not", async () => {
    const config = compile(threeTier());
    const e = await run(config, { snapshot: snapshotDown(["m0", "m1", "m2"]) });
    expect(e.routeSteering).toMatchObject({ policy: "failover", basis: "deterministic", order: ["main", "backup"] });
    expect(pool(e, "main")).toMatchObject({ verdict: "down", up: false, healthy: 0, enabled: 3, minHealthy: 1, position: 1 });
    expect(pool(e, "backup")).toMatchObject({ verdict: "serves", up: true, position: 2, candidates: ["b0", "b1"] });
    expect(pool(e, "last")).toMatchObject({ role: "fallback", verdict: "standby", position: null });
    expect(e.outcome).toMatchObject({ kind: "origin", pool: "backup", fallback: false });
    expect(origin(pool(e, "main"), "m1")).toMatchObject({
      healthy: false,
      candidate: false,
      excluded: "unhealthy",
      share: 0,
      status: { healthy: false, reason: "HTTP 503 (expected 2xx)", forced: false },
    });
    expect(pool(e, "main")).toMatchObject({ panic: true, candidates: [] });
  });

  it("minHealthy: a pool with fewer healthy origins is down even though one could serve", async () => {
    const config = compile(threeTier({ pool: (id) => (id === "main" ? { minHealthy: 2, panicThreshold: 0 } : {}) }));
    const e = await run(config, { snapshot: snapshotDown(["m0", "m1"]) });
    expect(pool(e, "main")).toMatchObject({ verdict: "down", healthy: 1, minHealthy: 2, candidates: [] });
    expect(origin(pool(e, "main"), "m2")).toMatchObject({ healthy: true, candidate: false, excluded: "pool-down" });
    expect(e.outcome).toMatchObject({ pool: "backup" });
  });

  describe("geo", () => {
    const config = compile(multiPool({ eu: 1, us: 1, ap: 1 }, { steering: "geo", geo: { EU: ["eu"], "country:US": ["us"], SIN: ["ap"] } }));

    it.each([
      [{ country: "DE", continent: "EU" }, { kind: "continent", code: "EU" }, ["eu", "us", "ap"], "eu-0"],
      [{ country: "US", continent: "NA" }, { kind: "country", code: "US" }, ["us", "eu", "ap"], "us-0"],
      [{ colo: "SIN", country: "US", continent: "NA" }, { kind: "colo", code: "SIN" }, ["ap", "eu", "us"], "ap-0"],
    ] as const)("client %o matches %o", async (client, match, order, pick) => {
      const e = await run(config, { client });
      expect(e.routeSteering?.geoMatch).toEqual(match);
      expect(e.routeSteering?.order).toEqual(order);
      expect(picked(e)).toBe(pick);
      expect(e.outcome).toMatchObject({ basis: "deterministic" });
    });

    it("a client no key matches gets the route's order (the default)", async () => {
      const e = await run(config, { client: { country: "BR", continent: "SA" } });
      expect(e.routeSteering?.geoMatch).toBeNull();
      expect(e.routeSteering?.order).toEqual(["eu", "us", "ap"]);
      expect(e.routeSteering?.why).toContain("no geo key matched");
    });

    it("the matched region's pool down: the others follow as failover", async () => {
      const e = await run(config, { client: { country: "US" }, snapshot: snapshotDown(["us-0"]) });
      expect(pool(e, "us").verdict).toBe("down");
      expect(picked(e)).toBe("eu-0");
    });
  });

  describe("proximity", () => {
    const input = multiPool({ fra: 1, iad: 1, sin: 1 }, { steering: "proximity", geo: { NA: ["iad"], XYZ: ["sin"] } });
    const at_ = { fra: [50.11, 8.68], iad: [39.04, -77.49], sin: [1.35, 103.82] } as const;
    const config = compile({
      ...input,
      pools: input.pools.map((p) => ({ ...p, lat: at_[p.id as keyof typeof at_][0], lon: at_[p.id as keyof typeof at_][1] })),
    });

    it("orders pools by distance from the client's coordinates and gives the distances", async () => {
      const e = await run(config, { client: { lat: 48.86, lon: 2.35 } });
      expect(e.routeSteering?.order).toEqual(["fra", "iad", "sin"]);
      const distances = (e.routeSteering?.pools ?? []).map((p) => [p.id, p.distanceKm] as const);
      const fra = distances.find(([id]) => id === "fra")?.[1] ?? Infinity;
      expect(fra).toBeGreaterThan(400);
      expect(fra).toBeLessThan(500);
      const sorted = e.routeSteering?.order.map((id) => distances.find(([d]) => d === id)?.[1] ?? NaN) ?? [];
      expect([...sorted].sort((a, b) => a - b)).toEqual(sorted);
      expect(e.client.location).toEqual({ lat: 48.86, lon: 2.35, from: "coordinates" });
      expect(picked(e)).toBe("fra-0");
    });

    it("places a client without coordinates at its colo, then its country", async () => {
      expect((await run(config, { client: { colo: "SIN", country: "DE" } })).client.location?.from).toBe("colo");
      const byCountry = await run(config, { client: { country: "US" } });
      expect(byCountry.client.location?.from).toBe("country");
      expect(picked(byCountry)).toBe("iad-0");
    });

    it("a client nowhere known falls back to geo's order, and says which key matched", async () => {
      const e = await run(config, { client: { colo: "XYZ", country: "T1" } });
      expect(e.client.location).toBeNull();
      expect(e.routeSteering?.pools.every((p) => p.distanceKm === null)).toBe(true);
      expect(e.routeSteering?.why).toContain("location is unknown");
      expect(e.routeSteering?.geoMatch).toEqual({ kind: "colo", code: "XYZ" });
      expect(e.routeSteering?.order).toEqual(["sin", "fra", "iad"]);
      const unmatched = await run(config, { client: { country: "T1" } });
      expect(unmatched.routeSteering?.geoMatch).toBeNull();
      expect(unmatched.routeSteering?.order).toEqual(["fra", "iad", "sin"]);
    });
  });

  it("weighted: the pool weights and the share of each up pool", async () => {
    const config = compile(multiPool({ blue: 1, green: 1 }, { steering: "weighted", weights: { blue: 90, green: 10 } }));
    const e = await run(config);
    expect(e.routeSteering?.basis).toBe("rotation");
    expect(e.routeSteering?.pools.map((p) => [p.id, p.weight, p.share])).toEqual([
      ["blue", 90, 0.9],
      ["green", 10, 0.1],
    ]);
    expect(e.outcome).toMatchObject({ basis: "rotation" });
    const oneDown = await run(config, { snapshot: snapshotDown(["blue-0"]) });
    expect(oneDown.routeSteering?.pools.map((p) => [p.id, p.up, p.share])).toEqual([
      ["blue", false, 0],
      ["green", true, 1],
    ]);
    expect(oneDown.routeSteering?.basis).toBe("deterministic");
    expect(picked(oneDown)).toBe("green-0");
  });

  it("least_outstanding: capacity ÷ (outstanding + 1) per pool", async () => {
    const config = compile(multiPool({ a: 2, b: 2 }, { steering: "least_outstanding" }));
    const e = await run(config, { signals: fakeSignals({ outstanding: { "pool:a": 3 } }) });
    expect(e.routeSteering?.pools.map((p) => [p.id, p.outstanding, p.weight])).toEqual([
      ["a", 3, 0.5],
      ["b", 0, 2],
    ]);
    expect(e.routeSteering?.pools.map((p) => p.share)).toEqual([0.2, 0.8]);
  });

  it("latency: each pool's estimate, cost and age, the best pool first, the knobs and the explore share", async () => {
    const config = compile(multiPool({ a: 1, b: 1, c: 1 }, { steering: "latency", latency: { decaySeconds: 5 } }));
    const e = await run(config, { signals: fakeSignals({ latencyMs: { "pool:a": 80, "pool:b": 20, "pool:c": 50 } }), seed: 3 });
    expect(e.routeSteering?.pools.map((p) => [p.id, p.latencyMs, p.costMs, p.stale])).toEqual([
      ["a", 80, 80, false],
      ["b", 20, 20, false],
      ["c", 50, 50, false],
    ]);
    expect(e.routeSteering?.order).toEqual(["b", "a", "c"]);
    expect(e.routeSteering?.exploreShare).toBe(0.02);
    expect(e.routeSteering?.latency).toEqual({ decaySeconds: 5, explorePercent: 2, exploreIntervalSeconds: 5, failurePenaltyMs: 1_000 });
    // Nothing is stale, so nothing is explored: the order is deterministic.
    expect(e.routeSteering?.basis).toBe("deterministic");
    expect(e.routeSteering?.why).toContain("b has the lowest cost");
    expect(e.routeSteering?.why).toContain("τ 5 s");
  });
});

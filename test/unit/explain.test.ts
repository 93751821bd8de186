/**
 * `/explain`'s pure core (src/steering/explain.ts): for every route and pool policy the
 * explanation names the pool order, the inputs that produced it and the pick; the shares
 * it gives are checked against the real policies' frequencies; panic, the fallback pool,
 * drained and ejected origins, the ejection override, affinity and the retry plan are
 * explained as selection acts on them; and explaining leaves live state alone.
 */
import { describe, expect, it } from "vitest";
import type { CompiledConfig } from "../../src/config/compile.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import type { OriginOverrides } from "../../src/config/overrides.ts";
import { effectiveConfig } from "../../src/discovery/effective-config.ts";
import { OutlierDetector } from "../../src/health/outlier.ts";
import type { Ejection } from "../../src/health/outlier.ts";
import type { ClientInfo } from "../../src/routing/client.ts";
import type { HealthSnapshot, OriginStatus } from "../../src/health/snapshot.ts";
import { affinityKey, signPin, verifyPin } from "../../src/steering/affinity-cookie.ts";
import { explain, explainHealth } from "../../src/steering/explain.ts";
import type { Explanation, ExplainedOrigin, ExplainedPool, ExplainInput } from "../../src/steering/explain.ts";
import { rendezvousPick } from "../../src/steering/pool/hash.ts";
import { createMemoryStore, selectOrigin } from "../../src/steering/select.ts";
import type { SteeringSignals } from "../../src/steering/types.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import { at, compile, makeOrigins, makePool, makeRoute, multiPool, poolOf, routeOf, singlePool } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countIds, fakeSignals } from "./steering-conformance.case.ts";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

interface Scenario {
  readonly url?: string;
  readonly method?: string;
  readonly client?: ClientInfo;
  readonly headers?: Record<string, string>;
  readonly snapshot?: HealthSnapshot;
  readonly ejections?: readonly Ejection[];
  readonly signals?: SteeringSignals;
  readonly configured?: CompiledConfig;
  readonly verifyCookie?: ExplainInput["verifyCookie"];
  readonly seed?: number;
}

function run(config: CompiledConfig, s: Scenario = {}): Promise<Explanation> {
  const snapshot = s.snapshot;
  return explain({
    config,
    configured: s.configured,
    request: {
      url: new URL(s.url ?? "http://app.test/x"),
      method: s.method ?? "GET",
      headers: new Headers(s.headers ?? {}),
      client: s.client ?? {},
      clientSources: {},
    },
    health: explainHealth(
      snapshot,
      s.ejections ?? [],
      config,
      NOW,
      snapshot === undefined ? { source: "none", generatedAt: null } : { source: "isolate", generatedAt: snapshot.generatedAt },
    ),
    signals: s.signals ?? NO_SIGNALS,
    random: mulberry32(s.seed ?? 7),
    now: NOW,
    verifyCookie: s.verifyCookie,
  });
}

/** A snapshot where the named origins fail their probes (all others pass). */
function snapshotDown(down: readonly string[], extra: Partial<HealthSnapshot> = {}, status: Partial<OriginStatus> = {}): HealthSnapshot {
  const origins: Record<string, OriginStatus> = {};
  for (const id of down)
    origins[id] = {
      healthy: false,
      since: NOW - 60_000,
      reason: "HTTP 503 (expected 2xx)",
      lastProbeAt: NOW - 5_000,
      lastProbeOk: false,
      ...status,
    };
  return { generatedAt: NOW - 1_000, origins, ...extra };
}

function pool(e: Explanation, id: string): ExplainedPool {
  const found = e.pools.find((p) => p.id === id);
  if (found === undefined) throw new Error(`no pool ${id} in ${e.pools.map((p) => p.id).join(", ")}`);
  return found;
}

function origin(p: ExplainedPool, id: string): ExplainedOrigin {
  const found = p.origins.find((o) => o.id === id);
  if (found === undefined) throw new Error(`no origin ${id} in pool ${p.id}`);
  return found;
}

function picked(e: Explanation): string | undefined {
  return e.outcome.kind === "origin" ? e.outcome.origin : undefined;
}

function ejection(originId: string, poolId: string, until = NOW + 30_000): Ejection {
  return {
    originId,
    poolId,
    kind: "consecutive-gateway-failure",
    at: NOW - 2_000,
    until,
    count: 1,
    reason: "3 consecutive gateway failures (last: connect-failure)",
  };
}

/** Route "r" (failover) over pools main (m0..m2) and backup (b0, b1), fallback "last" (l0, l1). */
function threeTier(
  options: {
    pool?: (id: string) => Record<string, unknown>;
    origin?: (id: string) => Record<string, unknown>;
    route?: Record<string, unknown>;
  } = {},
): ConfigInput {
  const o = options.origin ?? (() => ({}));
  const p = options.pool ?? (() => ({}));
  const origins = [...makeOrigins(3, "m"), ...makeOrigins(2, "b"), ...makeOrigins(2, "l")].map((x, i) => ({
    ...x,
    url: `http://127.0.0.1:${30_000 + i}`,
    ...o(x.id),
  }));
  return {
    origins,
    pools: [
      makePool("main", ["m0", "m1", "m2"], p("main")),
      makePool("backup", ["b0", "b1"], p("backup")),
      makePool("last", ["l0", "l1"], p("last")),
    ],
    routes: [makeRoute("r", ["main", "backup"], { fallbackPool: "last", ...options.route })],
  };
}

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

  it("latency: each pool's estimate and cost, the best pool first, and the explore share", async () => {
    const config = compile(multiPool({ a: 1, b: 1, c: 1 }, { steering: "latency" }));
    const e = await run(config, { signals: fakeSignals({ latencyMs: { "pool:a": 80, "pool:b": 20, "pool:c": 50 } }), seed: 3 });
    expect(e.routeSteering?.pools.map((p) => [p.id, p.latencyMs, p.costMs])).toEqual([
      ["a", 80, 80],
      ["b", 20, 20],
      ["c", 50, 50],
    ]);
    expect(e.routeSteering?.exploreShare).toBe(0.05);
    expect(e.routeSteering?.basis).toBe("draw");
    expect(e.routeSteering?.why).toContain("b has the lowest latency cost");
  });
});

describe("pool steering shares", () => {
  /** Frequencies of the real selection over `n` picks with one memory (rotation) and one random source. */
  function frequencies(config: CompiledConfig, signals: SteeringSignals, n: number): Record<string, number> {
    const route = routeOf(config);
    const memory = createMemoryStore();
    const random = mulberry32(99);
    const ids = Array.from(
      { length: n },
      () =>
        selectOrigin({
          route,
          client: {},
          random,
          memory,
          health: { isHealthy: () => true },
          exclude: new Set(),
          signals,
          hashKey: () => undefined,
        })?.origin.id ?? "none",
    );
    return countIds(ids);
  }

  const weights = [3, 1, 2, 2];
  const signals = fakeSignals({ latencyMs: { o0: 40, o1: 10, o2: 25, o3: 60 }, outstanding: { o0: 1, o2: 3 } });
  it.each(["weighted", "round_robin", "random", "least_outstanding", "latency", "hash"] as const)(
    "%s: the shares are what the real policy delivers",
    async (steering) => {
      const config = compile(singlePool({ origins: 4, origin: (i) => ({ weight: weights[i] }), pool: { steering } }));
      const e = await run(config, { signals });
      const shares = pool(e, "p").origins.map((o) => o.share);
      expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      const n = 20_000;
      const seen = frequencies(config, signals, n);
      for (const o of pool(e, "p").origins) expect(Math.abs((seen[o.id] ?? 0) / n - o.share)).toBeLessThan(0.015);
      expect(e.poolSteering).toMatchObject({ pool: "p", policy: steering, steeredBy: "policy" });
    },
  );

  it("latency: exact two-choice odds (three equal weights: the cheapest wins 2 of 3 pairs)", async () => {
    const config = compile(singlePool({ origins: 3, pool: { steering: "latency" } }));
    const e = await run(config, { signals: fakeSignals({ latencyMs: { o0: 30, o1: 10, o2: 20 } }) });
    const shares = Object.fromEntries(pool(e, "p").origins.map((o) => [o.id, o.share]));
    expect(shares.o1).toBeCloseTo(2 / 3, 12);
    expect(shares.o2).toBeCloseTo(1 / 3, 12);
    expect(shares.o0).toBe(0);
    expect(e.outcome).toMatchObject({ basis: "draw" });
  });

  it("hash with a key: the rendezvous winner, deterministic; without one: a rotation", async () => {
    const config = compile(singlePool({ origins: 5, pool: { steering: "hash", hash: { header: "x-user" } } }));
    const candidates = poolOf(config, "p").origins;
    for (const user of ["alice", "bob", "carol", "dave", "erin", "frank"]) {
      const e = await run(config, { headers: { "x-user": user } });
      expect(picked(e)).toBe(rendezvousPick(user, candidates)?.id);
      expect(e.poolSteering).toMatchObject({ basis: "deterministic", hashKey: { from: "header x-user", value: user } });
      expect(e.outcome).toMatchObject({ basis: "deterministic" });
    }
    const keyless = await run(config);
    expect(keyless.poolSteering).toMatchObject({ basis: "rotation", hashKey: { from: "header x-user", value: null } });
    expect(keyless.poolSteering?.why).toContain("no key");
  });

  it("hash on the client IP by default, and on a cookie when asked", async () => {
    const byIp = compile(singlePool({ origins: 4, pool: { steering: "hash" } }));
    const e = await run(byIp, { client: { ip: "198.51.100.9" } });
    expect(e.poolSteering?.hashKey).toEqual({ from: "client IP", value: "198.51.100.9" });
    expect(picked(e)).toBe(rendezvousPick("198.51.100.9", poolOf(byIp, "p").origins)?.id);
    const byCookie = compile(singlePool({ origins: 4, pool: { steering: "hash", hash: { cookie: "sid" } } }));
    const c = await run(byCookie, { headers: { cookie: "a=1; sid=s-42" } });
    expect(c.poolSteering?.hashKey).toEqual({ from: "cookie sid", value: "s-42" });
    expect(picked(c)).toBe(rendezvousPick("s-42", poolOf(byCookie, "p").origins)?.id);
  });
});

describe("valves", () => {
  it("panic: below the threshold the pool spreads over unhealthy origins too", async () => {
    const config = compile(singlePool({ origins: 4 }));
    const e = await run(config, { snapshot: snapshotDown(["o0", "o1", "o2"]) });
    const p = pool(e, "p");
    expect(p).toMatchObject({ panic: true, panicThreshold: 0.5, healthy: 1, enabled: 4, candidates: ["o0", "o1", "o2", "o3"] });
    expect(p.origins.map((o) => o.share)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(origin(p, "o0")).toMatchObject({ healthy: false, candidate: true, excluded: null });
    expect(e.valves?.panic).toMatchObject({ active: true, pools: ["p"] });
    expect(e.outcome).toMatchObject({ panic: true });
    const calm = await run(config, { snapshot: snapshotDown(["o0"]) });
    expect(calm.valves?.panic).toMatchObject({ active: false, pools: [] });
  });

  it("fallback pool: serves with its healthy origins only (even in panic) when no pool can", async () => {
    const config = compile(threeTier({ pool: (id) => (id === "last" ? { panicThreshold: 0.6 } : {}) }));
    const e = await run(config, { snapshot: snapshotDown(["m0", "m1", "m2", "b0", "b1", "l0"]) });
    expect(e.outcome).toMatchObject({ kind: "origin", pool: "last", origin: "l1", fallback: true, panic: false });
    expect(pool(e, "last")).toMatchObject({ role: "fallback", verdict: "serves", panic: true, candidates: ["l1"] });
    expect(e.valves?.fallbackPool).toMatchObject({ active: true, pools: ["last"] });
    const none = await run(config, { snapshot: snapshotDown(["m0", "m1", "m2", "b0", "b1", "l0", "l1"]) });
    expect(none.outcome).toMatchObject({ kind: "error", status: 503, code: "no_healthy_origin" });
    expect(none.retries?.tries).toEqual([]);
  });

  it("a drained origin: configured weight 1, effective 0 with the override's reason; pinned sessions aside, it gets nothing", async () => {
    const base = compile(singlePool({ origins: 3 }));
    const drain: OriginOverrides = { state: { value: "drained", reason: "kernel upgrade", actor: "ops@host", at: NOW - 10_000 } };
    const snapshot: HealthSnapshot = { generatedAt: NOW - 1_000, origins: {}, overrides: { o1: drain }, overridesVersion: 1 };
    const config = effectiveConfig(base, snapshot);
    const e = await run(config, { configured: base, snapshot });
    const o1 = origin(pool(e, "p"), "o1");
    expect(o1).toMatchObject({ configuredWeight: 1, weight: 0, candidate: false, excluded: "weight-zero", share: 0 });
    expect(o1.overrides).toEqual([{ kind: "state", value: "drained", reason: "kernel upgrade", actor: "ops@host", at: NOW - 10_000 }]);
    expect(pool(e, "p").origins.map((o) => o.share)).toEqual([0.5, 0, 0.5]);
  });

  it("a disabled origin and a forced-unhealthy one say so", async () => {
    const base = compile(singlePool({ origins: 3 }));
    const forced: OriginOverrides = { health: { value: "unhealthy", reason: "maintenance", actor: "ops", at: NOW - 5_000 } };
    const snapshot: HealthSnapshot = {
      generatedAt: NOW - 1_000,
      origins: { o2: { healthy: false, since: NOW - 5_000, reason: "forced unhealthy by ops: maintenance" } },
      overrides: { o0: { state: { value: "disabled", reason: "retired", actor: "ops", at: NOW - 9_000 } }, o2: forced },
      overridesVersion: 2,
    };
    const e = await run(effectiveConfig(base, snapshot), { configured: base, snapshot });
    expect(origin(pool(e, "p"), "o0")).toMatchObject({ enabled: false, excluded: "disabled" });
    expect(origin(pool(e, "p"), "o2")).toMatchObject({
      healthy: false,
      excluded: "unhealthy",
      status: { forced: true, reason: "forced unhealthy by ops: maintenance" },
    });
    expect(picked(e)).toBe("o1");
  });

  it("an ejected origin: kind and until shown, excluded as ejected, maxEjectionPercent reached", async () => {
    const config = compile(singlePool({ origins: 3 }));
    const e = await run(config, { ejections: [ejection("o1", "p")] });
    const o1 = origin(pool(e, "p"), "o1");
    expect(o1).toMatchObject({
      healthy: false,
      candidate: false,
      excluded: "ejected",
      ejection: { kind: "consecutive-gateway-failure", until: NOW + 30_000, count: 1 },
    });
    expect(pool(e, "p").outlierDetection).toEqual({ enabled: true, ejected: 1, maxEjected: 1, maxEjectionPercent: 50, atLimit: true });
    expect(e.valves?.maxEjectionPercent).toMatchObject({ active: true, pools: ["p"] });
    expect(e.valves?.ejectionOverride).toMatchObject({ active: false });
    const expired = await run(config, { ejections: [ejection("o1", "p", NOW - 1)] });
    expect(origin(pool(expired, "p"), "o1")).toMatchObject({ healthy: true, ejection: null, candidate: true });
  });

  it("a snapshot's ejection is adopted, and returned by a probe that passed after it (unejectOnProbeSuccess)", async () => {
    const withProbe = (passedAt: number): HealthSnapshot => ({
      generatedAt: NOW - 500,
      origins: {
        o0: {
          healthy: true,
          since: NOW - 900_000,
          reason: "HTTP 200",
          lastProbeAt: passedAt,
          lastProbeOk: true,
          ejection: ejection("o0", "p"),
        },
      },
    });
    const config = compile(singlePool({ origins: 2 }));
    expect(origin(pool(await run(config, { snapshot: withProbe(NOW - 5_000) }), "p"), "o0").excluded).toBe("ejected");
    expect(origin(pool(await run(config, { snapshot: withProbe(NOW - 1_000) }), "p"), "o0").ejection).toBeNull();
    const sticky = compile(singlePool({ origins: 2, pool: { outlierDetection: { unejectOnProbeSuccess: false } } }));
    expect(origin(pool(await run(sticky, { snapshot: withProbe(NOW - 1_000) }), "p"), "o0").excluded).toBe("ejected");
  });

  it("ejection override: when ejection leaves nothing, the ejected origin serves and the valve says so", async () => {
    const config = compile(singlePool({ origins: 1 }));
    const e = await run(config, { ejections: [ejection("o0", "p")] });
    expect(e.outcome).toMatchObject({ kind: "origin", origin: "o0", ejectionOverride: true });
    expect(e.valves?.ejectionOverride).toMatchObject({ active: true, pools: ["p"] });
    expect(e.valves?.ejectionOverride.detail).toContain("o0");
    expect(pool(e, "p").verdict).toBe("serves");
    // Probe-unhealthy too: no valve helps.
    const dead = await run(config, { ejections: [ejection("o0", "p")], snapshot: snapshotDown(["o0"]) });
    expect(dead.outcome).toMatchObject({ kind: "error", code: "no_healthy_origin" });
  });
});

describe("affinity", () => {
  const key = affinityKey("explain-test-secret");
  const verify: ExplainInput["verifyCookie"] = async (routeId, value) => verifyPin(await key, routeId, value, NOW);
  const cookieConfig = (onFailure: "none" | "temporary" | "sticky", drained = false) =>
    compile(
      singlePool({
        origins: 3,
        origin: (i) => (drained && i === 2 ? { weight: 0 } : {}),
        route: { affinity: { type: "cookie", onFailure } },
      }),
    );

  it("a verified pin decides the first try, also on a drained origin", async () => {
    const config = cookieConfig("sticky", true);
    const pin = await signPin(await key, "r", "o2", NOW, 600);
    const e = await run(config, { headers: { cookie: `__edgeway_affinity=${pin}` }, verifyCookie: verify });
    expect(e.affinity?.cookie).toEqual({ present: true, verdict: "verified", pinned: "o2", state: "usable" });
    expect(e.outcome).toMatchObject({ kind: "origin", origin: "o2", pinned: true, basis: "deterministic" });
    expect(e.poolSteering).toMatchObject({ steeredBy: "affinity-cookie", pick: "o2" });
    expect(e.retries?.tries[0]).toMatchObject({ origin: "o2", pinned: true });
    expect(e.retries?.tries[1]?.origin).not.toBe("o2");
  });

  it("a forged, foreign or absent cookie is named, and steering picks", async () => {
    const config = cookieConfig("sticky");
    const other = await signPin(await key, "another-route", "o1", NOW, 600);
    const forged = await run(config, { headers: { cookie: `__edgeway_affinity=${other}` }, verifyCookie: verify });
    expect(forged.affinity?.cookie).toMatchObject({ present: true, verdict: "invalid", pinned: null, state: "none" });
    expect(forged.outcome).toMatchObject({ pinned: false });
    const absent = await run(config, { verifyCookie: verify });
    expect(absent.affinity?.cookie?.verdict).toBe("absent");
    const noKey = await run(config);
    expect(noKey.affinity?.cookie?.verdict).toBe("no-key");
  });

  it('a pin on an unhealthy origin with onFailure "none": 503 affine_origin_unavailable', async () => {
    const pin = await signPin(await key, "r", "o0", NOW, 600);
    const e = await run(cookieConfig("none"), {
      headers: { cookie: `__edgeway_affinity=${pin}` },
      verifyCookie: verify,
      snapshot: snapshotDown(["o0"]),
    });
    expect(e.outcome).toMatchObject({ kind: "error", status: 503, code: "affine_origin_unavailable" });
    expect(e.affinity?.cookie?.state).toBe("unavailable");
    const temporary = await run(cookieConfig("temporary"), {
      headers: { cookie: `__edgeway_affinity=${pin}` },
      verifyCookie: verify,
      snapshot: snapshotDown(["o0"]),
    });
    expect(temporary.outcome).toMatchObject({ kind: "origin", pinned: false });
    expect(picked(temporary)).not.toBe("o0");
    expect(temporary.affinity?.effect).toContain("keeps its pin");
  });

  it("header affinity: every pool hashes on the header, whatever its own steering", async () => {
    const config = compile(
      singlePool({ origins: 4, pool: { steering: "round_robin" }, route: { affinity: { type: "header", name: "x-session" } } }),
    );
    for (const session of ["s1", "s2", "s3", "s4", "s5"]) {
      const e = await run(config, { headers: { "x-session": session } });
      expect(e.affinity).toMatchObject({ type: "header", name: "x-session", key: session });
      expect(e.poolSteering).toMatchObject({ steeredBy: "affinity-key", basis: "deterministic", hashKey: { value: session } });
      expect(picked(e)).toBe(rendezvousPick(session, poolOf(config, "p").origins)?.id);
    }
    const none = await run(config);
    expect(none.affinity?.key).toBeNull();
    expect(none.poolSteering?.steeredBy).toBe("policy");
  });

  it('ip affinity with onFailure "none": the key\'s home origin alone may serve, and no retries', async () => {
    const config = compile(singlePool({ origins: 3, route: { affinity: { type: "ip", onFailure: "none" } } }));
    const ip = "192.0.2.44";
    const home = rendezvousPick(ip, poolOf(config, "p").origins)?.id ?? "";
    const ok = await run(config, { client: { ip } });
    expect(ok.affinity?.home).toEqual({ pool: "p", origin: home, healthy: true });
    expect(picked(ok)).toBe(home);
    expect(ok.retries).toMatchObject({ allowed: false });
    expect(ok.retries?.tries).toHaveLength(1);
    const down = await run(config, { client: { ip }, snapshot: snapshotDown([home]) });
    expect(down.affinity?.home).toEqual({ pool: "p", origin: home, healthy: false });
    expect(down.outcome).toMatchObject({ kind: "error", code: "no_healthy_origin" });
  });
});

describe("retry plan", () => {
  it("lists the first try and where each retry would go, each on an origin not tried yet", async () => {
    const config = compile(threeTier({ route: { retries: { attempts: 3 } } }));
    const e = await run(config);
    const tries = e.retries?.tries ?? [];
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3, 4]);
    expect(new Set(tries.map((t) => t.origin)).size).toBe(4);
    expect(tries.slice(0, 3).every((t) => t.pool === "main")).toBe(true);
    expect(at(tries, 3).pool).toBe("backup");
    expect(e.retries).toMatchObject({ attempts: 3, allowed: true, on: ["connect-failure", "timeout", "502", "503", "504"] });
  });

  it("a method retries.methods leaves out gets one try, and hedging only for GET and HEAD", async () => {
    const config = compile(singlePool({ origins: 3, route: { hedge: { delayMs: 40 } } }));
    const post = await run(config, { method: "POST" });
    expect(post.retries).toMatchObject({ allowed: false, hedgeDelayMs: null });
    expect(post.retries?.why).toContain("POST");
    expect(post.retries?.tries).toHaveLength(1);
    const get = await run(config);
    expect(get.retries).toMatchObject({ allowed: true, hedgeDelayMs: 40 });
    expect(get.retries?.tries).toHaveLength(2);
  });
});

describe("explaining leaves live state alone", () => {
  it("the live detector keeps its ejection even when the snapshot would return it", async () => {
    const config = compile(singlePool({ origins: 2 }));
    const live = new OutlierDetector();
    live.adopt(ejection("o0", "p"), NOW, poolOf(config, "p").source.outlierDetection);
    const epoch = live.epoch;
    const snapshot: HealthSnapshot = {
      generatedAt: NOW - 500,
      origins: { o0: { healthy: true, since: 0, reason: "HTTP 200", lastProbeAt: NOW - 100, lastProbeOk: true } },
    };
    const e = await run(config, { snapshot, ejections: live.ejections(NOW) });
    expect(origin(pool(e, "p"), "o0").ejection).toBeNull();
    expect(live.isEjected("o0", NOW)).toBe(true);
    expect(live.epoch).toBe(epoch);
  });

  it("the same inputs give the same explanation: no rotation carries over between calls", async () => {
    const config = compile(singlePool({ origins: 3, pool: { steering: "round_robin" }, route: { retries: { attempts: 2 } } }));
    const first = await run(config);
    const second = await run(config);
    expect(second).toEqual(first);
  });
});

/**
 * `/explain` (src/steering/explain/): the shares each pool policy gives, checked against the
 * real policies' frequencies, and the valves (panic, the fallback pool, drained and ejected
 * origins, the ejection override, maxEjectionPercent) explained as selection acts on them.
 */
import { LatencyTracker } from "../../src/steering/latency.ts";
import { latencySignals } from "../../src/steering/latency-colo.ts";
import { describe, expect, it } from "vitest";
import type { CompiledConfig } from "../../src/config/compile.ts";
import type { OriginOverrides } from "../../src/config/overrides.ts";
import { effectiveConfig } from "../../src/discovery/effective-config.ts";
import type { HealthSnapshot } from "../../src/health/snapshot.ts";
import { rendezvousPick } from "../../src/steering/pool/hash.ts";
import { createMemoryStore } from "../../src/steering/select.ts";
import type { SteeringSignals } from "../../src/steering/types.ts";
import { compile, poolOf, routeOf, singlePool } from "./helpers/configs.ts";
import { pickAllHealthy } from "./helpers/latency-run.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countIds, fakeSignals } from "./steering-conformance.case.ts";
import { ejection, NOW, origin, picked, pool, run, snapshotDown, threeTier } from "./helpers/explain.ts";

describe("pool steering shares", () => {
  /** Frequencies of the real selection over `n` picks with one memory (rotation) and one random source. */
  function frequencies(config: CompiledConfig, signals: SteeringSignals, n: number): Record<string, number> {
    const route = routeOf(config);
    const memory = createMemoryStore();
    const random = mulberry32(99);
    const ids = Array.from({ length: n }, () => pickAllHealthy(route, random, memory, signals)?.origin.id ?? "none");
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

  it("latency: the cheapest takes every pick, less the exploring share of a stale one; the knobs and each origin's estimate and age are shown", async () => {
    const config = compile(singlePool({ origins: 3, pool: { steering: "latency", latency: { explorePercent: 4 } } }));
    const tracker = new LatencyTracker();
    tracker.observe("o0", 30, true, 0);
    tracker.observe("o1", 10, true, 9_000);
    tracker.observe("o2", 20, true, 9_000);
    const e = await run(config, {
      signals: latencySignals(
        tracker,
        () => 0,
        () => 10_000,
      ),
    });
    const p = pool(e, "p");
    expect(p.latency).toEqual({ decaySeconds: 10, explorePercent: 4, exploreIntervalSeconds: 5, failurePenaltyMs: 1_000 });
    expect(p.origins.map((o) => [o.id, o.latencyAgeMs, o.share])).toEqual([
      ["o0", 10_000, 0.04],
      ["o1", 1_000, 0.96],
      ["o2", 1_000, 0],
    ]);
    expect(p.origins[1]?.latencyMs).toBeCloseTo(10 * Math.exp(-0.1), 9);
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

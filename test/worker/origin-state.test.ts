/** The OriginState Durable Object: thresholds, history, duplicates, eviction. */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { COLO_LATENCY_MAX_AGE_MS, HISTORY_PER_ORIGIN } from "../../src/state/origin-state.ts";
import type { OriginState } from "../../src/state/origin-state.ts";
import type { ProbeResult } from "../../src/health/probe-result.ts";

const thresholds = { a: { healthyThreshold: 2, unhealthyThreshold: 3 }, b: { healthyThreshold: 2, unhealthyThreshold: 3 } };
let unique = 0;
const freshStub = (): DurableObjectStub<OriginState> => env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(`test-${Date.now()}-${unique++}`));

function result(originId: string, ok: boolean, at: number): ProbeResult {
  return { originId, monitorId: "http", ok, at, latencyMs: 3, status: ok ? 200 : 503, reason: ok ? "HTTP 200" : "HTTP 503 (expected 2xx)" };
}

async function round(stub: DurableObjectStub<OriginState>, at: number, results: Record<string, boolean>) {
  return stub.recordProbes({
    results: Object.entries(results).map(([id, ok]) => result(id, ok, at)),
    thresholds,
    origins: ["a", "b"],
  });
}

describe("OriginState", () => {
  it("turns an origin unhealthy after unhealthyThreshold failures and back after healthyThreshold passes", async ({ expect }) => {
    const stub = freshStub();
    expect((await round(stub, 1, { a: false, b: true })).origins.a?.healthy).toBe(true);
    expect((await round(stub, 2, { a: false, b: true })).origins.a?.healthy).toBe(true);
    const third = await round(stub, 3, { a: false, b: true });
    expect(third.origins.a).toMatchObject({ healthy: false, since: 3 });
    expect(third.origins.a?.reason).toMatch(/3 consecutive probe\(s\) failed/);
    expect(third.origins.b?.healthy).toBe(true);
    expect((await round(stub, 4, { a: true })).origins.a?.healthy).toBe(false);
    expect((await round(stub, 5, { a: true })).origins.a?.healthy).toBe(true);
    const details = await stub.details();
    expect(details.a?.transitions.map((t) => `${t.from}->${t.to}@${t.at}`)).toEqual(["unhealthy->healthy@5", "healthy->unhealthy@3"]);
  });

  it("a duplicated round (at-least-once delivery) changes nothing", async ({ expect }) => {
    const stub = freshStub();
    await round(stub, 10, { a: false });
    await round(stub, 10, { a: false });
    await round(stub, 10, { a: false });
    const details = await stub.details();
    expect(details.a?.consecutiveFailures).toBe(1);
    expect(details.a?.history).toHaveLength(1);
    expect(details.a?.healthy).toBe(true);
  });

  it("keeps a bounded history per origin", async ({ expect }) => {
    const stub = freshStub();
    for (let at = 1; at <= HISTORY_PER_ORIGIN + 15; at++) await round(stub, at, { a: true });
    const count = await runInDurableObject(
      stub,
      (_instance: OriginState, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM probe_history WHERE origin_id = 'a'").one().n,
    );
    expect(count).toBe(HISTORY_PER_ORIGIN);
    const details = await stub.details(5);
    expect(details.a?.history.map((h) => h.at)).toEqual([115, 114, 113, 112, 111]);
  });

  it("state survives eviction", async ({ expect }) => {
    const stub = freshStub();
    await round(stub, 1, { a: false, b: true });
    await round(stub, 2, { a: false, b: true });
    await round(stub, 3, { a: false, b: true });
    await evictDurableObject(stub);
    const snapshot = await stub.snapshot();
    expect(snapshot.origins.a).toMatchObject({ healthy: false, since: 3 });
    expect(snapshot.origins.b?.healthy).toBe(true);
    const details = await stub.details();
    expect(details.a?.consecutiveFailures).toBe(3);
    expect(details.a?.history).toHaveLength(3);
  });

  it("forgets origins the config no longer has", async ({ expect }) => {
    const stub = freshStub();
    await round(stub, 1, { a: true, b: true });
    const snapshot = await stub.recordProbes({ results: [result("a", true, 2)], thresholds, origins: ["a"] });
    expect(Object.keys(snapshot.origins)).toEqual(["a"]);
  });

  it("allocates config versions past both its counter and the version in KV", async ({ expect }) => {
    const stub = freshStub();
    expect(await stub.allocateConfigVersion(0)).toBe(1);
    expect(await stub.allocateConfigVersion(0)).toBe(2);
    expect(await stub.allocateConfigVersion(10)).toBe(11);
    await evictDurableObject(stub);
    expect(await stub.allocateConfigVersion(0)).toBe(12);
  });
});

describe("OriginState colo latency", () => {
  it("keeps each colo's estimates with their sample times, the most recently sampled winning", async ({ expect }) => {
    const stub = freshStub();
    const t = Date.now() - 5_000;
    await stub.reportLatency("FRA", [
      ["a", 12, t],
      ["pool:eu", 15, t],
    ]);
    await stub.reportLatency("FRA", [["a", 20, t + 1_000]]);
    // An older sample (another isolate's, or a report sent again) changes nothing.
    await stub.reportLatency("FRA", [["a", 99, t + 500]]);
    await stub.reportLatency("FRA", [["a", 98, t + 1_000]]);
    await stub.reportLatency("SIN", [["a", 180, t]]);
    const fra = await stub.snapshot("FRA");
    expect(fra.latency).toEqual({ a: 20, "pool:eu": 15 });
    expect(fra.latencyAt).toEqual({ a: t + 1_000, "pool:eu": t });
    expect(fra.latencyScope).toBe("colo");
    expect((await stub.snapshot("SIN")).latency).toEqual({ a: 180 });
    expect((await stub.snapshot()).latency).toBeUndefined();
  });

  it("gives a colo with no estimates the global view: per key, the mean of every colo's", async ({ expect }) => {
    const stub = freshStub();
    const t = Date.now() - 1_000;
    await stub.reportLatency("FRA", [
      ["a", 20, t],
      ["b", 40, t],
    ]);
    await stub.reportLatency("SIN", [["a", 180, t + 10]]);
    const lhr = await stub.snapshot("LHR");
    expect(lhr.latencyScope).toBe("global");
    expect(lhr.latency).toEqual({ a: 100, b: 40 });
    expect(lhr.latencyAt).toEqual({ a: t + 10, b: t });
    // A colo's own view never mixes in another's.
    expect((await stub.snapshot("SIN")).latency).toEqual({ a: 180 });
  });

  it("drops estimates sampled longer ago than COLO_LATENCY_MAX_AGE_MS, and counts an entry without a sample time (an older isolate) as sampled now", async ({
    expect,
  }) => {
    const stub = freshStub();
    const now = Date.now();
    await stub.reportLatency("FRA", [
      ["old", 5, now - COLO_LATENCY_MAX_AGE_MS - 1_000],
      ["new", 6, now],
    ]);
    await stub.reportLatency("FRA", [["legacy", 7]]);
    const fra = await stub.snapshot("FRA");
    expect(fra.latency).toEqual({ new: 6, legacy: 7 });
    expect(fra.latencyAt?.legacy).toBeGreaterThanOrEqual(now);
  });

  it("ignores values that are not finite non-negative numbers", async ({ expect }) => {
    const stub = freshStub();
    await stub.reportLatency("FRA", [
      ["a", Number.NaN, Date.now()],
      ["b", -1, Date.now()],
      ["c", 7, Date.now()],
    ]);
    expect((await stub.snapshot("FRA")).latency).toEqual({ c: 7 });
  });
});

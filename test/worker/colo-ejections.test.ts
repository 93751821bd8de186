/**
 * The OriginState object's per-colo passive health: each colo's ejections kept apart; the
 * snapshot a colo reads carries its own ejections, the global verdicts and the vote counts;
 * a quorum of the colos that use an origin ejects it everywhere; a passing probe ends what
 * began before it; ejections kept before they were per colo survive the upgrade.
 */
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { OriginState } from "../../src/state/origin-state.ts";
import type { ReportedEjection } from "../../src/state/ejection-store.ts";

let unique = 0;
const freshStub = (): DurableObjectStub<OriginState> =>
  env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(`colo-test-${Date.now()}-${unique++}`));

function ejection(originId: string, at = Date.now(), seconds = 30): ReportedEjection {
  return {
    originId,
    poolId: "p",
    kind: "consecutive-gateway-failure",
    at,
    until: at + seconds * 1_000,
    count: 1,
    reason: "3 consecutive gateway failures (last: connect-failure)",
    unejectOnProbeSuccess: true,
    quorum: { fraction: 0.5, min: 2, windowSeconds: 60 },
  };
}

describe("OriginState per-colo ejections", () => {
  it("keeps an ejection in its colo: other colos' snapshots do not carry it, and no global verdict follows", async ({ expect }) => {
    const stub = freshStub();
    // Four colos use origin a; FRA ejects it.
    for (const colo of ["SIN", "IAD", "GRU"]) await stub.reportTraffic({ colo, ejections: [], counts: [["a", 10, 0]] });
    await stub.reportTraffic({ colo: "FRA", ejections: [ejection("a")], counts: [["a", 3, 3]] });
    const fra = await stub.snapshot("FRA");
    expect(fra.coloEjections?.["FRA"]?.map((e) => e.originId)).toEqual(["a"]);
    expect(fra.origins["a"]?.ejection).toBeUndefined();
    expect(fra.votes?.["a"]).toEqual({ failing: 1, voters: 4, needed: 2, ejected: false });
    const sin = await stub.snapshot("SIN");
    expect(sin.coloEjections).toEqual({ SIN: [] });
    const details = (await stub.details())["a"];
    expect(details?.colos["FRA"]).toMatchObject({ ejected: true, ejection: { reason: expect.stringContaining("gateway") } });
    expect(details?.colos["SIN"]).toMatchObject({ ejected: false, ejection: null });
    expect(details?.quorum).toMatchObject({ ejected: false, failing: ["FRA"], needed: 2 });
  });

  it("ejects everywhere once half of the colos using the origin eject it, and says so in every colo's snapshot", async ({ expect }) => {
    const stub = freshStub();
    for (const colo of ["SIN", "IAD", "GRU"]) await stub.reportTraffic({ colo, ejections: [], counts: [["a", 10, 0]] });
    await stub.reportTraffic({ colo: "FRA", ejections: [ejection("a")], counts: [] });
    const second = await stub.reportTraffic({ colo: "SIN", ejections: [ejection("a")], counts: [] });
    // The report that completes the quorum is answered with the verdict.
    expect(second.origins["a"]?.ejection?.reason).toMatch(/^ejected everywhere: 2 of 4 colos .* \(FRA, SIN; needed 2\)/);
    const gru = await stub.snapshot("GRU");
    expect(gru.origins["a"]?.ejection).toBeDefined();
    expect(gru.votes?.["a"]).toEqual({ failing: 2, voters: 4, needed: 2, ejected: true });
    expect((await stub.details())["a"]?.ejection).toBeDefined();
  });

  it("a passing probe ends every colo's ejection that began before it, and the verdict with them", async ({ expect }) => {
    const stub = freshStub();
    const at = Date.now() - 1_000;
    await stub.reportTraffic({ colo: "FRA", ejections: [ejection("a", at)], counts: [] });
    await stub.reportTraffic({ colo: "SIN", ejections: [ejection("a", at)], counts: [] });
    expect((await stub.snapshot("FRA")).origins["a"]?.ejection).toBeDefined();
    await stub.recordProbes({
      results: [{ originId: "a", monitorId: "http", ok: true, at: Date.now(), latencyMs: 2, status: 200, reason: "HTTP 200" }],
      thresholds: { a: { healthyThreshold: 2, unhealthyThreshold: 2 } },
      origins: ["a"],
    });
    const after = await stub.snapshot("FRA");
    expect(after.origins["a"]?.ejection).toBeUndefined();
    expect(after.coloEjections?.["FRA"]).toEqual([]);
    expect(after.votes?.["a"]).toBeUndefined();
  });

  it("within a colo the later ejection wins; an admin release ends them in every colo", async ({ expect }) => {
    const stub = freshStub();
    const now = Date.now();
    await stub.reportTraffic({ colo: "FRA", ejections: [ejection("a", now, 60)], counts: [] });
    await stub.reportTraffic({ colo: "FRA", ejections: [ejection("a", now, 30)], counts: [] });
    expect((await stub.snapshot("FRA")).coloEjections?.["FRA"]?.[0]?.until).toBe(now + 60_000);
    await stub.reportTraffic({ colo: "SIN", ejections: [ejection("a", now, 30)], counts: [] });
    expect(await stub.releaseEjection("a")).toBe(true);
    const snap = await stub.snapshot("FRA", ["FRA", "SIN"]);
    expect(snap.coloEjections).toEqual({ FRA: [], SIN: [] });
    expect(await stub.releaseEjection("a")).toBe(false);
  });

  it("keeps the per-colo state across eviction, and moves ejections kept before per-colo health into their colo", async ({ expect }) => {
    const stub = freshStub();
    await stub.reportTraffic({ colo: "FRA", ejections: [ejection("a")], counts: [["a", 3, 3]] });
    const until = Date.now() + 30_000;
    await runInDurableObject(stub, (_instance: OriginState, state) => {
      state.storage.sql.exec(
        "INSERT INTO ejections (origin_id, pool_id, kind, at, until, count, reason, uneject_on_probe, colo) VALUES ('b', 'p', 'consecutive-5xx', ?, ?, 2, 'old', 1, 'AMS')",
        Date.now(),
        until,
      );
    });
    await evictDurableObject(stub);
    const snap = await stub.snapshot("FRA", ["FRA", "AMS"]);
    expect(snap.coloEjections?.["FRA"]?.map((e) => e.originId)).toEqual(["a"]);
    expect(snap.coloEjections?.["AMS"]).toEqual([expect.objectContaining({ originId: "b", until, count: 2 })]);
    expect((await stub.details())["a"]?.colos["FRA"]?.lastTrafficAt).toBeGreaterThan(0);
  });
});

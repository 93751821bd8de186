/**
 * The Durable Object's alarm loop: sub-minute monitors probed from the alarm, slower ones
 * left to cron, a duplicate alarm harmless, eviction losing nothing, heartbeats lapsing.
 * Each test drives its own object (by name) with `runDurableObjectAlarm`.
 */
import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, inject, it } from "vitest";
import type { OriginState } from "../../src/state/origin-state.ts";
import { useConfig } from "./helpers.ts";

let unique = 0;
const freshStub = (): DurableObjectStub<OriginState> =>
  env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(`alarm-${Date.now()}-${unique++}`));

/** o19 has a 30 s monitor (alarm loop), o20 a 60 s one (cron only). */
async function twoSpeedConfig(): Promise<void> {
  const all = inject("origins");
  await useConfig({
    origins: [
      { id: "o19", url: all.o19 },
      { id: "o20", url: all.o20 },
    ],
    monitors: [
      { id: "fast", path: "/healthz", intervalSeconds: 30, timeoutMs: 1_000 },
      { id: "slow", path: "/healthz", intervalSeconds: 60, timeoutMs: 1_000 },
    ],
    pools: [
      { id: "fastpool", origins: ["o19"], monitor: "fast" },
      { id: "slowpool", origins: ["o20"], monitor: "slow" },
    ],
    routes: [{ id: "r", pools: ["fastpool", "slowpool"] }],
  });
}

function alarmOf(stub: DurableObjectStub<OriginState>): Promise<number | null> {
  return runInDurableObject(stub, (_i: OriginState, state) => state.storage.getAlarm());
}

/** Sets the object's alarm `ms` from now, as a redelivered or early alarm would be. */
function deliverAlarmIn(stub: DurableObjectStub<OriginState>, ms: number): Promise<void> {
  return runInDurableObject(stub, (_i: OriginState, state) => state.storage.setAlarm(Date.now() + ms));
}

async function historyLength(stub: DurableObjectStub<OriginState>, id: string): Promise<number> {
  return (await stub.details())[id]?.history.length ?? 0;
}

describe("alarm loop", () => {
  it("probes sub-minute monitors from the alarm, leaves 60 s ones to cron, and reschedules with jitter", async ({ expect }) => {
    await twoSpeedConfig();
    const stub = freshStub();
    await stub.ensureAlarm();
    const before = Date.now();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await historyLength(stub, "o19")).toBe(1);
    expect(await historyLength(stub, "o20")).toBe(0);
    const next = await alarmOf(stub);
    // 30 s ± 10% jitter from when the round ran.
    expect(next).not.toBeNull();
    expect(next ?? 0).toBeGreaterThanOrEqual(before + 27_000 - 50);
    expect(next ?? 0).toBeLessThanOrEqual(Date.now() + 33_000 + 50);
  });

  it("a duplicate alarm (at-least-once delivery) probes nothing twice and keeps the loop alive", async ({ expect }) => {
    await twoSpeedConfig();
    const stub = freshStub();
    await stub.ensureAlarm();
    await runDurableObjectAlarm(stub);
    const scheduled = await alarmOf(stub);
    // Deliver the alarm again, early: nothing is due.
    await deliverAlarmIn(stub, 100);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await historyLength(stub, "o19")).toBe(1);
    const after = await alarmOf(stub);
    expect(after).toBe(scheduled);
  });

  it("eviction loses nothing: health, history, the schedule and the alarm survive", async ({ expect }) => {
    await twoSpeedConfig();
    const stub = freshStub();
    await stub.ensureAlarm();
    await runDurableObjectAlarm(stub);
    const detailsBefore = await stub.details();
    const alarmBefore = await alarmOf(stub);
    await evictDurableObject(stub);
    const detailsAfter = await stub.details();
    expect(detailsAfter.o19?.history).toEqual(detailsBefore.o19?.history);
    expect(detailsAfter.o19?.healthy).toBe(true);
    expect((await stub.snapshot()).origins.o19?.lastProbeOk).toBe(true);
    const { alarm, nextDue } = await runInDurableObject(stub, async (_i: OriginState, state) => ({
      alarm: await state.storage.getAlarm(),
      nextDue: state.storage.sql.exec<{ next_at: number }>("SELECT next_at FROM monitor_schedule WHERE monitor_id = 'fast'").toArray()[0]
        ?.next_at,
    }));
    expect(alarm).toBe(alarmBefore);
    expect(nextDue).toBeDefined();
    // Woken after eviction before the monitor is due: still nothing probed twice.
    await deliverAlarmIn(stub, 100);
    await runDurableObjectAlarm(stub);
    expect(await historyLength(stub, "o19")).toBe(1);
  });

  it("stops when nothing needs it, and ensureAlarm starts it again", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o20", url: all.o20 }],
      monitors: [{ id: "slow", path: "/healthz", intervalSeconds: 60 }],
      pools: [{ id: "p", origins: ["o20"], monitor: "slow" }],
      routes: [{ id: "r", pools: ["p"] }],
    });
    const stub = freshStub();
    await stub.ensureAlarm();
    await runDurableObjectAlarm(stub);
    expect(await alarmOf(stub)).toBeNull();
    await twoSpeedConfig();
    await stub.ensureAlarm();
    expect(await alarmOf(stub)).not.toBeNull();
  });
});

/** A registrant that holds its secret (the hash stands in for it: the object only ever sees hashes). */
const CLAIM = {
  registrant: "register-token",
  presentedSecretHash: "a".repeat(64),
  newSecretHash: "a".repeat(64),
  policy: { matched: "127.0.0.0/8", configVersion: 1 },
  maxInPool: 50,
  maxTotal: 1_000,
};

/** What a registration call did, or the refusal's code. */
function kindOf(outcome: { ok: true; kind: string } | { ok: false; refusal: { code: string } }): string {
  return outcome.ok ? outcome.kind : outcome.refusal.code;
}

describe("registration heartbeats", () => {
  it("a lapsed heartbeat turns the origin unhealthy once, a new heartbeat brings it back", async ({ expect }) => {
    const stub = freshStub();
    const all = inject("origins");
    const first = await stub.register(
      { id: "reg-a", url: all.o21 ?? "", pool: "p", weight: 1, ttlSeconds: 1, deregisterAfterSeconds: 60 },
      CLAIM,
    );
    expect(kindOf(first)).toBe("created");
    expect((await stub.snapshot()).origins["reg-a"]?.healthy).toBe(true);
    // The alarm is set for the lapse.
    const alarm = await alarmOf(stub);
    expect(alarm).not.toBeNull();
    expect(alarm ?? 0).toBeLessThanOrEqual(Date.now() + 1_200);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await deliverAlarmIn(stub, 50);
    await runDurableObjectAlarm(stub);
    await runDurableObjectAlarm(stub);
    const lapsed = await stub.details();
    expect(lapsed["reg-a"]?.healthy).toBe(false);
    expect(lapsed["reg-a"]?.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(["healthy->unhealthy"]);
    expect((await stub.snapshot()).origins["reg-a"]?.healthy).toBe(false);

    const again = await stub.register(
      { id: "reg-a", url: all.o21 ?? "", pool: "p", weight: 1, ttlSeconds: 1, deregisterAfterSeconds: 60 },
      CLAIM,
    );
    expect(kindOf(again)).toBe("heartbeat");
    const back = await stub.details();
    expect(back["reg-a"]?.healthy).toBe(true);
    expect(back["reg-a"]?.transitions.map((t) => `${t.from}->${t.to}`)).toEqual(["unhealthy->healthy", "healthy->unhealthy"]);
  });

  it("deregisters after deregisterAfterSeconds without a heartbeat, and the version moves", async ({ expect }) => {
    const stub = freshStub();
    const all = inject("origins");
    await stub.register({ id: "reg-b", url: all.o21 ?? "", pool: "p", weight: 1, ttlSeconds: 5, deregisterAfterSeconds: 60 }, CLAIM);
    const version = (await stub.snapshot()).registrationsVersion ?? 0;
    // Age the heartbeat past TTL + deregisterAfterSeconds, then reload the object from storage.
    await runInDurableObject(stub, (_i: OriginState, state) => {
      const row = state.storage.sql.exec<{ body: string }>("SELECT body FROM registrations WHERE id = 'reg-b'").one();
      const body = { ...(JSON.parse(row.body) as Record<string, unknown>), lastHeartbeat: Date.now() - 70_000 };
      state.storage.sql.exec("UPDATE registrations SET body = ? WHERE id = 'reg-b'", JSON.stringify(body));
    });
    await evictDurableObject(stub);
    await deliverAlarmIn(stub, 50);
    await runDurableObjectAlarm(stub);
    const snapshot = await stub.snapshot();
    expect(snapshot.registrations?.map((r) => r.id)).toEqual([]);
    expect(snapshot.origins["reg-b"]).toBeUndefined();
    expect(snapshot.registrationsVersion).toBe(version + 1);
  });

  it("a heartbeat that changes nothing leaves the registrations version alone; a new URL moves it", async ({ expect }) => {
    const stub = freshStub();
    const all = inject("origins");
    const reg = { id: "reg-c", url: all.o21 ?? "", pool: "p", weight: 1, ttlSeconds: 30, deregisterAfterSeconds: 600 };
    await stub.register(reg, CLAIM);
    const v1 = (await stub.snapshot()).registrationsVersion;
    expect(kindOf(await stub.register(reg, CLAIM))).toBe("heartbeat");
    expect((await stub.snapshot()).registrationsVersion).toBe(v1);
    expect(kindOf(await stub.register({ ...reg, url: all.o20 ?? "" }, CLAIM))).toBe("updated");
    expect((await stub.snapshot()).registrationsVersion).toBe((v1 ?? 0) + 1);
  });
});

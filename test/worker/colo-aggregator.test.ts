/**
 * The per-colo aggregator on workerd: two isolates' reports in one colo reach the global
 * OriginState object as one merged write per interval (the alarm's), an ejection reaches
 * it at once, and an isolate reports directly when its colo has no aggregator or the
 * aggregator fails.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, beforeEach, describe, it } from "vitest";
import type { ColoAggregator } from "../../src/state/colo-aggregator.ts";
import type { ReportedEjection } from "../../src/state/ejection-store.ts";
import { originStateStub } from "../../src/state/origin-state.ts";
import { resetAggregatorFallback, sendReport } from "../../src/state/report-send.ts";

let unique = 0;
/** A colo and an origin no other test uses: the global object is shared. */
const fresh = (): { colo: string; origin: string } => {
  const n = `${Date.now()}-${unique++}`;
  return { colo: `T${n}`, origin: `agg-${n}` };
};
const aggregator = (colo: string): DurableObjectStub<ColoAggregator> =>
  env.COLO_AGGREGATOR.get(env.COLO_AGGREGATOR.idFromName(`colo:${colo}`));

function ejection(originId: string, at = Date.now()): ReportedEjection {
  return {
    originId,
    poolId: "p",
    kind: "consecutive-gateway-failure",
    at,
    until: at + 30_000,
    count: 1,
    reason: "3 consecutive gateway failures (last: connect-failure)",
    unejectOnProbeSuccess: true,
  };
}

const tries = async (origin: string): Promise<number[]> => {
  const details = (await originStateStub(env).details())[origin];
  return [details?.traffic.reduce((s, b) => s + b.tries, 0) ?? 0, details?.traffic.reduce((s, b) => s + b.failures, 0) ?? 0];
};

// An aggregator failure elsewhere in this isolate must not send these tests' reports directly.
beforeEach(() => resetAggregatorFallback());
afterEach(() => resetAggregatorFallback());

describe("ColoAggregator", () => {
  it("merges two isolates' reports in memory and writes them to the global object as one report when the interval is up", async ({
    expect,
  }) => {
    const { colo, origin } = fresh();
    const agg = aggregator(colo);
    const t = Date.now();
    // The colo's first traffic to the origin is news to the quorum: written at once.
    await agg.report({ colo, ejections: [], counts: [[origin, 1, 0]] });
    expect(await agg.stats()).toEqual({ received: 1, writes: 1, urgentWrites: 0, holding: false });
    expect(await tries(origin)).toEqual([1, 0]);
    // Isolate 1 and isolate 2 of the colo, within one interval.
    expect(await agg.report({ colo, ejections: [], counts: [[origin, 10, 1]], latency: [[origin, 50, t - 2_000]] })).toBeUndefined();
    const heard = {
      report: { cpuUtilization: 0.4, memUtilization: 0, applicationUtilization: 0, rpsFractional: 20, eps: 0 },
      at: t - 500,
      since: t - 30_000,
    };
    expect(
      await agg.report({ colo, ejections: [], counts: [[origin, 5, 2]], latency: [[origin, 30, t - 1_000]], load: [[origin, heard]] }),
    ).toBeUndefined();
    expect(await agg.stats()).toEqual({ received: 3, writes: 1, urgentWrites: 0, holding: true });
    // Nothing more has reached the global object yet.
    expect(await tries(origin)).toEqual([1, 0]);
    const early = await originStateStub(env).snapshot(colo);
    expect(early.latency?.[origin]).toBeUndefined();
    expect(early.load?.[origin]).toBeUndefined();

    // The interval's alarm: one write, carrying both isolates' counts and the newest latency sample.
    expect(await runDurableObjectAlarm(agg)).toBe(true);
    expect(await agg.stats()).toEqual({ received: 3, writes: 2, urgentWrites: 0, holding: false });
    expect(await tries(origin)).toEqual([16, 3]);
    const snapshot = await originStateStub(env).snapshot(colo);
    expect(snapshot.latency?.[origin]).toBe(30);
    expect(snapshot.latencyScope).toBe("colo");
    expect(snapshot.load?.[origin]).toEqual(heard);
    // With nothing held there is no alarm left to run.
    expect(await runDurableObjectAlarm(agg)).toBe(false);
  });

  it("writes an ejection at once, with what it held, and answers with the snapshot that carries it", async ({ expect }) => {
    const { colo, origin } = fresh();
    const agg = aggregator(colo);
    await agg.report({ colo, ejections: [], counts: [[origin, 1, 0]] });
    expect(await agg.report({ colo, ejections: [], counts: [[origin, 6, 0]] })).toBeUndefined();
    const answer = await agg.report({ colo, ejections: [ejection(origin)], counts: [[origin, 3, 3]] }, [colo]);
    expect(answer?.coloEjections?.[colo]?.map((e) => e.originId)).toEqual([origin]);
    expect(await agg.stats()).toEqual({ received: 3, writes: 2, urgentWrites: 1, holding: false });
    // That write took what the interval's alarm was set for: no second write follows.
    expect(await runDurableObjectAlarm(agg)).toBe(false);
    // The global object has it now, without waiting for the interval.
    const snapshot = await originStateStub(env).snapshot(colo);
    expect(snapshot.coloEjections?.[colo]?.map((e) => e.originId)).toEqual([origin]);
    expect(await tries(origin)).toEqual([10, 3]);
    const details = (await originStateStub(env).details())[origin];
    expect(details?.colos[colo]).toMatchObject({ ejected: true });
  });

  it("writes the colo's first ejection of an origin at once and another isolate's ejection of it with the interval", async ({ expect }) => {
    const { colo, origin } = fresh();
    const agg = aggregator(colo);
    const t = Date.now();
    await agg.report({ colo, ejections: [ejection(origin, t)], counts: [[origin, 3, 3]] });
    const later = { ...ejection(origin, t + 5), until: t + 90_000 };
    expect(await agg.report({ colo, ejections: [later], counts: [[origin, 3, 3]] })).toBeUndefined();
    expect(await agg.stats()).toMatchObject({ writes: 1, holding: true });
    expect(await runDurableObjectAlarm(agg)).toBe(true);
    expect(await agg.stats()).toMatchObject({ writes: 2, holding: false });
    const held = (await originStateStub(env).snapshot(colo)).coloEjections?.[colo]?.find((e) => e.originId === origin);
    expect(held?.until).toBe(t + 90_000);
    // Once the object has ended it (an operator's release) and said so, the next ejection is news again.
    await originStateStub(env).releaseEjection(origin);
    await agg.report({ colo, ejections: [], counts: [[`${origin}-other`, 1, 0]] });
    expect(await agg.report({ colo, ejections: [ejection(origin)], counts: [] }, [colo])).toBeDefined();
    expect(await agg.stats()).toMatchObject({ writes: 4 });
  });

  it("keeps each colo's reports with its own aggregator: two colos, two writes, each under its colo", async ({ expect }) => {
    const a = fresh();
    const b = fresh();
    const origin = a.origin;
    await aggregator(a.colo).report({ colo: a.colo, ejections: [ejection(origin)], counts: [[origin, 3, 3]] });
    await aggregator(b.colo).report({ colo: b.colo, ejections: [], counts: [[origin, 9, 0]] });
    const details = (await originStateStub(env).details())[origin];
    expect(details?.colos[a.colo]).toMatchObject({ ejected: true });
    expect(details?.colos[b.colo]).toMatchObject({ ejected: false });
    expect(details?.quorum).toMatchObject({ failing: [a.colo] });
  });
});

describe("sendReport", () => {
  it("goes through the colo's aggregator when it is bound", async ({ expect }) => {
    const { colo, origin } = fresh();
    await sendReport(env, { colo, ejections: [], counts: [[origin, 4, 0]] }, [colo]);
    expect(await sendReport(env, { colo, ejections: [], counts: [[origin, 2, 0]] }, [colo])).toBeUndefined();
    expect(await aggregator(colo).stats()).toMatchObject({ received: 2, writes: 1, holding: true });
    expect(await tries(origin)).toEqual([4, 0]);
  });

  it("reports directly when there is no aggregator binding", async ({ expect }) => {
    const { colo, origin } = fresh();
    const direct = { ...env, COLO_AGGREGATOR: undefined } as unknown as Env;
    const snapshot = await sendReport(direct, { colo, ejections: [ejection(origin)], counts: [[origin, 4, 4]] }, [colo]);
    expect(snapshot?.coloEjections?.[colo]?.map((e) => e.originId)).toEqual([origin]);
    expect(await tries(origin)).toEqual([4, 4]);
  });

  it("falls back to the global object with the whole report when the aggregator fails, and keeps reporting directly for a while", async ({
    expect,
  }) => {
    const { colo, origin } = fresh();
    let calls = 0;
    const broken = {
      idFromName: (name: string) => env.COLO_AGGREGATOR.idFromName(name),
      get: () => ({
        report: () => {
          calls++;
          return Promise.reject(new Error("aggregator unavailable"));
        },
      }),
    };
    const failing = { ...env, COLO_AGGREGATOR: broken } as unknown as Env;
    const snapshot = await sendReport(failing, { colo, ejections: [ejection(origin)], counts: [[origin, 2, 2]] }, [colo]);
    expect(snapshot?.coloEjections?.[colo]?.map((e) => e.originId)).toEqual([origin]);
    expect(await tries(origin)).toEqual([2, 2]);
    // The next report does not try the broken aggregator again.
    await sendReport(failing, { colo, ejections: [], counts: [[origin, 1, 0]] }, [colo]);
    expect(calls).toBe(1);
    expect(await tries(origin)).toEqual([3, 2]);
  });
});

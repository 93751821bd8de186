/**
 * A good canary end to end, on workerd with real origins (ro3 stable, ro4 canary): each
 * interval's analysis passes, the rollout advances step by step and is promoted, its final
 * weights written as a config version that history shows with reason "rollout ID
 * promoted" and the route sending everything to the canary. The rollout's state and its
 * interval's counts survive a restart of the Durable Object. A config push that changes
 * the route pauses the rollout and says why; resume takes the route as it is now, and is
 * refused when the target pool is gone.
 */
import { evictDurableObject } from "cloudflare:test";
import { afterEach, describe, it } from "vitest";
import { admin } from "../worker/helpers.ts";
import {
  canaryConfig,
  deliverReport,
  getRollout,
  judgeInterval,
  objectStub,
  post,
  refreshSnapshot,
  send,
  startRollout,
} from "./rollout-helpers.ts";
import type { RolloutBody } from "./rollout-helpers.ts";

/** Short intervals; latency left out of the verdict (origins on 127.0.0.1 answer in about a millisecond, where a pause is noise). */
const quick = { steps: [50, 100], intervalSeconds: 5, analysis: { minRequests: 10, maxLatencyRatio: 100 } } as const;

/** One interval: traffic, its report, the verdict. */
async function interval(rollout: RolloutBody, requests = 60): Promise<RolloutBody> {
  await send(requests);
  await deliverReport();
  await judgeInterval(rollout);
  await refreshSnapshot();
  return getRollout(rollout.id);
}

describe("a good canary", () => {
  // The tests of a file share one object: each leaves no rollout holding the route.
  afterEach(async () => {
    for (const r of ((await (await admin("/rollouts")).json()) as { rollouts: RolloutBody[] }).rollouts)
      if (r.state === "progressing" || r.state === "paused") await post(`/rollouts/${r.id}/abort`);
  });

  it("advances step by step and is promoted; its config version is in history and the route sends everything to it", async ({ expect }) => {
    const before = await canaryConfig("ro3", "ro4");
    const rollout = await startRollout({ route: "web", to: "canary", ...quick });

    const first = await interval(rollout);
    expect(first).toMatchObject({ state: "progressing", step: 1, weight: 100 });
    expect(first.history.at(-1)).toMatchObject({ verdict: "pass", decision: "advance", weight: 50 });
    // At the last step every first try goes to the canary.
    expect((await send(10)).every((r) => r.origin === "ro4")).toBe(true);

    const done = await interval(rollout);
    expect(done).toMatchObject({ state: "promoted", weight: 100 });
    expect(done.history.at(-1)).toMatchObject({ verdict: "pass", decision: "promote" });
    expect(done.promotedVersion).toBeGreaterThan(before);

    const history = (await (await admin("/config/history")).json()) as {
      current: number;
      versions: { version: number; reason: string | null; actor: string | null }[];
    };
    expect(history.current).toBe(done.promotedVersion);
    expect(history.versions[0]).toMatchObject({
      version: done.promotedVersion,
      reason: `rollout ${rollout.id} promoted`,
      actor: "rollout",
    });
    const config = (await (await admin("/config")).json()) as { routes: { id: string; pools: string[] }[] };
    expect(config.routes.find((r) => r.id === "web")?.pools).toEqual(["canary"]);
    expect((await send(10)).every((r) => r.origin === "ro4")).toBe(true);
    // A promoted rollout holds the route no more.
    expect((await post("/rollouts", { route: "web", to: "stable" })).status).toBe(201);
  });

  it("survives a restart of the Durable Object mid-rollout: state, split and the interval's counts", async ({ expect }) => {
    await canaryConfig("ro3", "ro4");
    const rollout = await startRollout({ route: "web", to: "canary", ...quick });
    await send(60);
    await deliverReport();
    const stub = objectStub();
    await evictDurableObject(stub);

    const after = await getRollout(rollout.id);
    expect(after).toMatchObject({ state: "progressing", step: 0, weight: 50 });
    const snapshot = await stub.snapshot();
    expect(snapshot.rollouts?.find((r) => r.id === rollout.id)).toEqual({ id: rollout.id, route: "web", to: "canary", weight: 50 });
    // The counts reported before the restart carry the verdict.
    await judgeInterval(rollout);
    const judged = await getRollout(rollout.id);
    expect(judged).toMatchObject({ state: "progressing", step: 1, weight: 100 });
    expect(judged.history.at(-1)?.figures?.targetRequests).toBeGreaterThanOrEqual(10);
  });

  it("a config push that changes the route pauses it and says why; resume takes the route as it is now", async ({ expect }) => {
    await canaryConfig("ro3", "ro4");
    const rollout = await startRollout({ route: "web", to: "canary", ...quick });
    await canaryConfig("ro3", "ro4", { timeoutMs: 20_000 });
    const paused = await getRollout(rollout.id);
    expect(paused).toMatchObject({ state: "paused", weight: 50 });
    expect(paused.reason).toMatch(/changed route "web"/);
    expect(paused.history.at(-1)).toMatchObject({ verdict: "config_changed", decision: "pause" });
    // Paused, the split holds.
    await refreshSnapshot();
    expect(new Set((await send(40)).map((r) => r.origin))).toEqual(new Set(["ro3", "ro4"]));

    const resumed = await post(`/rollouts/${rollout.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ state: "progressing", weight: 50 });
    // A second push that leaves the route alone changes nothing.
    await canaryConfig("ro3", "ro4", { timeoutMs: 20_000 });
    expect((await getRollout(rollout.id)).state).toBe("progressing");

    expect((await post(`/rollouts/${rollout.id}/pause`)).status).toBe(200);
    const all = await (await admin("/config")).json();
    const { pools, ...rest } = all as { pools: { id: string }[] };
    const withoutCanary = { ...rest, pools: pools.filter((p) => p.id !== "canary") };
    expect((await admin("/config", { method: "PUT", body: JSON.stringify(withoutCanary) })).status).toBe(200);
    const refused = await post(`/rollouts/${rollout.id}/resume`);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toMatch(/removed pool "canary"/);
  });
});

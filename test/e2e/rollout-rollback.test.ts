/**
 * A failing canary end to end, on workerd with real origins: ro2 (the canary pool) answers
 * 503 to everything; the rollout sends it half the route's first tries, the analysis of
 * the colo's traffic report fails the interval and the object rolls the rollout back by
 * itself — no command — naming the figure that failed and the colo. After the rollback
 * every request goes to the stable pool: the canary gets no try at all. An abort rolls
 * back the same way, by hand.
 */
import { describe, inject, it } from "vitest";
import { originRequests, setOriginMode } from "../worker/helpers.ts";
import { canaryConfig, deliverReport, getRollout, judgeInterval, post, refreshSnapshot, send, startRollout } from "./rollout-helpers.ts";

describe("a failing canary", () => {
  it("rolls back by itself after the interval whose analysis fails; then traffic is 100 % stable", async ({ expect }) => {
    const all = inject("origins");
    await canaryConfig("ro1", "ro2");
    await setOriginMode(all.ro2 ?? "", "fail");
    const canaryBefore = await originRequests(all.ro2 ?? "");
    try {
      const rollout = await startRollout({
        route: "web",
        to: "canary",
        steps: [50, 100],
        intervalSeconds: 5,
        analysis: { minRequests: 10 },
      });
      expect(rollout).toMatchObject({ route: "web", to: "canary", state: "progressing", weight: 50, step: 0 });

      const during = await send(80);
      // The canary's 503s are retried on the stable pool: every client gets a 200.
      expect(during.every((r) => r.status === 200)).toBe(true);
      const canaryTries = (await originRequests(all.ro2 ?? "")) - canaryBefore;
      // About half the first tries went to the canary (50 %, 80 requests: well inside 20–60).
      expect(canaryTries).toBeGreaterThanOrEqual(20);
      expect(canaryTries).toBeLessThanOrEqual(60);

      await deliverReport();
      await judgeInterval(rollout);
      const after = await getRollout(rollout.id);
      expect(after.state).toBe("rolled_back");
      expect(after.weight).toBe(0);
      const last = after.history.at(-1);
      expect(last).toMatchObject({ verdict: "fail", decision: "rollback", weight: 50, colo: "local" });
      expect(last?.figures?.targetErrorRate).toBe(1);
      expect(last?.figures?.failed).toMatch(/error rate/);

      // Every colo takes the rollback with its next snapshot refresh; this isolate now.
      await refreshSnapshot();
      const before = await originRequests(all.ro2 ?? "");
      const stable = await send(40);
      expect(stable.every((r) => r.origin === "ro1" && r.status === 200)).toBe(true);
      expect(await originRequests(all.ro2 ?? "")).toBe(before);
    } finally {
      await setOriginMode(all.ro2 ?? "", "ok");
    }
  });

  it("a canary that fails from one colo only is rolled back, naming the colo", async ({ expect }) => {
    const all = inject("origins");
    await canaryConfig("ro1", "ro2");
    // ro2 fails the requests that come through SIN (their x-colo-path), and serves FRA's.
    const res = await fetch(`${all.ro2}/__origin/mode?set=fail&colo=SIN`);
    expect(res.status).toBe(200);
    try {
      const rollout = await startRollout({
        route: "web",
        to: "canary",
        steps: [50, 100],
        intervalSeconds: 5,
        analysis: { minRequests: 10 },
      });
      const from = (colo: string) => ({ "x-edgeway-debug-geo": `colo=${colo}`, "x-colo-path": colo });
      const fra = await send(60, from("FRA"));
      const sin = await send(60, from("SIN"));
      expect(fra.every((r) => r.status === 200) && sin.every((r) => r.status === 200)).toBe(true);
      await deliverReport(["FRA", "SIN"]);
      await judgeInterval(rollout);
      const after = await getRollout(rollout.id);
      expect(after).toMatchObject({ state: "rolled_back", weight: 0 });
      expect(after.history.at(-1)).toMatchObject({ verdict: "fail", colo: "SIN" });
      expect(after.reason).toMatch(/^SIN: error rate/);
    } finally {
      await setOriginMode(all.ro2 ?? "", "ok");
    }
  });

  it("an abort rolls back at once; an ended rollout takes no more commands, and the route takes a new rollout", async ({ expect }) => {
    const all = inject("origins");
    await canaryConfig("ro1", "ro2");
    const rollout = await startRollout({ route: "web", to: "canary", steps: [100], intervalSeconds: 60 });
    // At 100 % every first try goes to the canary.
    expect((await send(10)).every((r) => r.origin === "ro2")).toBe(true);

    const res = await post(`/rollouts/${rollout.id}/abort`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: rollout.id, state: "aborted", weight: 0 });
    const before = await originRequests(all.ro2 ?? "");
    expect((await send(10)).every((r) => r.origin === "ro1")).toBe(true);
    expect(await originRequests(all.ro2 ?? "")).toBe(before);

    const again = await post(`/rollouts/${rollout.id}/promote`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/has ended/);
    const next = await startRollout({ route: "web", to: "canary" });
    expect(next.state).toBe("progressing");
    expect((await post(`/rollouts/${next.id}/abort`)).status).toBe(200);
  });
});

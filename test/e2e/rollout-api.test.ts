/**
 * The rollout API's contract on workerd (ro3 stable, ro4 canary, ro5 a webhook): a bad
 * body is a 400 naming the field, an unknown route a 404 and an unknown pool a 400 naming
 * them, a second rollout on a route a 409; GET lists and shows rollouts in the shape
 * DESIGN.md names. The A/B stage sends only matching requests to the target; a refusing
 * pre-step webhook holds the step; metrics, the status page and /explain show the rollout.
 */
import { afterEach, describe, inject, it } from "vitest";
import { admin, setOriginMode } from "../worker/helpers.ts";
import { canaryConfig, deliverReport, getRollout, judgeInterval, post, refreshSnapshot, send, startRollout } from "./rollout-helpers.ts";
import type { RolloutBody } from "./rollout-helpers.ts";

async function refusal(body: unknown): Promise<{ status: number; error: string; code: string }> {
  const res = await post("/rollouts", body);
  const json = (await res.json()) as { error: string; code: string };
  return { status: res.status, ...json };
}

describe("the rollout API", () => {
  afterEach(async () => {
    for (const r of ((await (await admin("/rollouts")).json()) as { rollouts: RolloutBody[] }).rollouts)
      if (r.state === "progressing" || r.state === "paused") await post(`/rollouts/${r.id}/abort`);
  });

  it("answers a bad body with 400 naming the field, an unknown route 404, an unknown pool 400", async ({ expect }) => {
    await canaryConfig("ro3", "ro4");
    const cases: [unknown, RegExp][] = [
      [{ to: "canary" }, /route/],
      [{ route: "web" }, /\bto\b/],
      [{ route: "web", to: "canary", intervalSeconds: 2 }, /intervalSeconds/],
      [{ route: "web", to: "canary", steps: [50, 25, 100] }, /steps/],
      [{ route: "web", to: "canary", steps: [5, 50] }, /steps/],
      [{ route: "web", to: "canary", analysis: { maxErrorRate: 2 } }, /analysis\.maxErrorRate/],
      [{ route: "web", to: "canary", weight: 5 }, /weight/],
      [{ route: "web", to: "canary", webhooks: { preStep: "http://169.254.169.254/latest" } }, /webhooks\.preStep/],
    ];
    for (const [body, field] of cases) {
      const answer = await refusal(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.error, JSON.stringify(body)).toMatch(field);
    }
    expect(await refusal({ route: "nope", to: "canary" })).toMatchObject({ status: 404, code: "unknown_route", error: /"nope"/ });
    expect(await refusal({ route: "web", to: "nope" })).toMatchObject({ status: 400, code: "unknown_pool", error: /to: .*"nope"/ });
    expect((await admin("/rollouts/ro-missing")).status).toBe(404);
    expect((await post("/rollouts/ro-missing/pause")).status).toBe(404);
  });

  it("starts one (201), refuses a second on the route (409), and lists and shows it", async ({ expect }) => {
    await canaryConfig("ro3", "ro4");
    const res = await post("/rollouts", { route: "web", to: "canary" });
    expect(res.status).toBe(201);
    const started = (await res.json()) as RolloutBody & { steps: number[]; intervalSeconds: number };
    expect(started).toMatchObject({ route: "web", to: "canary", state: "progressing", weight: 5, step: 0, history: [] });
    expect(started.id).toMatch(/^ro-/);
    expect(started.steps).toEqual([5, 25, 50, 100]);
    expect(started.intervalSeconds).toBe(60);

    const second = await refusal({ route: "web", to: "canary" });
    expect(second).toMatchObject({ status: 409, code: "rollout_in_progress" });
    expect(second.error).toContain(started.id);

    const listed = (await (await admin("/rollouts")).json()) as { rollouts: RolloutBody[] };
    expect(listed.rollouts.map((r) => r.id)).toContain(started.id);
    expect(await getRollout(started.id)).toMatchObject({
      id: started.id,
      route: "web",
      to: "canary",
      state: "progressing",
      weight: 5,
      step: 0,
    });
    const paused = await post(`/rollouts/${started.id}/pause`);
    expect(await paused.json()).toMatchObject({ state: "paused", weight: 5 });
    expect((await post(`/rollouts/${started.id}/pause`)).status).toBe(409);
  });

  it("during the A/B stage only requests with the header go to the target; a pass moves on to the first step", async ({ expect }) => {
    await canaryConfig("ro3", "ro4");
    // Without a rollout the route's plan has no rollout stage, and explain shows none.
    const before = (await (await admin("/explain?url=http://app.test/web")).json()) as { plan: string[]; rollout: unknown };
    expect(before.plan.some((s) => s.startsWith("rollout"))).toBe(false);
    expect(before.rollout).toBeNull();
    const rollout = await startRollout({
      route: "web",
      to: "canary",
      steps: [50, 100],
      intervalSeconds: 5,
      analysis: { minRequests: 10, maxLatencyRatio: 100 },
      abTest: { header: { name: "x-canary", value: "yes" } },
    });
    expect(rollout).toMatchObject({ step: -1, weight: 0 });
    expect(new Set((await send(20, { "x-canary": "yes" })).map((r) => r.origin))).toEqual(new Set(["ro4"]));
    expect(new Set((await send(20)).map((r) => r.origin))).toEqual(new Set(["ro3"]));
    const explained = (await (await admin("/explain?url=http://app.test/web&header=x-canary:yes")).json()) as {
      plan: string[];
      rollout: { stage: string; matchesAbTest: boolean; targetShare: number } | null;
    };
    expect(explained.plan).toContain("rollout (A/B)");
    expect(explained.rollout).toMatchObject({ stage: "ab-test", matchesAbTest: true, targetShare: 1 });

    await deliverReport();
    await judgeInterval(rollout);
    await refreshSnapshot();
    expect(await getRollout(rollout.id)).toMatchObject({ state: "progressing", step: 0, weight: 50 });
  });

  it("a pre-step webhook answering 503 holds the step; metrics and the status page show the rollout", async ({ expect }) => {
    const all = inject("origins");
    await canaryConfig("ro3", "ro4");
    await setOriginMode(all.ro5 ?? "", "fail");
    try {
      const rollout = await startRollout({
        route: "web",
        to: "canary",
        steps: [50, 100],
        intervalSeconds: 5,
        analysis: { minRequests: 10, maxLatencyRatio: 100 },
        webhooks: { preStep: `${all.ro5}/hooks/pre-step`, timeoutMs: 2_000 },
      });
      // Asked before the first step too: a refusal holds it.
      expect(rollout.history.at(-1)).toMatchObject({ verdict: "webhook_refused", decision: "hold", weight: 50 });
      await send(60);
      await deliverReport();
      await judgeInterval(rollout);
      const held = await getRollout(rollout.id);
      expect(held).toMatchObject({ state: "progressing", step: 0, weight: 50 });
      expect(held.history.map((e) => e.verdict)).toEqual(["webhook_refused", "pass", "webhook_refused"]);
      expect(held.reason).toMatch(/pre-step webhook refused: HTTP 503/);

      const metrics = await (await admin("/metrics")).text();
      expect(metrics).toContain('edgeway_rollout_weight{route="web",target="canary"} 50');
      expect(metrics).toContain('edgeway_rollout_state{route="web",state="progressing",target="canary"} 1');
      expect(metrics).toMatch(/edgeway_rollout_verdicts_total\{route="web",target="canary",verdict="pass"\} [1-9]/);
      const page = await (await admin("/status")).text();
      expect(page).toContain(`data-rollout="${rollout.id}"`);
      expect(page).toContain("webhook refused");
    } finally {
      await setOriginMode(all.ro5 ?? "", "ok");
    }
  });
});

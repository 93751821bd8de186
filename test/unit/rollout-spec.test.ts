/**
 * The body of POST /_edgeway/rollouts (src/rollout/spec.ts): defaults filled in, and every
 * bad field refused with its path, so the API's 400 can name it.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_ANALYSIS, DEFAULT_STEPS, RolloutRequestSchema, rolloutSpecFrom } from "../../src/rollout/spec.ts";

/** The paths of the issues a body raises ("" when it parses). */
function problems(body: unknown): string[] {
  const r = RolloutRequestSchema.safeParse(body);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("a rollout request", () => {
  it("takes the defaults for everything but route and to", () => {
    const body = RolloutRequestSchema.parse({ route: "api", to: "canary" });
    const spec = rolloutSpecFrom(body, "r-1", 1_000);
    expect(spec).toEqual({
      id: "r-1",
      route: "api",
      to: "canary",
      steps: DEFAULT_STEPS,
      intervalSeconds: 60,
      analysis: DEFAULT_ANALYSIS,
      abTest: undefined,
      webhooks: undefined,
      createdAt: 1_000,
    });
  });

  it("keeps what it is given, filling the rest of analysis", () => {
    const body = RolloutRequestSchema.parse({
      route: "api",
      to: "canary",
      steps: [10, 100],
      intervalSeconds: 30,
      analysis: { maxErrorRate: 0.02, maxLatencyMs: 400 },
      abTest: { header: { name: "X-Canary", value: "1" } },
      webhooks: { preStep: "https://hooks.example/pre" },
    });
    const spec = rolloutSpecFrom(body, "r-2", 0);
    expect(spec.steps).toEqual([10, 100]);
    expect(spec.analysis).toEqual({ ...DEFAULT_ANALYSIS, maxErrorRate: 0.02, maxLatencyMs: 400 });
    expect(spec.abTest).toEqual({ header: { name: "x-canary", value: "1" }, cookie: undefined, intervals: 1 });
    expect(spec.webhooks).toEqual({ preStep: "https://hooks.example/pre", rollback: undefined, timeoutMs: 5_000 });
  });

  it.each([
    [{ to: "canary" }, "route"],
    [{ route: "api" }, "to"],
    [{ route: "a b", to: "canary" }, "route"],
    [{ route: "api", to: "canary", steps: [50, 25, 100] }, "steps.1"],
    [{ route: "api", to: "canary", steps: [5, 50] }, "steps"],
    [{ route: "api", to: "canary", steps: [] }, "steps"],
    [{ route: "api", to: "canary", steps: [0, 100] }, "steps.0"],
    [{ route: "api", to: "canary", steps: [5.5, 100] }, "steps.0"],
    [{ route: "api", to: "canary", intervalSeconds: 4 }, "intervalSeconds"],
    [{ route: "api", to: "canary", analysis: { maxErrorRate: 2 } }, "analysis.maxErrorRate"],
    [{ route: "api", to: "canary", analysis: { maxLatencyRatio: 0.9 } }, "analysis.maxLatencyRatio"],
    [{ route: "api", to: "canary", analysis: { maxLatencyMs: 0 } }, "analysis.maxLatencyMs"],
    [{ route: "api", to: "canary", analysis: { minRequests: 5 } }, "analysis.minRequests"],
    [{ route: "api", to: "canary", analysis: { confidence: 1 } }, "analysis.confidence"],
    [{ route: "api", to: "canary", analysis: { onInconclusive: "promote" } }, "analysis.onInconclusive"],
    [{ route: "api", to: "canary", analysis: { maxErrorrate: 0.1 } }, "analysis"],
    [{ route: "api", to: "canary", abTest: { header: { name: "x", value: "1" }, cookie: { name: "c", value: "1" } } }, "abTest"],
    [{ route: "api", to: "canary", abTest: { intervals: 2 } }, "abTest"],
    [{ route: "api", to: "canary", abTest: { header: { name: "bad name", value: "1" } } }, "abTest.header.name"],
    [{ route: "api", to: "canary", webhooks: { preStep: "ftp://hooks.example/" } }, "webhooks.preStep"],
    [{ route: "api", to: "canary", webhooks: { rollback: "https://u:p@hooks.example/" } }, "webhooks.rollback"],
    [{ route: "api", to: "canary", webhooks: { timeoutMs: 1_000 } }, "webhooks"],
    [{ route: "api", to: "canary", webhooks: { preStep: "https://hooks.example/", timeoutMs: 60_000 } }, "webhooks.timeoutMs"],
    [{ route: "api", to: "canary", weight: 5 }, ""],
  ])("%j is refused at %s", (body, path) => {
    const found = problems(body);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((f) => f.slice(0, f.indexOf(":")))).toContain(path);
  });

  it("says why in words a person can act on", () => {
    expect(problems({ route: "api", to: "canary", steps: [5, 50] })).toEqual([
      "steps: must end at 100 (the target takes all the route's traffic before it is promoted)",
    ]);
    expect(problems({ route: "api", to: "canary", steps: [50, 25, 100] })).toEqual([
      "steps.1: must rise step by step, e.g. [5, 25, 50, 100]",
    ]);
  });
});

/**
 * The conductor (src/data-plane.ts runPlan) and errors: once a stage has waited, an Error
 * from any later step becomes Edgeway's JSON 500 in the same promise (the worker entry adds
 * no promise of its own to catch it); before the first wait it is thrown to the entry,
 * which answers the same 500. Run on workerd with the real compiled config and plan types.
 */
import { env } from "cloudflare:test";
import { describe, it } from "vitest";
import { compileConfig } from "../../src/config/compile.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { runPlan } from "../../src/data-plane.ts";
import { RequestContext } from "../../src/request/stage.ts";
import type { Stage } from "../../src/request/stage.ts";

function contextWith(stages: Stage[]): RequestContext {
  const checked = validateConfig({
    origins: [{ id: "o1", url: "http://127.0.0.1:9" }],
    pools: [{ id: "p", origins: ["o1"] }],
    routes: [{ id: "r", pools: ["p"] }],
  });
  if (!checked.ok) throw new Error(`test config invalid: ${JSON.stringify(checked.issues)}`);
  const compiled = compileConfig(checked.config, 1);
  const route = compiled.routes[0];
  if (route === undefined) throw new Error("no route compiled");
  const request = new Request("http://a.test/x");
  return new RequestContext(request, env, { waitUntil: () => {} }, Date.now(), new URL(request.url), compiled, compiled, route, {
    route,
    stages,
  });
}

const answer = (status: number): Stage => ({ name: "answer", run: () => new Response("ok", { status }) });

describe("the conductor and errors", () => {
  it("runs the stages after a wait and answers with the plan's response", async ({ expect }) => {
    const waited: Stage = { name: "wait", run: () => Promise.resolve(undefined) };
    const served = runPlan(contextWith([waited, answer(201)]));
    expect(served).toBeInstanceOf(Promise);
    expect((await served).status).toBe(201);
  });

  it("turns a stage's rejected promise into the JSON 500, naming the error", async ({ expect }) => {
    const failing: Stage = { name: "fail", run: () => Promise.reject(new Error("the origin table broke")) };
    const response = await runPlan(contextWith([failing, answer(200)]));
    expect(response.status).toBe(500);
    expect(response.headers.get("x-edgeway-error")).toBe("internal_error");
    const body = (await response.json()) as { code: string; error: string };
    expect(body.code).toBe("internal_error");
    expect(body.error).toContain("the origin table broke");
  });

  it("turns an Error thrown by a stage after the wait into the JSON 500", async ({ expect }) => {
    const waited: Stage = { name: "wait", run: () => Promise.resolve(undefined) };
    const throwing: Stage = {
      name: "throw",
      run: () => {
        throw new Error("late failure");
      },
    };
    const response = await runPlan(contextWith([waited, throwing, answer(200)]));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { error: string }).error).toContain("late failure");
  });

  it("throws an Error from before the first wait to the caller (the worker entry answers it)", ({ expect }) => {
    const throwing: Stage = {
      name: "throw",
      run: () => {
        throw new Error("early failure");
      },
    };
    expect(() => runPlan(contextWith([throwing]))).toThrow("early failure");
  });

  it("lets a rejection that is not an Error through as a rejection", async ({ expect }) => {
    const odd: Stage = { name: "odd", run: () => Promise.reject("not an error") };
    await expect(runPlan(contextWith([odd]))).rejects.toBe("not an error");
  });
});

import { describe, expect, it } from "vitest";
import { dead, eventually, fail, ok, ok2, run, slow, status, summary, useTestOrigins } from "./helpers/test-origins.ts";

useTestOrigins();

describe("proxyRequest: hedging", () => {
  const hedge = { hedge: { delayMs: 50 } };

  it("sends a hedge when the first origin is slow; the fast answer wins and the slow try is cancelled", async () => {
    const { result, outcomes, started, text, budgetAsks } = await run([slow, ok], { route: hedge });
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(started).toEqual(["slow", "ok"]);
    expect(summary(outcomes)).toEqual(["ok:response:200:hedge", "slow:cancelled"]);
    expect(result.hedged).toBe(true);
    expect(result.tries).toBe(2);
    expect(result.response.headers.get("x-edgeway-tries")).toBe("2");
    expect(result.last?.hedge).toBe(true);
    expect(budgetAsks).toBe(1);
    // The slow origin sees its client go away rather than answering into the void.
    await eventually(() => slow.aborted === 1);
    expect(slow.aborted).toBe(1);
  });

  it("hedges a HEAD too", async () => {
    const { result, outcomes } = await run([slow, ok], { route: hedge, init: { method: "HEAD" } });
    expect(result.response.status).toBe(200);
    expect(result.hedged).toBe(true);
    expect(summary(outcomes)).toEqual(["ok:response:200:hedge", "slow:cancelled"]);
  });

  it("sends no hedge when the first origin answers in time", async () => {
    const { result, outcomes } = await run([ok, ok2], { route: { hedge: { delayMs: 150 } } });
    expect(result.response.status).toBe(200);
    expect(summary(outcomes)).toEqual(["ok:response:200"]);
    expect(result.hedged).toBe(false);
    // Well past the hedge delay: the timer was called off with the answer.
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(ok2.hits).toBe(0);
  });

  it("never hedges a PUT", async () => {
    const { result, outcomes, text } = await run([slow, ok], {
      route: hedge,
      init: { method: "PUT", body: "doc", headers: { "content-length": "3" } },
    });
    expect(text).toBe("served by slow");
    expect(summary(outcomes)).toEqual(["slow:response:200"]);
    expect(result.hedged).toBe(false);
    expect(result.tries).toBe(1);
    expect(ok.hits).toBe(0);
  });

  it("sends no hedge when the budget refuses, and reports no skipped retry", async () => {
    const { result, text } = await run([slow, ok], { route: hedge, retryAllowed: false });
    expect(text).toBe("served by slow");
    expect(result.hedged).toBe(false);
    expect(result.retrySkipped).toBeUndefined();
    expect(ok.hits).toBe(0);
  });

  it("sends no hedge when mayRetry is false or attempts is 0", async () => {
    expect((await run([slow, ok], { route: hedge, mayRetry: false })).text).toBe("served by slow");
    expect((await run([slow, ok], { route: { ...hedge, retries: { attempts: 0 } } })).text).toBe("served by slow");
    expect(ok.hits).toBe(0);
  });

  it("keeps waiting for the first try when the hedge fails, and starts no third try", async () => {
    const { result, outcomes, text } = await run([slow, fail, ok], { route: { ...hedge, retries: { attempts: 3 } } });
    expect(text).toBe("served by slow");
    expect(summary(outcomes)).toEqual(["fail:response:503:hedge", "slow:response:200"]);
    expect(result.tries).toBe(2);
    expect(ok.hits).toBe(0);
  });

  it("retries normally when both the first try and the hedge fail", async () => {
    const { result, outcomes, text } = await run([status, dead, ok], {
      path: "/?status=503&delay=200",
      route: { ...hedge, retries: { attempts: 2 } },
    });
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["dead:connect-failure:hedge", "status:response:503:retried", "ok:response:200"]);
    expect(result.tries).toBe(3);
    expect(result.hedged).toBe(true);
  });

  it("hedges only the first try: a retry after a fast failure is not hedged", async () => {
    const { result, outcomes, text } = await run([dead, slow, ok], { route: { ...hedge, retries: { attempts: 2 } } });
    expect(text).toBe("served by slow");
    expect(summary(outcomes)).toEqual(["dead:connect-failure:retried", "slow:response:200"]);
    expect(result.hedged).toBe(false);
    expect(ok.hits).toBe(0);
  });

  it("counts the hedge against attempts: with one attempt, no retry follows a failed hedge pair", async () => {
    const { result, outcomes } = await run([status, dead, ok], { path: "/?status=503&delay=200", route: hedge });
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["dead:connect-failure:hedge", "status:response:503"]);
    expect(ok.hits).toBe(0);
    expect(result.retrySkipped).toBeUndefined();
  });
});

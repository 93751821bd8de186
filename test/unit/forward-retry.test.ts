import { describe, expect, it } from "vitest";
import { proxyRequest } from "../../src/proxy/forward/index.ts";
import { compile, makeRoute, routeOf } from "./helpers/configs.ts";
import { dead, errorBody, eventually, fail, ok, ok2, reset, run, slow, status, summary, useTestOrigins } from "./helpers/test-origins.ts";

useTestOrigins();

describe("proxyRequest: retry conditions", () => {
  it("retries a connect failure on the next origin", async () => {
    const { result, outcomes, text } = await run([dead, ok]);
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["dead:connect-failure:retried", "ok:response:200"]);
    expect(result.tries).toBe(2);
    expect(result.response.headers.get("x-edgeway-tries")).toBe("2");
    expect(result.response.headers.get("x-edgeway-origin")).toBe("ok");
    expect(result.retrySkipped).toBeUndefined();
    expect(result.hedged).toBe(false);
  });

  it("counts a socket destroyed by the origin as a connect failure and retries it", async () => {
    const { result, outcomes, text } = await run([reset, ok]);
    expect(text).toBe("served by ok");
    expect(reset.hits).toBe(1);
    expect(summary(outcomes)).toEqual(["reset:connect-failure:retried", "ok:response:200"]);
    expect(result.last?.selection.origin.id).toBe("ok");
  });

  it("retries a 503 and lets the client see only the good answer", async () => {
    const { result, outcomes, started, text } = await run([fail, ok]);
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(started).toEqual(["fail", "ok"]);
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "ok:response:200"]);
  });

  it("does not retry a 500 by default", async () => {
    const { result, outcomes, text } = await run([status, ok], { path: "/x?status=500" });
    expect(result.response.status).toBe(500);
    expect(text).toBe("status says 500");
    expect(ok.hits).toBe(0);
    expect(summary(outcomes)).toEqual(["status:response:500"]);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
  });

  it('retries a 500 with on: ["5xx"]', async () => {
    const { result, outcomes, text } = await run([status, ok], { path: "/x?status=500", route: { retries: { on: ["5xx"] } } });
    expect(result.response.status).toBe(200);
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["status:response:500:retried", "ok:response:200"]);
  });

  it("retries exactly the status codes listed", async () => {
    const route = { retries: { on: ["500", "429"] } };
    expect((await run([status, ok], { path: "/?status=500", route })).text).toBe("served by ok");
    expect((await run([status, ok], { path: "/?status=429", route })).text).toBe("served by ok");
    const notListed = await run([status, ok], { path: "/?status=503", route });
    expect(notListed.result.response.status).toBe(503);
    expect(notListed.text).toBe("status says 503");
    expect(ok.hits).toBe(2);
  });

  it('retries a whole class with on: ["4xx"], but not the other class', async () => {
    const route = { retries: { on: ["4xx"] } };
    expect((await run([status, ok], { path: "/?status=404", route })).text).toBe("served by ok");
    const other = await run([status, ok], { path: "/?status=502", route });
    expect(other.result.response.status).toBe(502);
    expect(ok.hits).toBe(1);
  });

  it("does not retry a connect failure when on does not list it", async () => {
    const { result, text, outcomes } = await run([dead, ok], { route: { retries: { on: ["503"] } } });
    expect(result.response.status).toBe(502);
    expect((await errorBody(result, text)).code).toBe("origin_unreachable");
    expect(ok.hits).toBe(0);
    expect(summary(outcomes)).toEqual(["dead:connect-failure"]);
    expect(result.retrySkipped).toBeUndefined();
  });

  it("retries a per-try timeout on the next origin", async () => {
    const { result, outcomes, text } = await run([slow, ok], { route: { retries: { perTryTimeoutMs: 100 } } });
    expect(text).toBe("served by ok");
    expect(summary(outcomes)).toEqual(["slow:timeout:retried", "ok:response:200"]);
    expect(result.tries).toBe(2);
    await eventually(() => slow.aborted === 1);
    expect(slow.aborted).toBe(1);
  });

  it("stops after retries.attempts and answers with the last failure", async () => {
    const { result, outcomes, text } = await run([fail, dead, ok]);
    expect(result.response.status).toBe(502);
    expect((await errorBody(result, text)).origin).toBe("dead");
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "dead:connect-failure"]);
    expect(ok.hits).toBe(0);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("uses further attempts when configured", async () => {
    const { result, outcomes } = await run([fail, dead, ok], { route: { retries: { attempts: 2 } } });
    expect(result.response.status).toBe(200);
    expect(summary(outcomes)).toEqual(["fail:response:503:retried", "dead:connect-failure:retried", "ok:response:200"]);
    expect(result.response.headers.get("x-edgeway-tries")).toBe("3");
  });

  it("passes the failure through when no other origin is left", async () => {
    const { result, outcomes, budgetAsks } = await run([fail]);
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBeUndefined();
    // No origin to retry on: no budget spent on it.
    expect(budgetAsks).toBe(0);
  });

  it("does not retry when mayRetry is false, and reports nothing as skipped", async () => {
    const { result, outcomes } = await run([fail, ok], { mayRetry: false });
    expect(result.response.status).toBe(503);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBeUndefined();
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("answers 503 no_healthy_origin when steering has no origin at all", async () => {
    const config = compile({
      origins: [{ id: "ok", url: ok.url }],
      pools: [{ id: "p", origins: ["ok"] }],
      routes: [makeRoute("r", ["p"])],
    });
    const result = await proxyRequest({
      request: new Request("http://edge.test/"),
      url: new URL("http://edge.test/"),
      route: routeOf(config),
      select: () => undefined,
      forwarded: { clientIp: undefined, proto: "http", host: "edge.test" },
      now: Date.now,
      onTryStart: () => undefined,
      onTry: () => undefined,
      mayRetry: true,
      retryAllowed: () => true,
    });
    expect(result.response.status).toBe(503);
    expect(result.response.headers.get("x-edgeway-error")).toBe("no_healthy_origin");
    expect(result.tries).toBe(0);
    expect(result.last).toBeUndefined();
  });

  it("leaves out x-edgeway-origin and x-edgeway-tries when exposeOrigin is false", async () => {
    const { result } = await run([dead, ok], { route: { exposeOrigin: false } });
    expect(result.response.status).toBe(200);
    expect(result.response.headers.get("x-edgeway-origin")).toBeNull();
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
    expect(result.response.headers.get("server-timing")).toBeNull();
  });
});

describe("proxyRequest: retry budget", () => {
  it("does not retry when retryAllowed refuses, and says so", async () => {
    const { result, outcomes, budgetAsks } = await run([fail, ok], { retryAllowed: false });
    expect(result.response.status).toBe(503);
    expect(budgetAsks).toBe(1);
    expect(ok.hits).toBe(0);
    expect(summary(outcomes)).toEqual(["fail:response:503"]);
    expect(result.retrySkipped).toBe("budget");
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("budget");
    expect(result.response.headers.get("x-edgeway-tries")).toBeNull();
  });

  it("names the budget in Edgeway's own error", async () => {
    const { result, text } = await run([dead, ok], { retryAllowed: false });
    expect(result.response.status).toBe(502);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBe("budget");
    expect((await errorBody(result, text)).error).toContain("not retried: the route's retry budget is spent");
  });

  it("asks once per retry", async () => {
    const { result, budgetAsks } = await run([fail, dead, ok], { route: { retries: { attempts: 3 } } });
    expect(result.response.status).toBe(200);
    expect(budgetAsks).toBe(2);
  });

  it("is not asked when the first try succeeds", async () => {
    const { budgetAsks } = await run([ok, ok2]);
    expect(budgetAsks).toBe(0);
  });
});

/**
 * proxyRequest against real HTTP servers on 127.0.0.1 (Node's fetch, as the Worker's):
 * the route's deadline bounds every try, hedges included.
 */
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { close, errorBody, handle, listen, origin, run, slow, summary, useTestOrigins } from "./helpers/test-origins.ts";

useTestOrigins();

describe("proxyRequest: deadline", () => {
  it("answers 504 when the route's deadline passes first", async () => {
    const { result, text, outcomes } = await run([slow], { route: { timeoutMs: 100 } });
    expect(result.response.status).toBe(504);
    expect((await errorBody(result, text)).code).toBe("origin_timeout");
    expect(summary(outcomes)).toEqual(["slow:timeout"]);
    expect(result.response.headers.get("x-edgeway-retry-skipped")).toBeNull();
  });

  it("bounds a hedge by the deadline too", async () => {
    const twoSlow = origin("slow2", "slow");
    const server = createServer((req, res) => void handle(twoSlow, req, res));
    twoSlow.url = await listen(server);
    try {
      const { result, outcomes } = await run([slow, twoSlow], { route: { timeoutMs: 150, hedge: { delayMs: 50 } } });
      expect(result.response.status).toBe(504);
      expect(result.hedged).toBe(true);
      expect(outcomes.map((o) => o.kind)).toEqual(["timeout", "timeout"]);
    } finally {
      await close(server);
    }
  });
});

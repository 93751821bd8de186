/**
 * `/explain` (src/steering/explain/): the retry plan, where each retry would go, and hedging.
 */
import { describe, expect, it } from "vitest";
import { at, compile, singlePool } from "./helpers/configs.ts";
import { run, threeTier } from "./helpers/explain.ts";

describe("retry plan", () => {
  it("lists the first try and where each retry would go, each on an origin not tried yet", async () => {
    const config = compile(threeTier({ route: { retries: { attempts: 3 } } }));
    const e = await run(config);
    const tries = e.retries?.tries ?? [];
    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3, 4]);
    expect(new Set(tries.map((t) => t.origin)).size).toBe(4);
    expect(tries.slice(0, 3).every((t) => t.pool === "main")).toBe(true);
    expect(at(tries, 3).pool).toBe("backup");
    expect(e.retries).toMatchObject({ attempts: 3, allowed: true, on: ["connect-failure", "timeout", "502", "503", "504"] });
  });

  it("a method retries.methods leaves out gets one try, and hedging only for GET and HEAD", async () => {
    const config = compile(singlePool({ origins: 3, route: { hedge: { delayMs: 40 } } }));
    const post = await run(config, { method: "POST" });
    expect(post.retries).toMatchObject({ allowed: false, hedgeDelayMs: null });
    expect(post.retries?.why).toContain("POST");
    expect(post.retries?.tries).toHaveLength(1);
    const get = await run(config);
    expect(get.retries).toMatchObject({ allowed: true, hedgeDelayMs: 40 });
    expect(get.retries?.tries).toHaveLength(2);
  });
});

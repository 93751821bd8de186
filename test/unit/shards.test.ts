import { describe, expect, it } from "vitest";
import { GLOBAL_SHARD, shardFor, shardsToRead } from "../../src/state/shards.ts";

describe("state object names", () => {
  it("one object for the world by default, one per pool when split", () => {
    expect(shardFor("global", "eu")).toBe(GLOBAL_SHARD);
    expect(shardFor("pool", "eu")).toBe("pool:eu");
    expect(shardsToRead("global", ["eu", "na"])).toEqual(["global"]);
    expect(shardsToRead("pool", ["eu", "na", "eu"])).toEqual(["pool:eu", "pool:na"]);
  });

  it("a pool's object name never collides with the global one or a probe region's", () => {
    // Pool ids are plain ids (no ':'), so "pool:<id>" is never "global" nor "probe:<region>".
    expect(shardFor("pool", "global")).toBe("pool:global");
    expect(shardFor("pool", "probe")).not.toMatch(/^probe:/);
  });
});

/**
 * Names of the OriginState objects. Today all state lives in one object, `global`; probe
 * regions have their own stateless objects, `probe:<region>` (src/state/region-probe.ts).
 * When one object is not enough (docs/do-budget.md, "When to shard"), state splits by
 * pool: the object for a pool is `pool:<id>` (pool ids cannot contain ":", so names never
 * collide), found by name like the others, so moving from one object to many is a change
 * of which name the code asks for, not of the contract. What remains to split is listed
 * in docs/do-budget.md; until then every caller asks for GLOBAL_SHARD.
 */

/** How state is split across objects: one for the world, or one per pool. */
export type ShardStrategy = "global" | "pool";

/** The object that holds all state today (and config versions, audit and registrations in any case). */
export const GLOBAL_SHARD = "global";

/** The object holding state for `poolId` under `strategy`. */
export function shardFor(strategy: ShardStrategy, poolId: string): string {
  return strategy === "pool" ? `pool:${poolId}` : GLOBAL_SHARD;
}

/** The objects a snapshot is read from under `strategy`: one per pool, or the one. */
export function shardsToRead(strategy: ShardStrategy, poolIds: Iterable<string>): string[] {
  return strategy === "pool" ? [...new Set([...poolIds].map((id) => shardFor(strategy, id)))] : [GLOBAL_SHARD];
}

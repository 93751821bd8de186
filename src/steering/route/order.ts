/** Small helpers route policies share for building a pool order. */
import type { CompiledPool } from "../../config/compile.ts";

/**
 * Orders already built, per pool list and first pool. Compiled pool lists never change,
 * so each order is built once and reused; a new config brings new lists.
 */
const built = new WeakMap<readonly CompiledPool[], Map<CompiledPool, readonly CompiledPool[]>>();

/** `first`, then every other pool of `pools` in order. The result is shared: never mutate it. */
export function firstThenRest(first: CompiledPool, pools: readonly CompiledPool[]): readonly CompiledPool[] {
  if (pools[0] === first) return pools;
  let byFirst = built.get(pools);
  if (byFirst === undefined) {
    byFirst = new Map();
    built.set(pools, byFirst);
  }
  let order = byFirst.get(first);
  if (order === undefined) {
    const out: CompiledPool[] = [first];
    for (const pool of pools) if (pool !== first) out.push(pool);
    order = out;
    byFirst.set(first, order);
  }
  return order;
}

/** Small helpers route policies share for building a pool order. */
import type { CompiledPool } from "../../config/compile.ts";

/** `first`, then every other pool of `pools` in order. */
export function firstThenRest(first: CompiledPool, pools: readonly CompiledPool[]): CompiledPool[] {
  const out: CompiledPool[] = [first];
  for (const pool of pools) if (pool !== first) out.push(pool);
  return out;
}

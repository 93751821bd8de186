/** One pool's panel: its state, counts, steering and monitor, over its table of origins. */
import { OriginTable } from "./origin-table.tsx";
import { poolState } from "./state.ts";
import type { PoolSection } from "./types.ts";
import type { Windows } from "./windows.ts";

/** A pool: up, degraded or down, and its origins. */
export function Pool({ pool, now, windows, bucketMs }: { pool: PoolSection; now: number; windows: Windows; bucketMs: number }) {
  const { word, available: n, total } = poolState(pool, now);
  const more = pool.moreRegistered;
  return (
    <section class="pool" id={`pool-${pool.id}`} data-pool={pool.id}>
      <h2>
        <span class={`badge pool-${word}`}>{word}</span> pool <b>{pool.id}</b>{" "}
        <small>
          {n}/{total} available (min {pool.minHealthy}) · steering {pool.steering} · monitor {pool.monitor ?? "none"}
        </small>
      </h2>
      <OriginTable origins={pool.origins} now={now} windows={windows} bucketMs={bucketMs} pool={pool.id} />
      {more !== undefined && more.count > 0 && (
        <p class="sub more-registered">
          and {more.count} more registered origins ({more.available} available), not listed: GET /_edgeway/register pages through them
        </p>
      )}
    </section>
  );
}

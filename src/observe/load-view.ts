/**
 * What the admin API, metrics and the status page show of load-aware weights: per origin,
 * its latest load report and the live weight it has in each load-aware pool it serves.
 */
import type { CompiledConfig, CompiledPool } from "../config/compile.ts";
import type { LoadReport } from "../steering/load-report.ts";
import { DEFAULT_LOAD_AWARE, isLoadAware, loadAwareSettings } from "../steering/load-tracker.ts";
import { liveWeights } from "../steering/load-weights.ts";
import type { LiveWeight, OriginLoad } from "../steering/load-weights.ts";

/** An origin's load as shown by GET /_edgeway/health. */
export interface OriginLoadView {
  /** Its latest good report; null when it never reported here. */
  readonly report: LoadReport | null;
  /** When that report arrived (ms since the epoch). */
  readonly reportedAt: number | null;
  /** Since when it has reported without a gap: the blackout runs from here. */
  readonly reportingSince: number | null;
  /** Its weight and where it comes from, in every load-aware pool it serves, by pool id. */
  readonly pools: Record<string, LiveWeight>;
}

/** The config's load-aware pools. */
export function loadAwarePools(compiled: CompiledConfig | undefined): CompiledPool[] {
  return [...(compiled?.pools.values() ?? [])].filter(isLoadAware);
}

/** Every origin's weight in a load-aware pool at `now`, by origin id. */
export function poolLiveWeights(pool: CompiledPool, loadOf: (id: string) => OriginLoad | undefined, now: number): Map<string, LiveWeight> {
  const settings = loadAwareSettings(pool.source.loadAware ?? DEFAULT_LOAD_AWARE);
  const weights = liveWeights(pool.origins, loadOf, settings, now);
  const out = new Map<string, LiveWeight>();
  pool.origins.forEach((o, i) => {
    const w = weights[i];
    if (w !== undefined) out.set(o.id, w);
  });
  return out;
}

/** Each origin of a load-aware pool with its load view; origins in no such pool are left out. */
export function originLoadViews(
  pools: readonly CompiledPool[],
  loadOf: (id: string) => OriginLoad | undefined,
  now: number,
): Map<string, OriginLoadView> {
  const out = new Map<string, OriginLoadView>();
  for (const pool of pools) {
    for (const [id, weight] of poolLiveWeights(pool, loadOf, now)) {
      let view = out.get(id);
      if (view === undefined) {
        const load = loadOf(id);
        view = { report: load?.report ?? null, reportedAt: load?.at ?? null, reportingSince: load?.since ?? null, pools: {} };
        out.set(id, view);
      }
      view.pools[pool.id] = weight;
    }
  }
  return out;
}

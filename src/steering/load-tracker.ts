/**
 * The isolate's record of its origins' load reports, and the live weights of its
 * load-aware pools. A report is read from the response of every try to a load-aware
 * pool; the pool's weights are recomputed from the latest reports at most every
 * WEIGHT_UPDATE_MS (Envoy's weight_update_period), so a pick costs one map look-up per
 * origin, never a computation. Pure: the clock is a parameter.
 */
import type { CompiledPool } from "../config/compile.ts";
import { LoadAwareSchema } from "../config/schema.ts";
import type { LoadAware } from "../config/schema.ts";
import { parseLoadReport } from "./load-report.ts";
import type { LoadReportResult } from "./load-report.ts";
import { liveWeights, mergeLoad, nextLoad, WEIGHT_UPDATE_MS } from "./load-weights.ts";
import type { LiveWeight, LoadAwareSettings, OriginLoad } from "./load-weights.ts";

/** The most origins whose load one isolate remembers (the oldest report is forgotten first). */
export const MAX_TRACKED_ORIGINS = 4_096;
/** The gap that breaks a run of reports seeded from the colo's view, which knows no pool (Envoy's 3 min expiry). */
export const SEED_EXPIRY_MS = 180_000;

/** `loadAware` with every default (Envoy's). */
export const DEFAULT_LOAD_AWARE: LoadAware = LoadAwareSchema.parse({});

/** A pool's `loadAware` settings in milliseconds. */
export function loadAwareSettings(config: LoadAware): LoadAwareSettings {
  return {
    blackoutMs: config.blackoutSeconds * 1000,
    expiryMs: config.expirySeconds * 1000,
    errorUtilizationPenalty: config.errorUtilizationPenalty,
  };
}

/** Whether a pool steers by live weights. */
export function isLoadAware(pool: CompiledPool): boolean {
  return pool.source.loadAware?.enabled === true;
}

interface Tracked {
  load: OriginLoad;
  /** The header value the report came from: the same value again needs no parse. */
  raw: string | undefined;
}

interface PoolWeights {
  readonly computedAt: number;
  readonly byOrigin: ReadonlyMap<string, LiveWeight>;
}

export class LoadTracker {
  readonly #origins = new Map<string, Tracked>();
  readonly #pools = new WeakMap<CompiledPool, PoolWeights>();
  readonly #settings = new WeakMap<CompiledPool, LoadAwareSettings>();

  /**
   * Reads the load report an origin of `pool` sent at `now` (the header's value).
   * Returns how the report was judged; a bad one leaves the origin's last good report in place.
   */
  observe(pool: CompiledPool, originId: string, header: string, now: number): LoadReportResult {
    const held = this.#origins.get(originId);
    const expiryMs = this.settingsOf(pool).expiryMs;
    if (held !== undefined && held.raw === header) {
      held.load = nextLoad(held.load, held.load.report, now, expiryMs);
      return "ok";
    }
    const report = parseLoadReport(header);
    if (typeof report === "string") return report;
    this.#put(originId, { load: nextLoad(held?.load, report, now, expiryMs), raw: header });
    return "ok";
  }

  /** Takes in the colo's view of an origin's load (from the Durable Object); the newer report wins. */
  seed(originId: string, load: OriginLoad): void {
    const held = this.#origins.get(originId);
    const merged = mergeLoad(held?.load, load, SEED_EXPIRY_MS);
    if (held !== undefined) {
      if (merged.at !== held.load.at) held.raw = undefined;
      held.load = merged;
    } else {
      this.#put(originId, { load: merged, raw: undefined });
    }
  }

  /** What is known of an origin's load. */
  load(originId: string): OriginLoad | undefined {
    return this.#origins.get(originId)?.load;
  }

  /** Every origin's load, for the colo's view in the Durable Object. */
  entries(): [string, OriginLoad][] {
    return [...this.#origins].map(([id, t]) => [id, t.load]);
  }

  /** A load-aware pool's weights by origin id, as of the last update (at most WEIGHT_UPDATE_MS old). */
  weightsFor(pool: CompiledPool, now: number): ReadonlyMap<string, LiveWeight> {
    const held = this.#pools.get(pool);
    if (held !== undefined && now - held.computedAt < WEIGHT_UPDATE_MS && now >= held.computedAt) return held.byOrigin;
    const weights = liveWeights(pool.origins, (id) => this.#origins.get(id)?.load, this.settingsOf(pool), now);
    const byOrigin = new Map<string, LiveWeight>();
    pool.origins.forEach((origin, i) => {
      const w = weights[i];
      if (w !== undefined) byOrigin.set(origin.id, w);
    });
    this.#pools.set(pool, { computedAt: now, byOrigin });
    return byOrigin;
  }

  /** The pool's settings in ms, converted once per compiled pool. */
  settingsOf(pool: CompiledPool): LoadAwareSettings {
    let settings = this.#settings.get(pool);
    if (settings === undefined) {
      settings = loadAwareSettings(pool.source.loadAware ?? DEFAULT_LOAD_AWARE);
      this.#settings.set(pool, settings);
    }
    return settings;
  }

  #put(originId: string, tracked: Tracked): void {
    if (!this.#origins.has(originId) && this.#origins.size >= MAX_TRACKED_ORIGINS) {
      let oldest: string | undefined;
      let oldestAt = Number.POSITIVE_INFINITY;
      for (const [id, t] of this.#origins) {
        if (t.load.at < oldestAt) {
          oldestAt = t.load.at;
          oldest = id;
        }
      }
      if (oldest !== undefined) this.#origins.delete(oldest);
    }
    this.#origins.set(originId, tracked);
  }
}

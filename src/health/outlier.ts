/**
 * Passive outlier detection from live traffic, as Envoy's: every try an origin answers
 * (or fails to) feeds per-origin counters, and an origin that fails too often is ejected
 * (taken out of steering) for a while, without waiting for probes to notice. Three
 * checks, each off at 0: consecutive gateway failures (connect failure, timeout,
 * 502/503/504), consecutive 5xx (gateway failures included, as Envoy's consecutive_5xx),
 * and the failure percentage over a tumbling `intervalSeconds` window once it holds
 * `failurePercentageRequestVolume` tries. An ejection lasts `baseEjectionSeconds` × how
 * many times in a row the origin has been ejected, capped at `maxEjectionSeconds`; that
 * multiplier drops by one for every full interval the origin stays in service. At most
 * `maxEjectionPercent` of a pool is ejected at once. Semantics: OutlierDetectionSchema.
 * Pure: the clock is a parameter, and state is per isolate; ejections from other
 * isolates arrive through `adopt`.
 */
import type { CompiledPool } from "../config/compile.ts";
import type { OutlierDetection } from "../config/schema.ts";

/** How one try ended, as outlier detection counts it. */
export type TryResult = "success" | "5xx" | "gateway-failure";

/**
 * Maps a try to a TryResult: connect-failure/timeout → gateway-failure; response
 * 502/503/504 → gateway-failure; other 5xx → "5xx"; anything else (1xx-4xx) → success;
 * kind "cancelled" (a hedge that lost) → undefined (not counted), and so is a response
 * without a status (nothing to judge it by).
 */
export function classifyTry(
  kind: "response" | "connect-failure" | "timeout" | "cancelled",
  status: number | undefined,
): TryResult | undefined {
  if (kind === "cancelled") return undefined;
  if (kind !== "response") return "gateway-failure";
  if (status === undefined) return undefined;
  if (status === 502 || status === 503 || status === 504) return "gateway-failure";
  return status >= 500 && status <= 599 ? "5xx" : "success";
}

export const EJECTION_KINDS = ["consecutive-5xx", "consecutive-gateway-failure", "failure-percentage"] as const;
export type EjectionKind = (typeof EJECTION_KINDS)[number];

export interface Ejection {
  readonly originId: string;
  readonly poolId: string;
  readonly kind: EjectionKind;
  /** When it was ejected and until when (ms since epoch). */
  readonly at: number;
  readonly until: number;
  /** How many times in a row it has been ejected (the duration multiplier), ≥ 1. */
  readonly count: number;
  /** For logs and the admin API, e.g. "3 consecutive gateway failures (last: connect-failure)". */
  readonly reason: string;
}

/** The pool a try went through: its id, its member origin ids, and its settings. */
export interface OutlierPool {
  readonly id: string;
  readonly originIds: readonly string[];
  readonly settings: OutlierDetection;
}

interface OriginCounters {
  consecutive5xx: number;
  consecutiveGateway: number;
  windowStart: number;
  windowTries: number;
  windowFailures: number;
  /** The last finished ejection's count and when it ended, for the multiplier. */
  lastCount: number;
  lastEnded: number;
}

/** expire()'s answer when nothing is due: shared so the request path allocates nothing; frozen so a caller's push throws. */
const NONE = Object.freeze<string[]>([]) as string[];

export class OutlierDetector {
  readonly #counters = new Map<string, OriginCounters>();
  /** Ejections not yet returned, keyed by origin id; one may be past `until` until expire() collects it. */
  readonly #ejected = new Map<string, Ejection>();
  /** Settings by pool id, as last seen, for probePassed on an ejection made or adopted earlier. */
  readonly #poolSettings = new Map<string, OutlierDetection>();
  /** No ejection ends before this (a lower bound: a release may have removed the earliest). */
  #nextDue = Infinity;
  #epoch = 0;
  #skipped = 0;

  /** Bumps whenever the set of ejected origins changes (so callers can cache views). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Ejections prevented by maxEjectionPercent (a metric). */
  get skipped(): number {
    return this.#skipped;
  }

  /**
   * Records one try; returns the ejection it caused, if any. Ignored while the origin is
   * ejected (late results of tries sent before), and when settings.enabled is false.
   * `detail` is a short description of the try (e.g. "connect-failure", "HTTP 503") used
   * in the reason.
   */
  observe(originId: string, pool: OutlierPool, result: TryResult, now: number, detail: string = result): Ejection | undefined {
    const s = pool.settings;
    if (!s.enabled || this.isEjected(originId, now)) return undefined;
    if (this.#poolSettings.get(pool.id) !== s) this.#poolSettings.set(pool.id, s);
    const c = this.#countersOf(originId, now);
    const intervalMs = s.intervalSeconds * 1_000;
    if (now - c.windowStart >= intervalMs) resetWindow(c, now);
    c.windowTries++;
    if (result === "success") {
      c.consecutive5xx = 0;
      c.consecutiveGateway = 0;
    } else {
      c.windowFailures++;
      c.consecutive5xx++;
      // A plain 500 breaks a run of gateway failures, as in Envoy.
      c.consecutiveGateway = result === "gateway-failure" ? c.consecutiveGateway + 1 : 0;
    }

    // Most specific check first, so kind and reason say the most.
    let kind: EjectionKind;
    let reason: string;
    if (s.consecutiveGatewayFailure > 0 && c.consecutiveGateway >= s.consecutiveGatewayFailure) {
      kind = "consecutive-gateway-failure";
      reason = `${c.consecutiveGateway} consecutive gateway failures (last: ${detail})`;
    } else if (s.consecutive5xx > 0 && c.consecutive5xx >= s.consecutive5xx) {
      kind = "consecutive-5xx";
      reason = `${c.consecutive5xx} consecutive 5xx (last: ${detail})`;
    } else if (
      s.failurePercentageThreshold > 0 &&
      c.windowTries >= s.failurePercentageRequestVolume &&
      c.windowFailures * 100 >= s.failurePercentageThreshold * c.windowTries
    ) {
      kind = "failure-percentage";
      reason = `${c.windowFailures} of ${c.windowTries} tries failed within ${s.intervalSeconds} s (last: ${detail})`;
    } else {
      return undefined;
    }

    // Reset whether or not the ejection happens: a refused one is then tried again after a
    // fresh run of failures, not on every request (Envoy resets its counters the same way).
    c.consecutive5xx = 0;
    c.consecutiveGateway = 0;
    resetWindow(c, now);
    if (!this.#roomIn(pool, now)) {
      this.#skipped++;
      return undefined;
    }

    // A finished ejection that expire() has not collected yet ended at its `until`.
    const previous = this.#ejected.get(originId);
    const lastCount = previous?.count ?? c.lastCount;
    const lastEnded = previous?.until ?? c.lastEnded;
    const count = Math.max(0, lastCount - Math.floor((now - lastEnded) / intervalMs)) + 1;
    const seconds = Math.min(s.baseEjectionSeconds * count, Math.max(s.maxEjectionSeconds, s.baseEjectionSeconds));
    const ejection: Ejection = { originId, poolId: pool.id, kind, at: now, until: now + seconds * 1_000, count, reason };
    this.#eject(ejection);
    this.#epoch++;
    return ejection;
  }

  /** Whether the origin is ejected at `now` (also true for adopted ejections). O(1), allocation-free: called on the request path. */
  isEjected(originId: string, now: number): boolean {
    const e = this.#ejected.get(originId);
    return e !== undefined && now < e.until;
  }

  /** The origin's ejection in force at `now`, if any. */
  ejection(originId: string, now: number): Ejection | undefined {
    const e = this.#ejected.get(originId);
    return e !== undefined && now < e.until ? e : undefined;
  }

  /** Returns origins whose time is up and their ids (empty when none, without work or allocation). Bumps epoch when something returned. */
  expire(now: number): string[] {
    if (now < this.#nextDue) return NONE;
    let returned: string[] | undefined;
    let next = Infinity;
    for (const [id, e] of this.#ejected) {
      if (now >= e.until) {
        this.#return(e, e.until);
        (returned ??= []).push(id);
      } else {
        next = Math.min(next, e.until);
      }
    }
    this.#nextDue = next;
    if (returned === undefined) return NONE;
    this.#epoch++;
    return returned;
  }

  /**
   * A probe passed at `at` for this origin: if it is ejected, the ejection started before
   * `at` (a probe sent earlier says nothing about the failures that ejected it), and the
   * ejection's pool says unejectOnProbeSuccess, return it now. Returns true if it returned.
   * An ejection adopted for a pool this detector has no settings for follows the schema's
   * default (return).
   */
  probePassed(originId: string, at: number, now: number): boolean {
    const e = this.#ejected.get(originId);
    if (e === undefined || now >= e.until || at <= e.at) return false;
    if (!(this.#poolSettings.get(e.poolId)?.unejectOnProbeSuccess ?? true)) return false;
    this.#return(e, now);
    this.#epoch++;
    return true;
  }

  /**
   * An ejection learnt from elsewhere (another isolate, via the Durable Object's snapshot):
   * adopt it if it ends later than what this detector has; keeps the larger count. Returns
   * true if anything changed. `settings` (the pool's, when the caller has them) decide
   * probePassed for it.
   */
  adopt(ejection: Ejection, now: number, settings?: OutlierDetection): boolean {
    if (settings !== undefined) this.#poolSettings.set(ejection.poolId, settings);
    if (now >= ejection.until) return false;
    const current = this.#ejected.get(ejection.originId);
    const live = current !== undefined && now < current.until ? current : undefined;
    if (live !== undefined && live.until >= ejection.until) {
      if (ejection.count <= live.count) return false;
      this.#ejected.set(live.originId, { ...live, count: ejection.count });
    } else {
      this.#eject({ ...ejection, count: Math.max(ejection.count, live?.count ?? 0) });
      // Counters start afresh when it returns, as after a local ejection.
      const c = this.#counters.get(ejection.originId);
      if (c !== undefined) {
        c.consecutive5xx = 0;
        c.consecutiveGateway = 0;
        resetWindow(c, now);
      }
    }
    this.#epoch++;
    return true;
  }

  /** Ends an ejection now (operator action or a probe elsewhere); returns true if it was ejected. */
  release(originId: string, now: number): boolean {
    const e = this.#ejected.get(originId);
    // One already past `until` is left for expire() to report.
    if (e === undefined || now >= e.until) return false;
    this.#return(e, now);
    this.#epoch++;
    return true;
  }

  /** Ejections in force at `now`. */
  /** Whether any origin is ejected at `now` (no allocation: asked on the request path). */
  anyEjected(now: number): boolean {
    for (const e of this.#ejected.values()) if (now < e.until) return true;
    return false;
  }

  ejections(now: number): Ejection[] {
    return [...this.#ejected.values()].filter((e) => now < e.until);
  }

  /** Drops all state for origins not in `known` (config changed). */
  retain(known: ReadonlySet<string>): void {
    for (const id of this.#counters.keys()) if (!known.has(id)) this.#counters.delete(id);
    let changed = false;
    for (const id of this.#ejected.keys()) {
      if (!known.has(id)) {
        this.#ejected.delete(id);
        changed = true;
      }
    }
    if (changed) this.#epoch++;
  }

  #countersOf(originId: string, now: number): OriginCounters {
    let c = this.#counters.get(originId);
    if (c === undefined) {
      c = { consecutive5xx: 0, consecutiveGateway: 0, windowStart: now, windowTries: 0, windowFailures: 0, lastCount: 0, lastEnded: now };
      this.#counters.set(originId, c);
    }
    return c;
  }

  /** Whether one more of the pool's origins may be ejected: floor(n × pct / 100), but at least 1 unless pct is 0. */
  #roomIn(pool: OutlierPool, now: number): boolean {
    const pct = pool.settings.maxEjectionPercent;
    if (pct <= 0) return false;
    const allowed = Math.max(1, Math.floor((pool.originIds.length * pct) / 100));
    let ejected = 0;
    for (const id of pool.originIds) if (this.isEjected(id, now)) ejected++;
    return ejected < allowed;
  }

  #eject(ejection: Ejection): void {
    this.#ejected.set(ejection.originId, ejection);
    this.#nextDue = Math.min(this.#nextDue, ejection.until);
  }

  /** Puts an origin back in service; its count is kept for the multiplier (its counters are already fresh: reset at ejection, and tries during it ignored). */
  #return(e: Ejection, endedAt: number): void {
    this.#ejected.delete(e.originId);
    const c = this.#countersOf(e.originId, endedAt);
    c.lastCount = e.count;
    c.lastEnded = endedAt;
  }
}

function resetWindow(c: OriginCounters, now: number): void {
  c.windowStart = now;
  c.windowTries = 0;
  c.windowFailures = 0;
}

const outlierPools = new WeakMap<CompiledPool, OutlierPool>();

/** The detector's view of a compiled pool, made once per compiled pool (the data plane and the simulator alike). */
export function outlierPool(pool: CompiledPool): OutlierPool {
  let p = outlierPools.get(pool);
  if (p === undefined) {
    p = { id: pool.id, originIds: pool.origins.map((o) => o.id), settings: pool.source.outlierDetection };
    outlierPools.set(pool, p);
  }
  return p;
}

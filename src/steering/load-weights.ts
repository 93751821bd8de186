/**
 * Live weights from origins' load reports, as Envoy's client-side weighted round robin
 * computes them: an origin's weight is the requests per second it serves per unit of
 * utilization, qps ÷ (utilization + eps ÷ qps × errorUtilizationPenalty), so traffic
 * flows toward the origins with room to spare and away from those that answer with
 * errors. A weight takes effect only after the origin has reported for `blackoutMs`
 * without a gap (one report is not a trend), and lapses when its last report is older
 * than `expiryMs` (an origin that stopped reporting, or stopped getting traffic).
 *
 * An origin without a live weight (none yet, in blackout, expired, or whose report gives
 * no weight) serves at its configured weight, put on the live weights' scale: configured
 * weight × the median of the live origins' live ÷ configured weight. With equal configured
 * weights that is Envoy's rule (the median live weight); when no origin in the pool has a
 * live weight it is simply the configured weights. A configured weight of 0 stays 0: a
 * drained origin is not brought back by its reports.
 *
 * Pure: the clock is a parameter. The simulator calls `liveWeights` (and `nextLoad` to keep
 * an origin's load between reports) exactly as the worker does; see `LoadTracker` for the
 * isolate's bookkeeping around them.
 */
import { z } from "zod";
import type { LoadReport } from "./load-report.ts";
import { MAX_UTILIZATION, utilizationOf } from "./load-report.ts";

/** A pool's `loadAware` settings in milliseconds. */
export interface LoadAwareSettings {
  /** How long an origin must report before its live weight is used (Envoy's blackout_period, 10 s). */
  readonly blackoutMs: number;
  /** How old an origin's last report may be before its live weight lapses (Envoy's weight_expiration_period, 3 min). */
  readonly expiryMs: number;
  /** How much each error per request counts as utilization (Envoy's error_utilization_penalty, 1.0). */
  readonly errorUtilizationPenalty: number;
}

/** How often a pool's live weights are recomputed from the latest reports (Envoy's weight_update_period, 1 s). */
export const WEIGHT_UPDATE_MS = 1_000;
/** Largest live weight (Envoy caps weights at the largest 32-bit unsigned integer). */
export const MAX_LIVE_WEIGHT = 4_294_967_295;

/** What is known of an origin's load between reports. */
export interface OriginLoad {
  /** Its latest good report. */
  readonly report: LoadReport;
  /** When that report arrived. */
  readonly at: number;
  /** When the origin started reporting without a gap longer than the expiry: the blackout runs from here. */
  readonly since: number;
}

const fraction = z.number().finite().min(0);

/** An origin's load as the snapshot carries it (the Durable Object parses what isolates send, isolates parse its snapshot: either may run another version). */
export const OriginLoadSchema: z.ZodType<OriginLoad> = z.object({
  report: z.object({
    cpuUtilization: fraction.max(MAX_UTILIZATION),
    memUtilization: fraction.max(1),
    applicationUtilization: fraction.max(MAX_UTILIZATION),
    rpsFractional: fraction,
    eps: fraction,
  }),
  at: z.number().finite(),
  since: z.number().finite(),
});

/** An origin's load after a report arrives at `now` (a gap longer than `expiryMs` restarts the blackout, as Envoy). */
export function nextLoad(previous: OriginLoad | undefined, report: LoadReport, now: number, expiryMs: number): OriginLoad {
  const continues = previous !== undefined && now - previous.at <= expiryMs && now >= previous.since;
  return { report, at: now, since: continues ? previous.since : now };
}

/**
 * Two views of one origin's load (this isolate's and its colo's): the newer report wins,
 * and the blackout runs from the earlier start when the two runs of reports touch.
 */
export function mergeLoad(a: OriginLoad | undefined, b: OriginLoad, expiryMs: number): OriginLoad {
  if (a === undefined) return b;
  const [older, newer] = a.at <= b.at ? [a, b] : [b, a];
  const touch = newer.since - older.at <= expiryMs;
  return { report: newer.report, at: newer.at, since: touch ? Math.min(older.since, newer.since) : newer.since };
}

/**
 * The weight a report gives (Envoy's calculateWeightFromOrcaReport), or undefined when it
 * gives none: no requests per second, or no utilization even after the error penalty.
 */
export function reportWeight(report: LoadReport, errorUtilizationPenalty: number): number | undefined {
  const qps = report.rpsFractional;
  if (!(qps > 0)) return undefined;
  const utilization = utilizationOf(report) + (errorUtilizationPenalty * report.eps) / qps;
  if (!(utilization > 0)) return undefined;
  return Math.min(qps / utilization, MAX_LIVE_WEIGHT);
}

/**
 * Where an origin's weight comes from:
 * - `report`: its live weight.
 * - `blackout`: it reports, but has not for `blackoutMs` yet.
 * - `expired`: its last report is older than `expiryMs`.
 * - `unusable`: its report gives no weight (no rps_fractional, or zero utilization).
 * - `no_report`: it never reported to this edge location.
 * - `drained`: its configured weight is 0.
 */
export type LiveWeightSource = "report" | "blackout" | "expired" | "unusable" | "no_report" | "drained";

export interface LiveWeight {
  /** The weight steering uses. */
  readonly weight: number;
  readonly source: LiveWeightSource;
}

/** The origin as the weight computation needs it: its id and configured weight. */
export interface WeightedOrigin {
  readonly id: string;
  readonly weight: number;
}

function median(values: number[]): number {
  values.sort((a, b) => a - b);
  const mid = values.length >> 1;
  return values.length % 2 === 1 ? (values[mid] ?? 1) : ((values[mid - 1] ?? 1) + (values[mid] ?? 1)) / 2;
}

/** Where an origin's weight comes from at `now`, and its live weight when it has one. */
function classify(
  origin: WeightedOrigin,
  load: OriginLoad | undefined,
  settings: LoadAwareSettings,
  now: number,
): { source: LiveWeightSource; live?: number } {
  if (!(origin.weight > 0)) return { source: "drained" };
  if (load === undefined) return { source: "no_report" };
  if (now - load.at > settings.expiryMs) return { source: "expired" };
  if (now - load.since < settings.blackoutMs) return { source: "blackout" };
  const live = reportWeight(load.report, settings.errorUtilizationPenalty);
  return live === undefined ? { source: "unusable" } : { source: "report", live };
}

/**
 * Every origin's weight at `now`, in the order given. `loadOf` gives what is known of an
 * origin's load (undefined: it never reported).
 */
export function liveWeights(
  origins: readonly WeightedOrigin[],
  loadOf: (originId: string) => OriginLoad | undefined,
  settings: LoadAwareSettings,
  now: number,
): LiveWeight[] {
  const classified = origins.map((o) => classify(o, loadOf(o.id), settings, now));
  const ratios: number[] = [];
  classified.forEach((c, i) => {
    if (c.live !== undefined) ratios.push(c.live / (origins[i]?.weight ?? 1));
  });
  // No live weight at all: the configured weights, as they are.
  const scale = ratios.length === 0 ? 1 : median(ratios);
  return classified.map((c, i) => {
    if (c.live !== undefined) return { weight: c.live, source: c.source };
    const configured = origins[i]?.weight ?? 0;
    return { weight: configured > 0 ? configured * scale : 0, source: c.source };
  });
}

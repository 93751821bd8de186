/**
 * The global quorum over per-colo passive health. Each colo's outlier detection decides
 * for that colo alone: an origin that fails from Frankfurt is ejected in Frankfurt, and
 * Singapore, where it answers, keeps sending it its share. An origin is ejected
 * everywhere only when enough of the colos that use it eject it: a colo votes when it
 * sent the origin traffic within the window or ejects it now; the origin is ejected
 * everywhere when at least `max(min, ⌈fraction × voters⌉)` voters eject it.
 *
 * Why a quorum of colos and these defaults: Cloudflare's load balancer decides an origin's
 * global health by a majority of probe regions, and lets each region steer around a pool
 * it cannot reach (regional health); Route 53 wants more than 18% of its checkers. Live
 * traffic is a better witness than probes, but one colo's network trouble must not
 * take an origin away from the whole world, so Edgeway asks for half of the colos that
 * use it (fraction 0.5) and never fewer than two (min 2): a single colo only ever ejects
 * for itself. Active probes still decide everywhere at once (`healthy` in the snapshot).
 *
 * Pure: the clock and the colos' reports are handed in.
 */
import type { Ejection } from "./outlier.ts";

/** The pool's `outlierDetection.globalQuorum` (config/schema.ts). */
export interface GlobalQuorum {
  /** Share of the voting colos that must eject the origin (0 < fraction ≤ 1). */
  readonly fraction: number;
  /** And never fewer colos than this (≥ 1; 1 lets a lone colo eject everywhere). */
  readonly min: number;
  /** A colo votes if it sent the origin traffic within this many seconds. */
  readonly windowSeconds: number;
}

export const DEFAULT_GLOBAL_QUORUM: GlobalQuorum = { fraction: 0.5, min: 2, windowSeconds: 60 };

/** One colo's ejection of an origin, as the Durable Object keeps it. */
export interface ColoEjection extends Ejection {
  readonly colo: string;
}

/** When a colo last reported traffic to the origin. */
export interface ColoTraffic {
  readonly colo: string;
  readonly lastAt: number;
}

/** The verdict on one origin, with the votes behind it. */
export interface QuorumVerdict {
  readonly originId: string;
  /** Whether the quorum ejects the origin everywhere. */
  readonly ejected: boolean;
  /** Colos ejecting it now, sorted. */
  readonly failing: readonly string[];
  /** Colos that vote: sent it traffic within the window or eject it now, sorted. */
  readonly voters: readonly string[];
  /** How many failing colos the quorum needs with these voters. */
  readonly needed: number;
  readonly settings: GlobalQuorum;
  /** When ejected: the ejection every colo applies (from the votes that made the quorum). */
  readonly ejection?: Ejection;
}

/** Failing colos needed out of `voters`: at least `min`, and at least `fraction` of them. */
export function votesNeeded(voters: number, settings: GlobalQuorum): number {
  // The epsilon keeps 0.5 × 4 at 2 whatever floating point makes of it.
  return Math.max(settings.min, Math.ceil(settings.fraction * voters - 1e-9));
}

/**
 * Decides one origin. `ejections` are the colos' ejections of it (ended ones are ignored);
 * `traffic` says when each colo last sent it traffic.
 */
export function quorumVerdict(
  originId: string,
  ejections: readonly ColoEjection[],
  traffic: readonly ColoTraffic[],
  settings: GlobalQuorum,
  now: number,
): QuorumVerdict {
  // One vote per colo: its latest-ending ejection in force.
  const byColo = new Map<string, ColoEjection>();
  for (const e of ejections) {
    if (e.originId !== originId || !(e.until > now)) continue;
    const held = byColo.get(e.colo);
    if (held === undefined || e.until > held.until) byColo.set(e.colo, e);
  }
  const since = now - settings.windowSeconds * 1_000;
  const voters = new Set(byColo.keys());
  for (const t of traffic) if (t.lastAt >= since && t.lastAt <= now) voters.add(t.colo);
  const failing = [...byColo.keys()].sort();
  const needed = votesNeeded(voters.size, settings);
  const base = { originId, failing, voters: [...voters].sort(), needed, settings };
  if (failing.length < needed) return { ...base, ejected: false };
  return { ...base, ejected: true, ejection: globalEjection(originId, [...byColo.values()], needed, voters.size, settings) };
}

/**
 * The ejection the quorum makes: it began when the vote that completed the quorum came
 * in, and lasts while `needed` colos still eject (the needed-th latest end), so it ends
 * by itself when the colos' own ejections do.
 */
function globalEjection(
  originId: string,
  votes: readonly ColoEjection[],
  needed: number,
  voters: number,
  settings: GlobalQuorum,
): Ejection {
  const byStart = [...votes].sort((a, b) => a.at - b.at);
  const byEnd = [...votes].sort((a, b) => b.until - a.until);
  const latest = byStart[byStart.length - 1] as ColoEjection;
  const colos = byStart.map((v) => v.colo).sort();
  return {
    originId,
    poolId: latest.poolId,
    kind: latest.kind,
    at: (byStart[needed - 1] as ColoEjection).at,
    until: (byEnd[needed - 1] as ColoEjection).until,
    count: Math.max(...votes.map((v) => v.count)),
    reason: `ejected everywhere: ${votes.length} of ${voters} colos that sent it traffic in the last ${settings.windowSeconds} s eject it (${listColos(colos)}; needed ${needed}); latest: ${latest.colo}, ${latest.reason}`,
  };
}

/** At most this many colo codes in a reason; the rest are counted. */
const LISTED_COLOS = 8;

function listColos(colos: readonly string[]): string {
  if (colos.length <= LISTED_COLOS) return colos.join(", ");
  return `${colos.slice(0, LISTED_COLOS).join(", ")} and ${colos.length - LISTED_COLOS} more`;
}

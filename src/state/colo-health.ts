/**
 * The per-colo parts of what the object hands out: for a snapshot, the asking colos'
 * own ejections and the votes behind every origin some colo ejects; for the admin API,
 * each origin's colos (which eject it, since when and why, which only sent it traffic)
 * and its global verdict. Bounded: a snapshot carries at most MAX_SNAPSHOT_COLOS colos'
 * ejections, and votes as counts.
 */
import type { Ejection } from "../health/outlier.ts";
import type { GlobalQuorum } from "../health/quorum.ts";
import type { HealthSnapshot, Votes } from "../health/snapshot.ts";
import type { EjectionStore, HeldEjection } from "./ejection-store.ts";

/** The most colos one snapshot carries ejections for (production asks for one). */
export const MAX_SNAPSHOT_COLOS = 32;

/** An ejection as isolates adopt it: what the detector knows, without the object's bookkeeping. */
export function plainEjection(e: Ejection): Ejection {
  return { originId: e.originId, poolId: e.poolId, kind: e.kind, at: e.at, until: e.until, count: e.count, reason: e.reason };
}

/** The snapshot's per-colo fields for isolates serving `colos`. */
export function coloSnapshotParts(
  store: EjectionStore,
  colos: readonly string[],
  now: number,
): Pick<HealthSnapshot, "coloEjections" | "votes"> {
  const coloEjections: Record<string, Ejection[]> = {};
  for (const colo of colos.slice(0, MAX_SNAPSHOT_COLOS)) coloEjections[colo] = store.inColo(colo, now).map(plainEjection);
  const votes: Record<string, Votes> = {};
  for (const id of store.ejectedOrigins(now)) {
    const v = store.verdict(id, now);
    votes[id] = { failing: v.failing.length, voters: v.voters.length, needed: v.needed, ejected: v.ejected };
  }
  return { coloEjections, votes };
}

/** One colo's part in an origin's health. */
export interface ColoState {
  /** Whether this colo ejects the origin now. */
  readonly ejected: boolean;
  /** When it last sent the origin traffic, if within the last hour. */
  readonly lastTrafficAt: number | null;
  /** Its ejection: since when (`at`), until when, why. */
  readonly ejection: Ejection | null;
}

/** An origin's global verdict, with the votes behind it. */
export interface QuorumState {
  readonly ejected: boolean;
  readonly failing: readonly string[];
  readonly voters: readonly string[];
  readonly needed: number;
  readonly settings: GlobalQuorum;
  readonly ejection: Ejection | null;
}

/** Every colo that ejects the origin or sent it traffic, and the global verdict. */
export function coloDetails(
  store: EjectionStore,
  originId: string,
  now: number,
): { colos: Record<string, ColoState>; quorum: QuorumState } {
  const colos: Record<string, ColoState> = {};
  const held = new Map<string, HeldEjection>(store.inForce(originId, now).map((e) => [e.colo, e]));
  for (const { colo, lastAt } of store.coloTraffic(originId)) {
    const e = held.get(colo);
    colos[colo] = { ejected: e !== undefined, lastTrafficAt: lastAt, ejection: e === undefined ? null : plainEjection(e) };
  }
  for (const [colo, e] of held) colos[colo] ??= { ejected: true, lastTrafficAt: null, ejection: plainEjection(e) };
  const v = store.verdict(originId, now);
  return {
    colos,
    quorum: {
      ejected: v.ejected,
      failing: v.failing,
      voters: v.voters,
      needed: v.needed,
      settings: v.settings,
      ejection: v.ejection ?? null,
    },
  };
}

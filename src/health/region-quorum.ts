/**
 * Health decided by a quorum of probe regions. Each region runs the health state machine
 * on its own probes (thresholds apply per region, as each Cloudflare region decides by
 * its own data centres); the origin is then down only when at least `quorum` regions
 * see it down. The default quorum is a majority of the monitor's regions (Cloudflare
 * Load Balancing: an origin is healthy if most regions say so). The vote is counted
 * against the origin, so a tie in an even number of regions keeps it in service (fail
 * open, DESIGN.md principle 3, as Route 53 keeps an endpoint healthy while 18% of its
 * checkers do), and a region that has no result yet (its object unreachable, or
 * not probed yet) abstains: it never counts as down.
 */
import type { OriginHealth, Transition } from "./state-machine.ts";

/** One region's view of an origin. */
export interface RegionVote {
  readonly region: string;
  /** undefined: no result from this region yet (abstains). */
  readonly healthy: boolean | undefined;
  /** The region's own reason ("HTTP 503 (expected 2xx)", …). */
  readonly reason: string;
}

/** The quorum's decision for one origin. */
export interface QuorumVerdict {
  readonly healthy: boolean;
  readonly down: readonly string[];
  readonly up: readonly string[];
  readonly abstained: readonly string[];
  readonly quorum: number;
  /** Which monitor and regions decided: "monitor http: down from 2 of 3 regions (weur, enam; quorum 2) — …". */
  readonly reason: string;
}

/** The default quorum: a majority of `regions` (2 of 3, 3 of 4, 3 of 5). */
export function majority(regions: number): number {
  return Math.floor(regions / 2) + 1;
}

/** The quorum in force: the configured one, else a majority; never below 1 nor above the region count. */
export function effectiveQuorum(regions: number, configured: number | undefined): number {
  return Math.max(1, Math.min(regions, configured ?? majority(regions)));
}

/** Counts the regions' votes. `monitors` names the monitors whose probes voted, for the reason. */
export function decideByQuorum(votes: readonly RegionVote[], quorum: number, monitors: readonly string[]): QuorumVerdict {
  const down = votes.filter((v) => v.healthy === false);
  const up = votes.filter((v) => v.healthy === true).map((v) => v.region);
  const abstained = votes.filter((v) => v.healthy === undefined).map((v) => v.region);
  const healthy = down.length < quorum;
  const who = `monitor ${monitors.join(", ")}`;
  const of = `${down.length} of ${votes.length} region(s)`;
  const failing = down.map((v) => `${v.region}: ${v.reason}`).join("; ");
  const waiting = abstained.length === 0 ? "" : `; no result yet from ${abstained.join(", ")}`;
  let reason: string;
  if (!healthy) reason = `${who}: down from ${of}, quorum ${quorum} (${failing})${waiting}`;
  else if (down.length > 0) reason = `${who}: up from ${up.join(", ")}; down from ${of}, below quorum ${quorum} (${failing})${waiting}`;
  else if (up.length > 0) reason = `${who}: up from ${up.join(", ")}${waiting}`;
  else reason = `${who}: no result yet from ${abstained.join(", ")}`;
  return { healthy, down: down.map((v) => v.region), up, abstained, quorum, reason };
}

/**
 * Moves an origin's health to the quorum's verdict. The thresholds were applied per
 * region, so the verdict applies at once; `since` moves only on a change.
 */
export function applyVerdict(state: OriginHealth, verdict: QuorumVerdict, at: number): { state: OriginHealth; transition?: Transition } {
  const counts = verdict.healthy
    ? { consecutiveSuccesses: state.consecutiveSuccesses + 1, consecutiveFailures: 0 }
    : { consecutiveSuccesses: 0, consecutiveFailures: state.consecutiveFailures + 1 };
  if (state.healthy === verdict.healthy) return { state: { ...state, ...counts, reason: verdict.reason } };
  const from = state.healthy ? "healthy" : "unhealthy";
  const to = verdict.healthy ? "healthy" : "unhealthy";
  return {
    state: { healthy: verdict.healthy, ...counts, since: at, reason: verdict.reason },
    transition: { from, to, at, reason: verdict.reason },
  };
}

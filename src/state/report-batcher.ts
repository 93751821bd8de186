/**
 * When a colo's aggregator writes to the global object: a report carrying news the
 * quorum needs goes at once, with everything held so far — a new ejection (so failover is
 * as fast as when isolates report directly), or traffic to an origin the aggregator has not
 * written for within NEW_VOTER_MS (so the colo counts among the origin's voters as soon as
 * it would have with direct reports). An ejection is not news when the object already
 * holds the colo's ejection of that origin until at least the next write: when an origin
 * fails everywhere, each colo writes its first isolate's ejection at once and the others'
 * with the next interval, so a failover costs one write per colo, not one per isolate. Anything else is held and merged (report-merge.ts)
 * until AGGREGATE_INTERVAL_MS has passed since the last write, then goes as one report per
 * colo. Under steady traffic global writes are then one per colo per interval, however
 * many isolates the colo runs. Pure: the clock is passed in; the Durable Object
 * (colo-aggregator.ts) does the I/O and the alarm.
 */
import type { TrafficReport } from "./ejection-store.ts";
import { mergeReports, PendingReport } from "./report-merge.ts";
import { REPORT_INTERVAL_MS } from "./traffic-report.ts";

/** How often an aggregator writes held reports: as often as one isolate reports, so the global object's view is no coarser. */
export const AGGREGATE_INTERVAL_MS = REPORT_INTERVAL_MS;

/**
 * Traffic to an origin not written for this long is written at once: the shortest quorum
 * window the config allows (`globalQuorum.windowSeconds` ≥ 20), after which the colo may
 * have dropped out of the origin's voters. Steady traffic is written every interval, well
 * inside it.
 */
export const NEW_VOTER_MS = 20_000;

/** Reports to write now, and the held ones they include (to hold again if the write fails). */
export interface Release {
  readonly send: TrafficReport[];
  readonly held: TrafficReport[];
}

export class ReportBatcher {
  readonly #intervalMs: number;
  /** Held reports by colo (one colo in production: the aggregator's). */
  readonly #pending = new Map<string, PendingReport>();
  #lastWrite: number;
  /** When traffic of each colo and origin was last written (entries older than NEW_VOTER_MS are dropped). */
  readonly #written = new Map<string, number>();
  /** Until when the object holds each colo's ejection of each origin, as far as this aggregator knows. */
  readonly #ejected = new Map<string, number>();

  /** `now` starts the first interval: a new aggregator holds reports for one interval too. */
  constructor(now: number, intervalMs = AGGREGATE_INTERVAL_MS) {
    this.#intervalMs = intervalMs;
    this.#lastWrite = now;
  }

  /** Whether anything is held. */
  get holding(): boolean {
    return this.#pending.size > 0;
  }

  /** When held reports are due. */
  get dueAt(): number {
    return this.#lastWrite + this.#intervalMs;
  }

  /**
   * Takes in one report. Returns what to write now — the report merged with everything
   * held, when it carries an ejection or the interval has passed — or undefined when the
   * report is held.
   */
  offer(report: TrafficReport, now: number): Release | undefined {
    if (now < this.dueAt && !this.#newEjection(report, now) && !this.#newVoter(report, now)) {
      this.#hold(report, now);
      return undefined;
    }
    const held = this.release(now);
    const send = mergeReports([...held, report], now);
    this.#wrote(send, now);
    return { send, held };
  }

  /** Everything held, one report per colo, and the interval restarts (the alarm's write). */
  release(now: number): TrafficReport[] {
    const held = [...this.#pending.values()].map((p) => p.report());
    this.#pending.clear();
    this.#lastWrite = now;
    this.#wrote(held, now);
    return held;
  }

  /** Whether the report carries traffic to an origin not written for NEW_VOTER_MS. */
  #newVoter(report: TrafficReport, now: number): boolean {
    return report.counts.some(
      ([originId]) => !(now - (this.#written.get(key(report.colo, originId)) ?? Number.NEGATIVE_INFINITY) < NEW_VOTER_MS),
    );
  }

  /**
   * Learns from the object's answer which of the colo's ejections it holds, and until
   * when: one it ended (a passing probe, an operator's release) makes the next ejection of
   * that origin news again.
   */
  learn(colo: string, held: readonly { readonly originId: string; readonly until: number }[], now: number): void {
    for (const k of [...this.#ejected.keys()]) if (k.startsWith(`${colo}\u0000`)) this.#ejected.delete(k);
    for (const e of held) if (e.until > now) this.#ejected.set(key(colo, e.originId), e.until);
  }

  /** Whether the report ejects an origin that the object does not hold ejected in this colo until the next write. */
  #newEjection(report: TrafficReport, now: number): boolean {
    const next = now + this.#intervalMs;
    return report.ejections.some(
      (e) => (this.#ejected.get(key(report.colo, e.originId)) ?? Number.NEGATIVE_INFINITY) < Math.min(e.until, next),
    );
  }

  #wrote(reports: readonly TrafficReport[], now: number): void {
    for (const [k, at] of this.#written) if (now - at >= NEW_VOTER_MS) this.#written.delete(k);
    for (const [k, until] of this.#ejected) if (until <= now) this.#ejected.delete(k);
    for (const r of reports) {
      for (const [originId] of r.counts) this.#written.set(key(r.colo, originId), now);
      for (const e of r.ejections) {
        const k = key(r.colo, e.originId);
        if (e.until > (this.#ejected.get(k) ?? Number.NEGATIVE_INFINITY)) this.#ejected.set(k, e.until);
      }
    }
  }

  /** Holds reports again after a write that failed; they go with the next one. */
  restore(reports: readonly TrafficReport[], now: number): void {
    for (const r of reports) this.#hold(r, now);
  }

  #hold(report: TrafficReport, now: number): void {
    let pending = this.#pending.get(report.colo);
    if (pending === undefined) {
      pending = new PendingReport(report.colo);
      this.#pending.set(report.colo, pending);
    }
    pending.add(report, now);
    if (pending.empty) this.#pending.delete(report.colo);
  }
}

const key = (colo: string, originId: string): string => `${colo}\u0000${originId}`;

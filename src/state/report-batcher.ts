/**
 * When a colo's aggregator writes to the global object: a report carrying an ejection goes
 * at once (with everything held so far), so failover is as fast as when isolates report
 * directly; anything else is held and merged (report-merge.ts) until AGGREGATE_INTERVAL_MS
 * has passed since the last write, then goes as one report per colo. Global writes are
 * then one per colo per interval, however many isolates the colo runs. Pure: the clock is
 * passed in; the Durable Object (colo-aggregator.ts) does the I/O and the alarm.
 */
import type { TrafficReport } from "./ejection-store.ts";
import { mergeReports, PendingReport } from "./report-merge.ts";
import { REPORT_INTERVAL_MS } from "./traffic-report.ts";

/** How often an aggregator writes held reports: as often as one isolate reports, so the global object's view is no coarser. */
export const AGGREGATE_INTERVAL_MS = REPORT_INTERVAL_MS;

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
    if (report.ejections.length === 0 && now < this.dueAt) {
      this.#hold(report, now);
      return undefined;
    }
    const held = this.release(now);
    return { send: mergeReports([...held, report], now), held };
  }

  /** Everything held, one report per colo, and the interval restarts (the alarm's write). */
  release(now: number): TrafficReport[] {
    const held = [...this.#pending.values()].map((p) => p.report());
    this.#pending.clear();
    this.#lastWrite = now;
    return held;
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

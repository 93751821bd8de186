/**
 * What an isolate tells the Durable Object about live traffic, in one call: new
 * ejections (sent at once, in waitUntil), per-origin try and failure counts with the sum,
 * sum of squares and count of the latency of tries that got a response (what a rollout's
 * analysis compares, docs/rollouts.md) and the colo's latency estimates sampled since the
 * last report (every REPORT_INTERVAL_MS), and the config version the colo serves with (how a
 * staged config change tells the colos on its candidate from the others, staged-runner.ts).
 * Never per request, never awaited by a request. A report's size is bounded whatever the
 * number of origins, colos or requests: at most MAX_REPORT_ENTRIES origins' counts and
 * ejections and MAX_LATENCY_ENTRIES latency estimates (the object reads no more), about
 * 200 KB at the most.
 */
import type { CountEntry, LatencyReportEntry, ReportedEjection, TrafficReport } from "./ejection-store.ts";
import { MAX_REPORT_ENTRIES } from "./ejection-store.ts";
import { COLO_LATENCY_MAX_AGE_MS, MAX_LATENCY_ENTRIES } from "./latency-store.ts";
import type { LatencyTracker } from "../steering/latency.ts";

/** How often counts and latency are sent when nothing urgent is pending. */
export const REPORT_INTERVAL_MS = 10_000;
/** Latency estimates older than this are dropped from the isolate (they have decayed to nothing). */
export const LATENCY_KEEP_MS = COLO_LATENCY_MAX_AGE_MS;

/** Where the colo's latency tracker is found (the isolate's ColoLatency), asked only when a report is built. */
export interface LatencySource {
  peek(colo: string): LatencyTracker | undefined;
}

/** One origin's counts since the last report. */
interface OriginCounts {
  tries: number;
  failures: number;
  latencySum: number;
  latencySumSq: number;
  latencyCount: number;
}

/** The report's entry for one origin: the latency figures only when some try got a response. */
function countEntry([id, c]: readonly [string, OriginCounts]): CountEntry {
  return c.latencyCount === 0 ? [id, c.tries, c.failures] : [id, c.tries, c.failures, c.latencySum, c.latencySumSq, c.latencyCount];
}

export class TrafficReporter {
  #ejections: ReportedEjection[] = [];
  #counts = new Map<string, OriginCounts>();
  #lastSent = Number.NEGATIVE_INFINITY;
  /** Latency estimates sampled from this time on have not been sent yet. */
  #latencyFrom = Number.NEGATIVE_INFINITY;
  /** The config version the colo serves with, asked when a report is built (never per request). */
  readonly #version: (() => number | undefined) | undefined;

  constructor(version?: () => number | undefined) {
    this.#version = version;
  }

  /** Counts one try of an origin; `latencyMs` when it got a response. */
  count(originId: string, failed: boolean, latencyMs?: number): void {
    let c = this.#counts.get(originId);
    if (c === undefined) {
      // Origins come from the config and registrations, so this never bites in practice; it bounds the report if they do not.
      if (this.#counts.size >= MAX_REPORT_ENTRIES) return;
      c = { tries: 0, failures: 0, latencySum: 0, latencySumSq: 0, latencyCount: 0 };
      this.#counts.set(originId, c);
    }
    c.tries++;
    if (failed) c.failures++;
    if (latencyMs !== undefined && latencyMs >= 0) {
      c.latencySum += latencyMs;
      c.latencySumSq += latencyMs * latencyMs;
      c.latencyCount++;
    }
  }

  /** Queues an ejection; the next `take` sends it whatever the interval. */
  eject(ejection: ReportedEjection): void {
    // The oldest pending ejection gives way: newer ones supersede it in the object anyway.
    if (this.#ejections.length >= MAX_REPORT_ENTRIES) this.#ejections.shift();
    this.#ejections.push(ejection);
  }

  /** Whether a report is due: an ejection waits, or counts are in and REPORT_INTERVAL_MS has passed since the last. */
  due(now: number): boolean {
    return this.#ejections.length > 0 || (now - this.#lastSent >= REPORT_INTERVAL_MS && this.#counts.size > 0);
  }

  /**
   * The report to send now, or undefined when there is nothing due. Hands over what it
   * returns. With the isolate's latency trackers, the report carries the colo's estimates sampled
   * since the last report (latency comes from tries, so a colo with no tries counted has
   * none new). Cheap when nothing is due: called after every request.
   */
  take(colo: string, now: number, latency?: LatencySource): TrafficReport | undefined {
    if (!this.due(now)) return undefined;
    const tracker = latency?.peek(colo);
    const estimates = tracker === undefined ? [] : this.#latencySince(tracker, now);
    const version = this.#version?.();
    const report: TrafficReport = {
      colo,
      ...(version === undefined ? {} : { version }),
      ejections: this.#ejections,
      counts: [...this.#counts].map(countEntry),
      ...(estimates.length === 0 ? {} : { latency: estimates }),
    };
    this.#ejections = [];
    this.#counts = new Map();
    this.#lastSent = now;
    return report;
  }

  /** Estimates sampled since the last report; a sample in the very millisecond of that report goes again (the object keeps the newest, so twice is harmless). */
  #latencySince(tracker: LatencyTracker, now: number): LatencyReportEntry[] {
    tracker.prune(now, LATENCY_KEEP_MS);
    const from = this.#latencyFrom;
    this.#latencyFrom = now;
    return tracker
      .entries()
      .filter(([, , at]) => at >= from)
      .slice(0, MAX_LATENCY_ENTRIES);
  }
}

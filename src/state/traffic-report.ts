/**
 * What an isolate tells the Durable Object about live traffic: new ejections (sent at
 * once, in waitUntil) and per-origin try and failure counts (every REPORT_INTERVAL_MS).
 * Never per request, never awaited by a request. A report's size is bounded whatever the
 * number of origins, colos or requests: at most MAX_REPORT_ENTRIES origins' counts and
 * MAX_REPORT_ENTRIES ejections (the object reads no more), about 100 KB at the most.
 */
import type { ReportedEjection, TrafficReport } from "./ejection-store.ts";
import { MAX_REPORT_ENTRIES } from "./ejection-store.ts";

/** How often counts are sent when nothing urgent is pending. */
export const REPORT_INTERVAL_MS = 10_000;

export class TrafficReporter {
  #ejections: ReportedEjection[] = [];
  #counts = new Map<string, { tries: number; failures: number }>();
  #lastSent = Number.NEGATIVE_INFINITY;

  /** Counts one try of an origin. */
  count(originId: string, failed: boolean): void {
    let c = this.#counts.get(originId);
    if (c === undefined) {
      // Origins come from the config and registrations, so this never bites in practice; it bounds the report if they do not.
      if (this.#counts.size >= MAX_REPORT_ENTRIES) return;
      c = { tries: 0, failures: 0 };
      this.#counts.set(originId, c);
    }
    c.tries++;
    if (failed) c.failures++;
  }

  /** Queues an ejection; the next `take` sends it whatever the interval. */
  eject(ejection: ReportedEjection): void {
    // The oldest pending ejection gives way: newer ones supersede it in the object anyway.
    if (this.#ejections.length >= MAX_REPORT_ENTRIES) this.#ejections.shift();
    this.#ejections.push(ejection);
  }

  /** The report to send now, or undefined when there is nothing due. Hands over what it returns. */
  take(colo: string, now: number): TrafficReport | undefined {
    const urgent = this.#ejections.length > 0;
    if (!urgent && (now - this.#lastSent < REPORT_INTERVAL_MS || this.#counts.size === 0)) return undefined;
    const report: TrafficReport = {
      colo,
      ejections: this.#ejections,
      counts: [...this.#counts].map(([id, c]) => [id, c.tries, c.failures] as const),
    };
    this.#ejections = [];
    this.#counts = new Map();
    this.#lastSent = now;
    return report;
  }
}

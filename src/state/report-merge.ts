/**
 * Merging traffic reports of one colo's isolates into one report, as the colo's aggregator
 * (colo-aggregator.ts) does before it writes to the global object. Pure: the clock is
 * passed in. The rules keep what the global object would have recorded had every report
 * reached it on its own:
 *
 * - counts add up per origin (tries and failures, and the latency sums rollouts read), as the
 *   object's traffic buckets add them;
 * - latency keeps, per key, the most recently sampled estimate, the object's own rule
 *   (latency-store.ts), so one merged entry records what several would have;
 * - load keeps, per origin, the newest report, its blackout running from the earliest
 *   start of touching runs: the object's own merge (steering/load-weights.ts mergeLoad);
 * - the config version is the last report's (a colo changes version only when a staged
 *   config change moves, so at most one merge straddles it);
 * - ejections are kept in arrival order (the object keeps, per colo and origin, the one
 *   that ends last, whatever the order).
 *
 * A merged report names one colo: the per-colo meaning the quorum needs is never mixed.
 * Bounded as an isolate's report is: at most MAX_REPORT_ENTRIES origins' counts and
 * ejections, MAX_LATENCY_ENTRIES latency keys and MAX_LOAD_ENTRIES origins' load, however
 * many reports are merged.
 */
import type { CountEntry, LatencyReportEntry, ReportedEjection, TrafficReport } from "./ejection-store.ts";
import { MAX_REPORT_ENTRIES } from "./ejection-store.ts";
import { MAX_LATENCY_ENTRIES } from "./latency-store.ts";
import { MAX_LOAD_ENTRIES } from "./load-store.ts";
import { mergeLoad, OriginLoadSchema } from "../steering/load-weights.ts";
import type { OriginLoad } from "../steering/load-weights.ts";
import { SEED_EXPIRY_MS } from "../steering/load-tracker.ts";

/** One colo's reports taken in so far. */
export class PendingReport {
  readonly colo: string;
  readonly #counts = new Map<string, { tries: number; failures: number; sum: number; sumSq: number; n: number }>();
  readonly #latency = new Map<string, { ms: number; at: number }>();
  readonly #load = new Map<string, OriginLoad>();
  #ejections: ReportedEjection[] = [];
  #version: number | undefined;

  constructor(colo: string) {
    this.colo = colo;
  }

  /** Whether nothing has been taken in. */
  get empty(): boolean {
    return this.#counts.size === 0 && this.#latency.size === 0 && this.#load.size === 0 && this.#ejections.length === 0;
  }

  /** Takes in one report of this colo; `now` stamps latency entries that carry no sample time. */
  add(report: TrafficReport, now: number): void {
    if (report.version !== undefined) this.#version = report.version;
    for (const e of report.ejections.slice(0, MAX_REPORT_ENTRIES)) {
      // The oldest pending ejection gives way, as in the isolate's reporter.
      if (this.#ejections.length >= MAX_REPORT_ENTRIES) this.#ejections.shift();
      this.#ejections.push(e);
    }
    for (const [originId, tries, failures, sum = 0, sumSq = 0, n = 0] of report.counts.slice(0, MAX_REPORT_ENTRIES)) {
      // What the object would skip is skipped here, so a bad entry cannot poison a sum.
      if (!(tries > 0) || !(failures >= 0) || !Number.isFinite(tries) || !Number.isFinite(failures)) continue;
      let c = this.#counts.get(originId);
      if (c === undefined) {
        if (this.#counts.size >= MAX_REPORT_ENTRIES) continue;
        c = { tries: 0, failures: 0, sum: 0, sumSq: 0, n: 0 };
        this.#counts.set(originId, c);
      }
      c.tries += Math.floor(tries);
      c.failures += Math.floor(Math.min(failures, tries));
      // Latency sums that do not add up (negative, not finite, more samples than tries) are left out whole.
      if (n > 0 && n <= tries && sum >= 0 && sumSq >= 0 && Number.isFinite(sum) && Number.isFinite(sumSq)) {
        c.sum += sum;
        c.sumSq += sumSq;
        c.n += Math.floor(n);
      }
    }
    for (const [key, ms, sampledAt] of (report.latency ?? []).slice(0, MAX_LATENCY_ENTRIES)) {
      if (typeof key !== "string" || !Number.isFinite(ms) || ms < 0) continue;
      // As the object reads it: no sample time, or one in the future (clock skew), is now.
      const at = sampledAt !== undefined && Number.isFinite(sampledAt) ? Math.min(sampledAt, now) : now;
      const held = this.#latency.get(key);
      if (held === undefined) {
        if (this.#latency.size >= MAX_LATENCY_ENTRIES) continue;
        this.#latency.set(key, { ms, at });
      } else if (at > held.at) {
        held.ms = ms;
        held.at = at;
      }
    }
    for (const [originId, raw] of (report.load ?? []).slice(0, MAX_LOAD_ENTRIES)) {
      // The object parses what it is sent; so does the aggregator, before merging.
      const parsed = OriginLoadSchema.safeParse(raw);
      if (!parsed.success || typeof originId !== "string") continue;
      const held = this.#load.get(originId);
      if (held === undefined && this.#load.size >= MAX_LOAD_ENTRIES) continue;
      this.#load.set(originId, mergeLoad(held, parsed.data, SEED_EXPIRY_MS));
    }
  }

  /** The merged report. */
  report(): TrafficReport {
    const latency: LatencyReportEntry[] = [...this.#latency].map(([key, l]) => [key, l.ms, l.at] as const);
    return {
      colo: this.colo,
      ...(this.#version === undefined ? {} : { version: this.#version }),
      ejections: [...this.#ejections],
      counts: [...this.#counts].map(
        ([id, c]): CountEntry => (c.n === 0 ? [id, c.tries, c.failures] : [id, c.tries, c.failures, c.sum, c.sumSq, c.n]),
      ),
      ...(latency.length === 0 ? {} : { latency }),
      ...(this.#load.size === 0 ? {} : { load: [...this.#load] }),
    };
  }
}

/** Reports merged by colo: one report per colo named, in the order colos first appear. */
export function mergeReports(reports: readonly TrafficReport[], now: number): TrafficReport[] {
  const byColo = new Map<string, PendingReport>();
  for (const r of reports) {
    let pending = byColo.get(r.colo);
    if (pending === undefined) {
      pending = new PendingReport(r.colo);
      byColo.set(r.colo, pending);
    }
    pending.add(r, now);
  }
  return [...byColo.values()].filter((p) => !p.empty).map((p) => p.report());
}

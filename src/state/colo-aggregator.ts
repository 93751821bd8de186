/**
 * ColoAggregator, one small Durable Object per colo (`colo:<code>`, created from that colo
 * so it lives near it): the colo's isolates send it their traffic reports (ejections,
 * counts, latency) instead of the global OriginState object; it merges them in memory and
 * writes one report per colo per interval to the global object (report-batcher.ts), so
 * global writes grow with colos, not with isolates (docs/do-budget.md). A report carrying
 * a new ejection for the colo, or the colo's first traffic to an origin in a while (a new
 * voter for the quorum), is written at once and answered with the global snapshot, as a direct report
 * is: failover and the quorum's view of who uses an origin are not delayed by aggregation.
 *
 * Memory only: an evicted aggregator loses at most one interval of held counts and latency
 * (ejections are never held). The alarm writes what is held when no report comes to do it.
 * Isolates fall back to the global object when the aggregator cannot be reached
 * (report-send.ts).
 */
import { DurableObject } from "cloudflare:workers";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { errorMessage, log } from "../observe/log.ts";
import type { TrafficReport } from "./ejection-store.ts";
import { countedStub } from "./do-calls.ts";
import { originStateStub } from "./origin-state.ts";
import { ReportBatcher } from "./report-batcher.ts";

/** What an aggregator has taken in and written since it started, for tests and the benchmark. */
export interface AggregatorStats {
  readonly received: number;
  readonly writes: number;
  readonly urgentWrites: number;
  readonly holding: boolean;
}

export class ColoAggregator extends DurableObject<Env> {
  readonly #batcher = new ReportBatcher(Date.now());
  #alarmAt: number | undefined;
  #received = 0;
  #writes = 0;
  #urgentWrites = 0;

  /**
   * One isolate's report. Held (answered with undefined) unless it carries news for the
   * quorum or the interval has passed (report-batcher.ts); then written with everything
   * held, answered with the global snapshot for `colos`. A failed write throws, and the
   * caller's report is not kept, so the caller sends it to the global object itself
   * without counting it twice.
   */
  async report(report: TrafficReport, colos?: readonly string[]): Promise<HealthSnapshot | undefined> {
    const now = Date.now();
    this.#received++;
    const release = this.#batcher.offer(report, now);
    if (release === undefined) {
      await this.#wakeAt(this.#batcher.dueAt);
      return undefined;
    }
    if (release.send.some((r) => r.ejections.length > 0)) this.#urgentWrites++;
    // This write takes what the alarm would have: a later alarm would only write the few
    // reports that come meanwhile, a second write in one interval. Those set a new one.
    await this.#cancelAlarm();
    const written = new Set<string>();
    try {
      return await this.#write(release.send, written, report.colo, colos);
    } catch (error) {
      this.#batcher.restore(
        release.held.filter((r) => !written.has(r.colo)),
        Date.now(),
      );
      await this.#wakeAt(this.#batcher.dueAt);
      // The caller's report went in with its colo's write: sending it again would count it twice.
      if (written.has(report.colo)) return undefined;
      throw error;
    }
  }

  /** Counters since this aggregator started. */
  stats(): AggregatorStats {
    return { received: this.#received, writes: this.#writes, urgentWrites: this.#urgentWrites, holding: this.#batcher.holding };
  }

  /** Writes what is held; a failed write holds it again for the next alarm. */
  override async alarm(): Promise<void> {
    this.#alarmAt = undefined;
    const held = this.#batcher.release(Date.now());
    if (held.length === 0) return;
    const written = new Set<string>();
    try {
      await this.#write(held, written);
    } catch (error) {
      log("warn", "colo_aggregate_write_failed", { message: errorMessage(error) });
      this.#batcher.restore(
        held.filter((r) => !written.has(r.colo)),
        Date.now(),
      );
      await this.#wakeAt(this.#batcher.dueAt);
    }
  }

  /**
   * One global write per colo (one colo in production), each colo added to `written` once
   * it is in, so a failure holds again only what did not go; the snapshot of the write for
   * `colo`, if asked.
   */
  async #write(
    reports: readonly TrafficReport[],
    written: Set<string>,
    colo?: string,
    colos?: readonly string[],
  ): Promise<HealthSnapshot | undefined> {
    const global = originStateStub(this.env);
    let answer: HealthSnapshot | undefined;
    for (const r of reports) {
      this.#writes++;
      const snapshot = await global.reportTraffic(r, r.colo === colo ? colos : undefined);
      written.add(r.colo);
      // The answer always carries r.colo's ejections as the object holds them now.
      this.#batcher.learn(r.colo, snapshot.coloEjections?.[r.colo] ?? [], Date.now());
      if (r.colo === colo) answer = snapshot;
    }
    return answer;
  }

  async #cancelAlarm(): Promise<void> {
    if (this.#alarmAt === undefined) return;
    this.#alarmAt = undefined;
    await this.ctx.storage.deleteAlarm();
  }

  async #wakeAt(at: number): Promise<void> {
    if (!this.#batcher.holding || (this.#alarmAt !== undefined && this.#alarmAt <= at)) return;
    this.#alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

/** The aggregator of `colo`, its calls counted, or undefined where the binding is absent (direct reports then). */
export function coloAggregatorStub(
  env: Partial<Pick<Env, "COLO_AGGREGATOR">>,
  colo: string,
): DurableObjectStub<ColoAggregator> | undefined {
  const ns = env.COLO_AGGREGATOR;
  if (ns === undefined) return undefined;
  return countedStub(ns.get(ns.idFromName(`colo:${colo}`)));
}

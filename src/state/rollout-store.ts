/**
 * Rollouts as the Durable Object keeps them (docs/rollouts.md), in SQLite so they survive
 * a restart: each rollout's status (spec, state, weight, step, history, the config version
 * a promotion wrote) with what the object adds to it — the origins on each side, the route
 * as the config had it, when it ended — as one JSON row; the counts of the interval in progress per
 * colo and side, added up from the colos' traffic reports; verdicts counted per route and
 * target; and a version that moves whenever what isolates steer by changes.
 *
 * Bounded: at most one rollout per route is not ended (routes come from the config) and
 * the newest ENDED_KEPT ended ones are kept; counts are two rows per colo per rollout in
 * progress; the controller bounds each history.
 */
import { z } from "zod";
import type { HistoryEntry, IntervalCounts, RolloutStatus, SideCounts, Verdict } from "../rollout/types.ts";
import type { CountEntry, TrafficReport } from "./ejection-store.ts";
import { MAX_REPORT_ENTRIES } from "./ejection-store.ts";

/** Ended rollouts kept (GET /_edgeway/rollouts shows them). */
export const ENDED_KEPT = 50;

/** Which origins count as the target and which as the stable side, from the route's pools. */
export interface Sides {
  readonly target: readonly string[];
  readonly stable: readonly string[];
}

/** A rollout as the object holds it. */
export interface HeldRollout {
  readonly status: RolloutStatus;
  readonly sides: Sides;
  /** The route as the config had it when the rollout started or resumed: a change to it pauses the rollout. */
  readonly fingerprint: string;
  /** When it ended (promoted, rolled back, aborted). */
  readonly endedAt: number | undefined;
}

/** What a stored row's body is. Parse, don't cast: an older object version may have written it. */
const HeldSchema = z.object({
  status: z.custom<RolloutStatus>((v) => {
    const s = v as Partial<Record<keyof RolloutStatus, unknown>> | null;
    return (
      typeof s === "object" &&
      s !== null &&
      typeof s.id === "string" &&
      typeof s.state === "string" &&
      Array.isArray(s.history) &&
      typeof s.spec === "object"
    );
  }),
  sides: z.object({ target: z.array(z.string()), stable: z.array(z.string()) }),
  fingerprint: z.string(),
  endedAt: z.number().optional(),
});

export const ENDED_STATES: ReadonlySet<string> = new Set(["promoted", "rolled_back", "aborted"]);

/** Whether a rollout is over (promoted, rolled back or aborted). */
export const isEnded = (status: RolloutStatus): boolean => ENDED_STATES.has(status.state);

/** A verdict count as the metrics show it. */
export interface VerdictCount {
  readonly route: string;
  readonly target: string;
  readonly verdict: string;
  readonly count: number;
}

const ZERO: SideCounts = { requests: 0, failures: 0, latencySumMs: 0, latencySumSqMs: 0, latencyCount: 0 };

interface Tally {
  requests: number;
  failures: number;
  latencySumMs: number;
  latencySumSqMs: number;
  latencyCount: number;
}

/** Adds one report entry to a side, skipping what does not add up (as the object's traffic buckets do). */
function addEntry(side: Tally, [, tries, failures, sum = 0, sumSq = 0, n = 0]: CountEntry): void {
  if (!(tries > 0) || !(failures >= 0) || !Number.isFinite(tries) || !Number.isFinite(failures)) return;
  side.requests += Math.floor(tries);
  side.failures += Math.floor(Math.min(failures, tries));
  if (n > 0 && n <= tries && sum >= 0 && sumSq >= 0 && Number.isFinite(sum) && Number.isFinite(sumSq)) {
    side.latencySumMs += sum;
    side.latencySumSqMs += sumSq;
    side.latencyCount += Math.floor(n);
  }
}

export class RolloutStore {
  readonly #sql: SqlStorage;
  /** Every kept rollout by id, newest first when listed. */
  readonly #held = new Map<string, HeldRollout>();
  /** Per rollout in progress: origin id → side, for adding reports up. */
  readonly #sideOf = new Map<string, ReadonlyMap<string, "target" | "stable">>();
  #version: number;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const row of sql.exec<{ id: string; body: string }>("SELECT id, body FROM rollouts ORDER BY created_at")) {
      const parsed = HeldSchema.safeParse(JSON.parse(row.body));
      if (parsed.success) this.#remember({ ...parsed.data, endedAt: parsed.data.endedAt });
    }
    this.#version = sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'rollouts_version'").toArray()[0]?.value ?? 0;
  }

  /** Moves whenever the rollouts isolates steer by change (their set, weights, stages). */
  get version(): number {
    return this.#version;
  }

  /** Every kept rollout, newest first. */
  all(): HeldRollout[] {
    return [...this.#held.values()].sort((a, b) => b.status.spec.createdAt - a.status.spec.createdAt);
  }

  get(id: string): HeldRollout | undefined {
    return this.#held.get(id);
  }

  /** The rollout that holds `route` (not ended, or promoted with its config not written yet): at most one. */
  holding(route: string): HeldRollout | undefined {
    for (const h of this.#held.values())
      if (h.status.route === route && (!isEnded(h.status) || (h.status.state === "promoted" && h.status.promotedVersion === undefined)))
        return h;
    return undefined;
  }

  /**
   * Stores a rollout's new status (and the object's additions); moves the version when
   * `steers` says isolates must see it; drops the oldest ended rollouts beyond ENDED_KEPT.
   */
  save(kept: HeldRollout, steers: boolean): void {
    const status = kept.status;
    this.#remember(kept);
    this.#sql.exec(
      `INSERT INTO rollouts (id, route, created_at, body) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET route = excluded.route, body = excluded.body`,
      status.id,
      status.route,
      status.spec.createdAt,
      JSON.stringify(kept),
    );
    if (status.state !== "progressing") this.clearCounts(status.id);
    if (steers) this.#bump();
    if (isEnded(status)) this.#pruneEnded();
  }

  /** Rollouts whose intervals run (state progressing). */
  progressing(): HeldRollout[] {
    return this.all().filter((h) => h.status.state === "progressing");
  }

  /**
   * Adds a colo's report to the interval in progress of every rollout that is progressing:
   * each origin's tries, failures and latency sums to its side. Two row writes per rollout
   * and colo at most; nothing when no rollout is in progress.
   */
  record(report: TrafficReport): void {
    if (this.#sideOf.size === 0) return;
    for (const [id, sideOf] of this.#sideOf) {
      const target: Tally = { ...ZERO };
      const stable: Tally = { ...ZERO };
      for (const entry of report.counts.slice(0, MAX_REPORT_ENTRIES)) {
        const side = sideOf.get(entry[0]);
        if (side !== undefined) addEntry(side === "target" ? target : stable, entry);
      }
      for (const [name, t] of [["target", target] as const, ["stable", stable] as const]) {
        if (t.requests === 0) continue;
        this.#sql.exec(
          `INSERT INTO rollout_counts (rollout_id, colo, side, requests, failures, latency_sum, latency_sum_sq, latency_count)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (rollout_id, colo, side) DO UPDATE SET requests = requests + excluded.requests, failures = failures + excluded.failures,
             latency_sum = latency_sum + excluded.latency_sum, latency_sum_sq = latency_sum_sq + excluded.latency_sum_sq,
             latency_count = latency_count + excluded.latency_count`,
          id,
          report.colo,
          name,
          t.requests,
          t.failures,
          t.latencySumMs,
          t.latencySumSqMs,
          t.latencyCount,
        );
      }
    }
  }

  /** The counts of the interval that just ended, per colo, and a fresh interval. */
  takeCounts(id: string): IntervalCounts {
    const counts = this.peekCounts(id);
    this.clearCounts(id);
    return counts;
  }

  /** The counts of the interval in progress so far, per colo (a look before it ends). */
  peekCounts(id: string): IntervalCounts {
    const out = new Map<string, { target: SideCounts; stable: SideCounts }>();
    const rows = this.#sql.exec<{
      colo: string;
      side: string;
      requests: number;
      failures: number;
      latency_sum: number;
      latency_sum_sq: number;
      latency_count: number;
    }>("SELECT colo, side, requests, failures, latency_sum, latency_sum_sq, latency_count FROM rollout_counts WHERE rollout_id = ?", id);
    for (const r of rows) {
      const held = out.get(r.colo) ?? { target: ZERO, stable: ZERO };
      const side: SideCounts = {
        requests: r.requests,
        failures: r.failures,
        latencySumMs: r.latency_sum,
        latencySumSqMs: r.latency_sum_sq,
        latencyCount: r.latency_count,
      };
      out.set(r.colo, r.side === "target" ? { ...held, target: side } : { ...held, stable: side });
    }
    return out;
  }

  /** Forgets the counts of the interval in progress (a pause, a resume, an end). */
  clearCounts(id: string): void {
    this.#sql.exec("DELETE FROM rollout_counts WHERE rollout_id = ?", id);
  }

  /** Counts the verdicts of new history entries. */
  countVerdicts(status: RolloutStatus, entries: readonly HistoryEntry[]): void {
    for (const e of entries) {
      if (!isVerdict(e.verdict)) continue;
      this.#sql.exec(
        `INSERT INTO rollout_verdicts (route, target, verdict, count) VALUES (?, ?, ?, 1)
         ON CONFLICT (route, target, verdict) DO UPDATE SET count = count + 1`,
        status.route,
        status.to,
        e.verdict,
      );
    }
  }

  /** Every verdict count, for the metrics. */
  verdicts(): VerdictCount[] {
    return this.#sql
      .exec<{ route: string; target: string; verdict: string; count: number }>("SELECT route, target, verdict, count FROM rollout_verdicts")
      .toArray()
      .map((r) => ({ route: r.route, target: r.target, verdict: r.verdict, count: r.count }));
  }

  #remember(held: HeldRollout): void {
    this.#held.set(held.status.id, held);
    if (held.status.state === "progressing") {
      const sideOf = new Map<string, "target" | "stable">();
      for (const id of held.sides.stable) sideOf.set(id, "stable");
      // An origin in both the target and a stable pool counts for the target.
      for (const id of held.sides.target) sideOf.set(id, "target");
      this.#sideOf.set(held.status.id, sideOf);
    } else this.#sideOf.delete(held.status.id);
  }

  #bump(): void {
    this.#version++;
    this.#sql.exec(
      "INSERT INTO counters (name, value) VALUES ('rollouts_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      this.#version,
    );
  }

  #pruneEnded(): void {
    const ended = this.all().filter((h) => isEnded(h.status) && this.holding(h.status.route) !== h);
    for (const h of ended.slice(ENDED_KEPT)) {
      this.#held.delete(h.status.id);
      this.#sql.exec("DELETE FROM rollouts WHERE id = ?", h.status.id);
      this.clearCounts(h.status.id);
    }
  }
}

const VERDICTS: readonly string[] = ["pass", "fail", "inconclusive"] satisfies Verdict[];

function isVerdict(v: string): v is Verdict {
  return VERDICTS.includes(v);
}

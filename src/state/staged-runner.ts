/**
 * The Durable Object's side of staged config changes (docs/rollouts.md#staged-config-changes):
 * starting one (one at a time: a second is refused), the commands (promote, abort), and the
 * alarm's work — a look at the interval's counts every LOOK_EVERY_MS (a failing candidate is
 * rolled back at the first look that shows it) and the verdict at the interval's end,
 * through the staged controller (src/config/staged-controller.ts), on the counts the colos'
 * traffic reports added up per config version (staged-store.ts). Each decision is written
 * to KV for isolates (staged-kv.ts): the next stage's colos, the promotion (the `config`
 * pointer moves to the candidate), or the end (the pointer to the candidate taken out).
 *
 * Safe to run twice (alarms are delivered at least once): an interval or look that is not
 * due changes nothing; a KV write that failed is written again at the next alarm.
 */
import type { RolloutState } from "../rollout/types.ts";
import { coloChoice, firstColos } from "../config/staged.ts";
import {
  historyOf,
  recordOf,
  stagedCommand,
  stagedCounts,
  stagedDue,
  stagedEnded,
  stagedEndsAt,
  stagedId,
  stagedOnInterval,
  stagedOnReport,
  stagedSuperseded,
  startStaged,
} from "../config/staged-controller.ts";
import type { StagedChange, StagedHistoryEntry, StartStaged } from "../config/staged-controller.ts";
import type { ConfigEnvelope } from "../config/store.ts";
import { errorMessage, log } from "../observe/log.ts";
import type { Figures } from "../rollout/types.ts";
import type { TrafficReport } from "./ejection-store.ts";
import { LOOK_EVERY_MS } from "./rollout-runner.ts";
import { inForceEnvelope, writeCandidate, writeEnded, writePromoted, writeStage } from "./staged-kv.ts";
import { StagedStore } from "./staged-store.ts";
import { nextConfigVersion } from "./counters.ts";
import { wakeBy } from "./alarm-at.ts";

/** A KV write that failed is tried again this soon. */
export const STAGED_RETRY_MS = 5_000;

/** What POST /_edgeway/config?staged=true hands the object: a validated document and how to stage it. */
export interface StagedStart {
  readonly document: unknown;
  readonly actor: string | undefined;
  readonly reason: string | undefined;
  readonly changes: { readonly added: number; readonly removed: number; readonly changed: number };
  readonly stages: readonly number[];
  readonly intervalSeconds: number;
  /** The first stage's colos; empty: the object picks the busiest that reported lately. */
  readonly colos: readonly string[];
  readonly analysis?: StartStaged["analysis"];
}

/** A staged change as GET /_edgeway/config/staged shows it. */
export interface StagedStatusView {
  readonly version: number;
  readonly from: number;
  readonly state: RolloutState;
  readonly stage: number;
  readonly stages: readonly number[];
  /** Colos the candidate is in force in now: the first stage's, and of the colos heard from, those the stage's share takes in. */
  readonly colos: readonly string[];
  /** Percent of colos (by hash) in force besides the first stage's. */
  readonly share: number;
  readonly intervalSeconds: number;
  readonly reason: string | null;
  readonly startedAt: number;
  readonly nextVerdictAt: number | null;
  readonly history: readonly StagedHistoryEntry[];
}

export type StagedOutcome =
  | { readonly ok: true; readonly staged: StagedStatusView }
  | { readonly ok: false; readonly status: 400 | 404 | 409 | 503; readonly code: string; readonly message: string };

const refuse = (status: 400 | 404 | 409 | 503, code: string, message: string): StagedOutcome => ({ ok: false, status, code, message });

/** When a change in progress next wants the alarm: its interval's end, or its next look. */
function dueAt(change: StagedChange): number {
  const r = change.rollout;
  return Math.min(stagedEndsAt(change), Math.max(r.intervalStartedAt, r.lookedAt ?? 0) + LOOK_EVERY_MS);
}

export class StagedChanges {
  readonly #store: StagedStore;
  /** Versions whose KV state is behind the stored change (a write failed): written again at the next alarm. */
  readonly #unwritten = new Set<number>();
  /** One start or command at a time (they await KV). */
  #busy = false;

  constructor(sql: SqlStorage) {
    this.#store = new StagedStore(sql);
  }

  record(report: TrafficReport): void {
    this.#store.record(report, Date.now());
  }

  /** The change in flight, for refusing a plain push while it runs. */
  inFlight(): { version: number; from: number; state: string } | undefined {
    const c = this.#store.inFlight();
    return c === undefined ? undefined : { version: c.version, from: c.from, state: c.rollout.state };
  }

  /** The change in flight, else the newest that ended. */
  status(): StagedOutcome {
    const change = this.#store.inFlight() ?? this.#store.all()[0];
    if (change === undefined) return refuse(404, "no_staged_change", "no staged config change has been made");
    return { ok: true, staged: this.#view(change) };
  }

  nextDue(now: number): number | undefined {
    const change = this.#store.inFlight();
    if (this.#unwritten.size > 0) return now + STAGED_RETRY_MS;
    return change?.rollout.state === "progressing" ? dueAt(change) : undefined;
  }

  /** Stores the candidate and puts it in force in the first stage's colos. */
  async start(kv: KVNamespace, start: StagedStart, version: (atLeast: number) => number, now: number): Promise<StagedOutcome> {
    if (this.#busy) return refuse(409, "staged_change_in_progress", "another staged change is being started");
    const running = this.#store.inFlight();
    if (running !== undefined)
      return refuse(
        409,
        "staged_change_in_progress",
        `staged change of version ${running.version} is ${running.rollout.state}: promote or abort it first`,
      );
    const colos = start.colos.length > 0 ? [...start.colos] : firstColos(this.#store.recentTraffic(now), start.stages[0] ?? 1);
    if (colos.length === 0)
      return refuse(
        409,
        "no_colo_traffic",
        "colos: no colo has reported traffic lately to start with; name the first stage's colos (colos=FRA)",
      );
    this.#busy = true;
    try {
      const inForce = await inForceEnvelope(kv);
      if (inForce === undefined) return refuse(409, "no_config", "no config is stored yet: PUT one to /_edgeway/config first");
      const envelope: ConfigEnvelope = {
        version: version(inForce.version),
        updatedAt: new Date(now).toISOString(),
        document: start.document,
        ...(start.actor === undefined ? {} : { actor: start.actor }),
        reason: `staged${start.reason === undefined ? "" : `: ${start.reason}`}`,
        changes: start.changes,
      };
      const change = startStaged(
        {
          version: envelope.version,
          from: inForce.version,
          stages: start.stages,
          intervalSeconds: start.intervalSeconds,
          colos,
          analysis: start.analysis,
        },
        now,
      );
      await writeCandidate(kv, envelope);
      await writeStage(kv, recordOf(change), true);
      this.#store.save(change);
      log("info", "staged_started", {
        staged: stagedId(change.version),
        version: change.version,
        from: change.from,
        colos,
        stages: start.stages,
      });
      return { ok: true, staged: this.#view(change) };
    } catch (error) {
      return refuse(503, "kv_unavailable", `could not store the staged change: ${errorMessage(error)}`);
    } finally {
      this.#busy = false;
    }
  }

  /** promote or abort the change in flight. */
  async command(kv: KVNamespace, command: "promote" | "abort", now: number): Promise<StagedOutcome> {
    const change = this.#store.inFlight();
    if (change === undefined) {
      const last = this.#store.all()[0];
      if (last === undefined) return refuse(404, "no_staged_change", "no staged config change has been made");
      return refuse(409, "staged_change_ended", `staged change of version ${last.version} has ended (${last.rollout.state})`);
    }
    const next = stagedCommand(change, command, now);
    if ("error" in next) return refuse(409, "staged_change_ended", next.error);
    const saved = await this.#settle(kv, change, next, now);
    return { ok: true, staged: this.#view(saved) };
  }

  /** The alarm's part: end a change whose old version was replaced, look at or judge the interval, write what failed. */
  async tick(kv: KVNamespace, now: number): Promise<void> {
    try {
      for (const version of [...this.#unwritten]) {
        const change = this.#store.get(version);
        this.#unwritten.delete(version);
        if (change !== undefined) await this.#write(kv, change, change, now);
      }
      const change = this.#store.inFlight();
      if (change === undefined) return;
      const inForce = await inForceEnvelope(kv);
      if (inForce !== undefined && inForce.version !== change.from) {
        const why = `config version ${inForce.version} was stored while the change was staged`;
        await this.#settle(kv, change, stagedSuperseded(change, why, now), now);
        return;
      }
      if (change.rollout.state !== "progressing" || dueAt(change) > now) return;
      const counts = stagedCounts(
        this.#store.counts(change.version),
        this.#store.baselines.all(),
        change.rollout.spec.analysis.minRequests,
      );
      const ended = stagedDue(change, now);
      const next = ended ? stagedOnInterval(change, counts, now) : stagedOnReport(change, counts, now);
      if (ended) this.#store.clearCounts(change.version);
      await this.#settle(kv, change, next, now);
    } catch (error) {
      log("error", "staged_tick_failed", { message: errorMessage(error) });
    }
  }

  /** Stores a decision, logs it and writes what isolates must see. */
  async #settle(kv: KVNamespace, before: StagedChange, next: StagedChange, now: number): Promise<StagedChange> {
    if (next === before) return before;
    this.#store.save(next);
    for (const entry of historyOf(next).slice(before.rollout.history.length)) logEntry(next, entry);
    await this.#write(kv, before, next, now);
    return next;
  }

  /** What isolates read, after a decision: the next stage, the promotion, or the end. */
  async #write(kv: KVNamespace, before: StagedChange, next: StagedChange, now: number): Promise<void> {
    const record = recordOf(next);
    const r = next.rollout;
    const id = stagedId(next.version);
    try {
      if (r.state === "promoted") {
        await writePromoted(kv, record, `staged change ${next.version} promoted`);
        if (before.rollout.state !== "promoted")
          log("info", "staged_promoted", { staged: id, version: next.version, from: next.from, reason: r.reason });
      } else if (stagedEnded(next)) {
        const why = `staged change ${next.version} ${r.state === "aborted" ? "aborted" : "rolled back"}`;
        await writeEnded(kv, record, `${why}${r.reason === undefined ? "" : ` (${r.reason})`}`);
        if (!stagedEnded(before)) {
          const last = r.history.at(-1);
          log("warn", "staged_rolled_back", {
            staged: id,
            version: next.version,
            from: next.from,
            state: r.state,
            stage: last?.step,
            reason: r.reason,
            failed: last?.figures?.failed,
            colo: last?.colo,
            figures: last?.figures,
          });
        }
      } else if (r.step !== before.rollout.step || before === next) {
        await writeStage(kv, record, false);
      }
    } catch (error) {
      this.#unwritten.add(next.version);
      log("error", "staged_write_failed", { staged: id, state: r.state, message: errorMessage(error), at: now });
    }
  }

  #view(change: StagedChange): StagedStatusView {
    const record = recordOf(change);
    const r = change.rollout;
    const known = [...this.#store.recentTraffic(Date.now()).keys()];
    return {
      version: change.version,
      from: change.from,
      state: r.state,
      stage: r.step,
      stages: r.spec.steps,
      colos: stagedEnded(change) && r.state !== "promoted" ? [] : coloChoice(record, known),
      share: record.share,
      intervalSeconds: r.spec.intervalSeconds,
      reason: r.reason ?? null,
      startedAt: r.spec.createdAt,
      nextVerdictAt: r.state === "progressing" ? stagedEndsAt(change) : null,
      history: historyOf(change),
    };
  }
}

/** `staged_step`: one interval's verdict and decision (or a command), with the figures and the colo that failed. */
function logEntry(change: StagedChange, entry: StagedHistoryEntry): void {
  const figures: Figures | undefined = entry.figures;
  log(entry.verdict === "fail" ? "warn" : "info", "staged_step", {
    staged: stagedId(change.version),
    version: change.version,
    stage: entry.stage,
    verdict: entry.verdict,
    decision: entry.decision,
    nextStage: change.rollout.step,
    failed: figures?.failed,
    colo: entry.colo,
    figures,
  });
}

/** A call of the admin API on the object's staged changes. */
export type StagedCall =
  | { readonly op: "start"; readonly start: StagedStart }
  | { readonly op: "promote" | "abort" }
  | { readonly op: "status" }
  | { readonly op: "in_flight" };

/** The answer to a call: the outcome, or for `in_flight` the change in flight (if any). */
export type StagedAnswer = StagedOutcome | { readonly inFlight: { version: number; from: number; state: string } | undefined };

/** Runs one admin call (config versions from the object's counter), then wakes the alarm for the change's next look. */
export async function stagedCall(
  staged: StagedChanges,
  call: StagedCall,
  kv: KVNamespace,
  storage: DurableObjectStorage,
): Promise<StagedAnswer> {
  const answer = await answerOf(staged, call, kv, (atLeast) => nextConfigVersion(storage.sql, atLeast));
  await wakeBy(storage, staged.nextDue(Date.now()));
  return answer;
}

function answerOf(
  staged: StagedChanges,
  call: StagedCall,
  kv: KVNamespace,
  version: (atLeast: number) => number,
): Promise<StagedAnswer> | StagedAnswer {
  const now = Date.now();
  switch (call.op) {
    case "start":
      return staged.start(kv, call.start, version, now);
    case "promote":
    case "abort":
      return staged.command(kv, call.op, now);
    case "status":
      return staged.status();
    case "in_flight":
      return { inFlight: staged.inFlight() };
  }
}

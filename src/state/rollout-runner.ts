/**
 * The Durable Object's side of rollouts (docs/rollouts.md): starting one (at most one per
 * route), the commands (promote, pause, resume, abort), the alarm's work — a look at the
 * interval's counts so far every LOOK_EVERY_MS (a failing target rolls back at the first
 * look that shows it) and the verdict when the interval ends, each from the counts the
 * colos' traffic reports added up (rollout-store.ts), through the controller
 * (src/rollout/controller.ts), with the pre-step webhook before each step — a config push
 * that changes a rollout's route pausing it, and a promotion written as a config version
 * (rollout-promotion.ts). What isolates steer by goes out with every health snapshot
 * (`snapshotPart`), so a rollback reaches every colo within one snapshot refresh.
 *
 * Every step is safe to run twice (alarms are delivered at least once): an interval or a
 * look that is not due does nothing, and a promotion already written is found, not written
 * again.
 */
import type { CompiledConfig } from "../config/compile.ts";
import { effectiveConfig } from "../discovery/effective-config.ts";
import type { HealthSnapshot, SnapshotRollout } from "../health/snapshot.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { errorMessage, log } from "../observe/log.ts";
import {
  activeOf,
  intervalDue,
  intervalEndsAt,
  markPromoted,
  onCommand,
  onConfigChanged,
  onInterval,
  onReport,
  onWebhookRefused,
  startRollout,
} from "../rollout/controller.ts";
import type { HistoryEntry, RolloutSpec, RolloutStatus } from "../rollout/types.ts";
import { PROMOTION_ACTOR, writePromotion } from "./rollout-promotion.ts";
import { isEnded, RolloutStore } from "./rollout-store.ts";
import type { HeldRollout, Sides, VerdictCount } from "./rollout-store.ts";
import { callWebhook, payloadOf } from "./rollout-webhook.ts";
import { REPORT_INTERVAL_MS } from "./traffic-report.ts";
import type { TrafficReport } from "./ejection-store.ts";
import type { AuditEntry } from "./audit-store.ts";

/** How often the counts of an interval in progress are looked at: as often as colos report. */
export const LOOK_EVERY_MS = REPORT_INTERVAL_MS;
/** How long a promoted rollout keeps steering (at 100 %) colos whose config predates its promotion: KV may be a minute stale. */
export const PROMOTED_LINGER_MS = 10 * 60_000;
/** A promotion that could not be written is tried again this soon. */
export const PROMOTION_RETRY_MS = 5_000;

export type RolloutCommand = "promote" | "pause" | "resume" | "abort";

/** A refusal: the HTTP status and code the admin API answers with, and why. */
export interface RolloutRefusal {
  readonly ok: false;
  readonly status: 400 | 404 | 409;
  readonly code: string;
  readonly message: string;
}

export type RolloutOutcome = { readonly ok: true; readonly rollout: RolloutStatus } | RolloutRefusal;

/** What the admin API asks of the object: start a rollout, or run a command on one. */
export type RolloutRequestCall =
  | { readonly op: "start"; readonly spec: RolloutSpec }
  | { readonly op: "command"; readonly id: string; readonly command: RolloutCommand };

/** Every kept rollout (newest first) and the verdicts counted so far. */
export interface RolloutListing {
  readonly rollouts: RolloutStatus[];
  readonly verdicts: VerdictCount[];
}

const refuse = (status: RolloutRefusal["status"], code: string, message: string): RolloutRefusal => ({ ok: false, status, code, message });

/** The origins of the target pool and of the route's other pools, in the config with registered and discovered origins. */
function sidesOf(config: CompiledConfig, routeId: string, to: string): Sides {
  const target = config.pools.get(to)?.origins.map((o) => o.id) ?? [];
  const route = config.routes.find((r) => r.id === routeId);
  const stable = (route?.pools ?? []).filter((p) => p.id !== to).flatMap((p) => p.origins.map((o) => o.id));
  return { target, stable: [...new Set(stable)] };
}

/** The route as the document has it (schema defaults filled in, so key order and defaults cannot differ). */
function fingerprintOf(config: CompiledConfig, routeId: string): string {
  return JSON.stringify(config.config.routes.find((r) => r.id === routeId) ?? null);
}

/** How the config no longer suits a rollout — its route or pool gone, or the route changed — if it does not. */
function configProblem(config: CompiledConfig, held: HeldRollout): { readonly gone: boolean; readonly message: string } | undefined {
  const { route, to } = held.status;
  const where = `config version ${config.version}`;
  if (!config.routes.some((r) => r.id === route)) return { gone: true, message: `${where} removed route "${route}"` };
  if (!config.pools.has(to)) return { gone: true, message: `${where} removed pool "${to}"` };
  if (fingerprintOf(config, route) !== held.fingerprint) return { gone: false, message: `${where} changed route "${route}"` };
  return undefined;
}

/** What isolates steer by for one rollout (a promoted one at 100 % until its config version is in force), if anything. */
function steeringOf(status: RolloutStatus): SnapshotRollout | undefined {
  if (status.state === "promoted") {
    const entry = { id: status.id, route: status.route, to: status.to, weight: 100 };
    return status.promotedVersion === undefined ? entry : { ...entry, retiredBy: status.promotedVersion };
  }
  const active = activeOf(status);
  if (active === undefined) return undefined;
  const { id, route, to, weight, abTest } = active;
  return { id, route, to, weight, ...(abTest === undefined ? {} : { abTest }) };
}

/** When a rollout in progress next wants the alarm: its interval's end, or its next look if that comes first. */
function dueAt(status: RolloutStatus): number {
  return Math.min(intervalEndsAt(status), Math.max(status.intervalStartedAt, status.lookedAt ?? 0) + LOOK_EVERY_MS);
}

export class Rollouts {
  readonly #store: RolloutStore;
  readonly #sql: SqlStorage;
  readonly #snapshot: () => HealthSnapshot;
  readonly #audit: (entry: AuditEntry) => void;
  /** Rollouts whose promotion is being written now. */
  readonly #promoting = new Set<string>();

  /** `snapshot` is the object's own (for the config with registered and discovered origins); `audit` records a promotion's config version. */
  constructor(sql: SqlStorage, snapshot: () => HealthSnapshot, audit: (entry: AuditEntry) => void) {
    this.#sql = sql;
    this.#store = new RolloutStore(sql);
    this.#snapshot = snapshot;
    this.#audit = audit;
  }

  /** The rollouts isolates steer by, for the health snapshot. */
  snapshotPart(now: number): { rollouts: SnapshotRollout[]; rolloutsVersion: number } {
    const rollouts: SnapshotRollout[] = [];
    for (const held of this.#store.all()) {
      const entry = steeringOf(held.status);
      const retired = entry?.retiredBy !== undefined && now - (held.endedAt ?? now) > PROMOTED_LINGER_MS;
      if (entry !== undefined && !retired) rollouts.push(entry);
    }
    return { rollouts, rolloutsVersion: this.#store.version };
  }

  /** Adds a colo's traffic report to the intervals in progress. */
  record(report: TrafficReport): void {
    this.#store.record(report);
  }

  list(): RolloutListing {
    return { rollouts: this.#store.all().map((h) => h.status), verdicts: this.#store.verdicts() };
  }

  /** When the alarm must next run for rollouts: the earliest look or interval's end, or a promotion to write again. */
  nextDue(now: number): number | undefined {
    let next: number | undefined;
    for (const { status } of this.#store.all()) {
      const due =
        status.state === "progressing"
          ? dueAt(status)
          : status.state === "promoted" && status.promotedVersion === undefined
            ? now + PROMOTION_RETRY_MS
            : undefined;
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  /** A call of the admin API. */
  call(call: RolloutRequestCall, env: Env, now: number): Promise<RolloutOutcome> {
    return call.op === "start" ? this.#start(call.spec, env, now) : this.#command(call.id, call.command, env, now);
  }

  /** The alarm's part: pause rollouts whose route the config changed, look at or judge intervals, write pending promotions. */
  async tick(env: Env, now: number): Promise<void> {
    try {
      this.configChanged(now);
      this.#refreshSides();
      for (const held of this.#store.progressing()) if (dueAt(held.status) <= now) await this.#judge(held, env, now);
      for (const held of this.#store.all())
        if (held.status.state === "promoted" && held.status.promotedVersion === undefined) await this.#promote(held, env, now);
    } catch (error) {
      log("error", "rollout_tick_failed", { message: errorMessage(error) });
    }
  }

  /** A config was stored: rollouts in progress whose route it changed (or whose route or pool it removed) pause, saying why. */
  configChanged(now: number): void {
    const config = isolate.config.current?.compiled;
    if (config === undefined) return;
    for (const held of this.#store.progressing()) {
      const problem = configProblem(config, held);
      if (problem === undefined) continue;
      const next = onConfigChanged(held.status, problem.message, now);
      this.#save(held, next);
      log("warn", "rollout_paused", { rollout: next.id, route: next.route, target: next.to, weight: next.weight, reason: next.reason });
    }
  }

  /** Origins that joined or left the pools (registrations, DNS, a config push) join or leave the sides of rollouts in progress. */
  #refreshSides(): void {
    const progressing = this.#store.progressing();
    const base = isolate.config.current?.compiled;
    if (progressing.length === 0 || base === undefined) return;
    const config = effectiveConfig(base, this.#snapshot());
    for (const held of progressing) {
      const sides = sidesOf(config, held.status.route, held.status.to);
      if (JSON.stringify(sides) !== JSON.stringify(held.sides)) this.#store.save({ ...held, sides }, false);
    }
  }

  /** Starts a rollout: 404 for an unknown route, 400 for an unknown pool, 409 when the route has one already. */
  async #start(spec: RolloutSpec, env: Env, now: number): Promise<RolloutOutcome> {
    const config = await this.#effective(env);
    if (config === undefined) return refuse(409, "no_config", "no config is stored yet: PUT one to /_edgeway/config");
    const route = config.routes.find((r) => r.id === spec.route);
    if (route === undefined) return refuse(404, "unknown_route", `route: no route "${spec.route}" in config version ${config.version}`);
    if (!config.pools.has(spec.to)) return refuse(400, "unknown_pool", `to: no pool "${spec.to}" in config version ${config.version}`);
    if (route.pools.length === 0) return refuse(400, "invalid_request", `route: route "${spec.route}" answers itself: it sends no traffic`);
    if (route.pools.length === 1 && route.pools[0]?.id === spec.to)
      return refuse(400, "invalid_request", `to: route "${spec.route}" already sends all its traffic to pool "${spec.to}"`);
    const holding = this.#store.holding(spec.route);
    if (holding !== undefined)
      return refuse(409, "rollout_in_progress", `route: route "${spec.route}" has rollout ${holding.status.id} (${holding.status.state})`);
    let status = startRollout(spec, now);
    // The first step is asked for too: a refusal holds it for an interval.
    const refusal = await this.#preStep(status, env);
    if (refusal !== undefined) status = onWebhookRefused(status, refusal, now);
    // Another start may have come in while the webhook answered.
    const raced = this.#store.holding(spec.route);
    if (raced !== undefined)
      return refuse(409, "rollout_in_progress", `route: route "${spec.route}" has rollout ${raced.status.id} (${raced.status.state})`);
    const held: HeldRollout = {
      status,
      sides: sidesOf(config, spec.route, spec.to),
      fingerprint: fingerprintOf(config, spec.route),
      endedAt: undefined,
    };
    this.#store.save(held, true);
    log("info", "rollout_started", {
      rollout: status.id,
      route: status.route,
      target: status.to,
      weight: status.weight,
      steps: spec.steps,
    });
    return { ok: true, rollout: status };
  }

  /** A command; an ended rollout refuses every command (409), and resume needs the route and pool still there. */
  async #command(id: string, command: RolloutCommand, env: Env, now: number): Promise<RolloutOutcome> {
    // Resuming takes the route as the config has it now (read before the rollout, which may change meanwhile).
    const config = command === "resume" ? await this.#effective(env) : undefined;
    const held = this.#store.get(id);
    if (held === undefined) return refuse(404, "unknown_rollout", `no rollout "${id}"`);
    let base = held;
    if (command === "resume" && held.status.state === "paused") {
      const problem = config === undefined ? { gone: true, message: "no config is stored" } : configProblem(config, held);
      if (config === undefined || problem?.gone === true)
        return refuse(409, "config_changed", `rollout ${id} cannot resume: ${problem?.message ?? "no config is stored"}`);
      base = { ...held, sides: sidesOf(config, held.status.route, held.status.to), fingerprint: fingerprintOf(config, held.status.route) };
    }
    const next = onCommand(held.status, command, now);
    if ("error" in next) return refuse(409, isEnded(held.status) ? "rollout_ended" : "invalid_command", next.error);
    const saved = await this.#settle(base, next, env, now, "manual");
    return { ok: true, rollout: saved.status };
  }

  /** A look at the interval so far, or its verdict once it has ended; the pre-step webhook when the verdict advances. */
  async #judge(held: HeldRollout, env: Env, now: number): Promise<void> {
    const before = held.status;
    const ended = intervalDue(before, now);
    let next = ended
      ? onInterval(before, this.#store.takeCounts(before.id), now)
      : onReport(before, this.#store.peekCounts(before.id), now);
    if (next.state === "progressing" && next.step > before.step) {
      const refusal = await this.#preStep(next, env);
      // A command that came in while the webhook answered wins: this verdict is dropped.
      if (this.#store.get(before.id)?.status !== before) return;
      if (refusal !== undefined) next = onWebhookRefused(next, refusal, now);
    }
    await this.#settle(held, next, env, now, "analysis");
  }

  /** Asks the pre-step webhook, if any, about `next`'s step; why it refused, or undefined. */
  async #preStep(next: RolloutStatus, env: Env): Promise<string | undefined> {
    const hooks = next.spec.webhooks;
    if (hooks?.preStep === undefined) return undefined;
    const refusal = await callWebhook(hooks.preStep, payloadOf("pre-step", next, next.weight), hooks.timeoutMs, allowLoopback(env));
    if (refusal !== undefined)
      log("warn", "rollout_webhook_refused", { rollout: next.id, route: next.route, step: next.step, detail: refusal });
    return refusal;
  }

  /** Stores a decision and does what follows from it: logs, verdict counts, the rollback webhook, the promotion's config. */
  async #settle(held: HeldRollout, next: RolloutStatus, env: Env, now: number, by: "analysis" | "manual"): Promise<HeldRollout> {
    const before = held.status;
    const added = next.history.slice(before.history.length);
    this.#store.countVerdicts(next, added);
    const saved = this.#save(held, next);
    for (const entry of added) logStep(next, entry);
    if ((next.state === "rolled_back" || next.state === "aborted") && before.state !== next.state) {
      const last = added.at(-1);
      log("warn", "rollout_rolled_back", {
        rollout: next.id,
        route: next.route,
        target: next.to,
        state: next.state,
        by,
        reason: next.reason,
        failed: last?.figures?.failed,
        colo: last?.colo,
        figures: last?.figures,
      });
      const hooks = next.spec.webhooks;
      if (hooks?.rollback !== undefined) {
        const refusal = await callWebhook(hooks.rollback, payloadOf("rollback", next, before.weight), hooks.timeoutMs, allowLoopback(env));
        if (refusal !== undefined) log("warn", "rollout_webhook_failed", { rollout: next.id, webhook: "rollback", detail: refusal });
      }
    }
    if (next.state === "promoted" && before.state !== "promoted") return this.#promote(saved, env, now);
    return saved;
  }

  /** Writes a promoted rollout's config version; on failure the rollout keeps steering at 100 % and the alarm tries again. */
  async #promote(held: HeldRollout, env: Env, now: number): Promise<HeldRollout> {
    // One write at a time per rollout: the alarm's retry and a promote command may meet.
    if (this.#promoting.has(held.status.id)) return held;
    this.#promoting.add(held.status.id);
    let outcome: Awaited<ReturnType<typeof writePromotion>>;
    try {
      outcome = await writePromotion(env, this.#sql, held.status);
    } finally {
      this.#promoting.delete(held.status.id);
    }
    if ("error" in outcome) {
      log("error", "rollout_promotion_failed", { rollout: held.status.id, route: held.status.route, message: outcome.error });
      return held;
    }
    const saved: HeldRollout = { ...held, status: markPromoted(held.status, outcome.version), endedAt: now };
    this.#store.save(saved, true);
    if (outcome.written)
      this.#audit({
        at: now,
        actor: PROMOTION_ACTOR,
        // Not an admin call: the object wrote it (after the last passing interval, or a promote command).
        method: "ALARM",
        path: `/_edgeway/rollouts/${held.status.id}`,
        status: 200,
        summary: `config version ${outcome.version} stored: rollout ${held.status.id} promoted (route ${held.status.route} → pool ${held.status.to})`,
      });
    log("info", "rollout_promoted", {
      rollout: held.status.id,
      route: held.status.route,
      target: held.status.to,
      version: outcome.version,
      written: outcome.written,
      reason: held.status.reason,
    });
    return saved;
  }

  /** Saves `next` over `held`, moving the snapshot's version when what isolates steer by changed. */
  #save(held: HeldRollout, next: RolloutStatus): HeldRollout {
    const endedAt = isEnded(next) && !isEnded(held.status) ? Date.now() : held.endedAt;
    const updated: HeldRollout = { ...held, status: next, endedAt };
    this.#store.save(updated, JSON.stringify(steeringOf(held.status) ?? null) !== JSON.stringify(steeringOf(next) ?? null));
    return updated;
  }

  /** The config in force (read from KV when stale) with registered and discovered origins, as the object's snapshot has them. */
  async #effective(env: Env): Promise<CompiledConfig | undefined> {
    await isolate.config.refresh(env.CONFIG, Date.now(), reportConfigProblem);
    const base = isolate.config.current?.compiled;
    return base === undefined ? undefined : effectiveConfig(base, this.#snapshot());
  }
}

const allowLoopback = (env: Env): boolean => env.EDGEWAY_ALLOW_LOOPBACK_REGISTRATION === "true";

/** `rollout_step`: one interval's verdict and decision (or a command), with its figures and the colo that failed it. */
function logStep(status: RolloutStatus, entry: HistoryEntry): void {
  log(entry.verdict === "fail" ? "warn" : "info", "rollout_step", {
    rollout: status.id,
    route: status.route,
    target: status.to,
    step: entry.step,
    weight: entry.weight,
    verdict: entry.verdict,
    decision: entry.decision,
    nextWeight: status.weight,
    failed: entry.figures?.failed,
    colo: entry.colo,
    figures: entry.figures,
  });
}

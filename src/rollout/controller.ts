/**
 * A rollout's decisions, as pure functions from a status (and counts, a command, the time)
 * to the next status: the shell (the Durable Object) keeps the status, calls these on its
 * alarm and on the admin API's commands, and steers with `activeOf`.
 *
 * Each interval is judged once at its end (`onInterval`, with half of the verdict's error
 * budget α = 1 − confidence) and may be looked at before it ends for a failure only
 * (`onReport`, on each round of traffic reports, with the other half, spent in proportion
 * to the time since the last look): a target failing 5 % of its requests is rolled back at
 * the first report that shows it, not a minute later, and a good target still fails an
 * interval with probability at most α in all (the union bound over the looks).
 *
 * Decisions: fail → roll back at once (weight 0); pass → advance to the next step, or
 * promote after the last (100 %); inconclusive → wait, up to maxInconclusiveIntervals, then
 * hold (pause) or roll back as the spec says. Every decision appends to the history, with the
 * figures and the colo that decided it. Ended rollouts (promoted, rolled back, aborted)
 * change no more. A duplicate or early alarm is harmless: `onInterval` before the interval
 * is due returns the status unchanged.
 */
import { analyse } from "./analysis.ts";
import type { ActiveRollout, HistoryEntry, IntervalCounts, RolloutSpec, RolloutStatus } from "./types.ts";

/** The share of α the end-of-interval verdict spends; the looks inside the interval share the rest. */
export const FINAL_LOOK_SHARE = 0.5;
/** History entries kept (the oldest go first); an interval adds at most one. */
export const HISTORY_LIMIT = 200;

type Command = "promote" | "pause" | "resume" | "abort";

const ENDED = new Set<RolloutStatus["state"]>(["promoted", "rolled_back", "aborted"]);

/** Whether the rollout has ended (it takes no more commands or intervals). */
export function hasEnded(status: RolloutStatus): boolean {
  return ENDED.has(status.state);
}

function withEntry(status: RolloutStatus, entry: HistoryEntry): readonly HistoryEntry[] {
  const history = [...status.history, entry];
  return history.length > HISTORY_LIMIT ? history.slice(history.length - HISTORY_LIMIT) : history;
}

/** The status of a fresh interval at `now` (the look clock and the inconclusive count reset). */
function freshInterval(now: number): Pick<RolloutStatus, "intervalStartedAt" | "lookedAt" | "inconclusive"> {
  return { intervalStartedAt: now, lookedAt: undefined, inconclusive: 0 };
}

/** A new rollout at its first step (or its A/B stage). */
export function startRollout(spec: RolloutSpec, now: number): RolloutStatus {
  const ab = spec.abTest !== undefined;
  return {
    id: spec.id,
    route: spec.route,
    to: spec.to,
    state: "progressing",
    weight: ab ? 0 : (spec.steps[0] ?? 100),
    step: ab ? -1 : 0,
    history: [],
    reason: undefined,
    intervalStartedAt: now,
    inconclusive: 0,
    spec,
    lookedAt: undefined,
    passes: 0,
    promotedVersion: undefined,
  };
}

/** Whether the running interval has ended and wants its verdict. */
export function intervalDue(status: RolloutStatus, now: number): boolean {
  return status.state === "progressing" && now >= intervalEndsAt(status);
}

/** When the running interval ends (ms); the shell's alarm wants to fire then. */
export function intervalEndsAt(status: RolloutStatus): number {
  return status.intervalStartedAt + status.spec.intervalSeconds * 1_000;
}

function rolledBack(status: RolloutStatus, entry: HistoryEntry, reason: string): RolloutStatus {
  return { ...status, state: "rolled_back", weight: 0, reason, history: withEntry(status, entry), lookedAt: undefined };
}

function failReason(colo: string | undefined, failed: string | undefined): string {
  return `${colo === undefined ? "" : `${colo}: `}${failed ?? "the analysis failed"}`;
}

/** The verdict of the interval that just ended, and what follows from it. */
export function onInterval(status: RolloutStatus, counts: IntervalCounts, now: number): RolloutStatus {
  if (!intervalDue(status, now)) return status;
  const { spec } = status;
  const alpha = FINAL_LOOK_SHARE * (1 - spec.analysis.confidence);
  const result = analyse(counts, spec.analysis, alpha);
  const entry = (decision: HistoryEntry["decision"]): HistoryEntry => ({
    at: now,
    step: status.step,
    weight: status.weight,
    verdict: result.verdict,
    decision,
    figures: result.figures,
    ...(result.colo === undefined ? {} : { colo: result.colo }),
  });

  if (result.verdict === "fail") return rolledBack(status, entry("rollback"), failReason(result.colo, result.figures.failed));

  if (result.verdict === "inconclusive") {
    const inconclusive = status.inconclusive + 1;
    const limit = spec.analysis.maxInconclusiveIntervals;
    const lacking = `too little traffic to judge: ${inconclusive} interval${inconclusive === 1 ? "" : "s"} without ${spec.analysis.minRequests} target requests in any colo`;
    if (inconclusive < limit) {
      return { ...status, ...freshInterval(now), inconclusive, history: withEntry(status, entry("hold")) };
    }
    if (spec.analysis.onInconclusive === "rollback") return rolledBack(status, entry("rollback"), lacking);
    return { ...status, ...freshInterval(now), state: "paused", inconclusive, reason: lacking, history: withEntry(status, entry("hold")) };
  }

  // A pass.
  if (status.step === -1) {
    const passes = (status.passes ?? 0) + 1;
    if (passes < (spec.abTest?.intervals ?? 1)) {
      return { ...status, ...freshInterval(now), passes, reason: undefined, history: withEntry(status, entry("hold")) };
    }
  }
  const last = spec.steps.length - 1;
  if (status.step >= last) {
    return {
      ...status,
      ...freshInterval(now),
      state: "promoted",
      weight: 100,
      reason: "passed every step",
      history: withEntry(status, entry("promote")),
    };
  }
  const step = status.step + 1;
  return {
    ...status,
    ...freshInterval(now),
    step,
    weight: spec.steps[step] ?? 100,
    passes: 0,
    reason: undefined,
    history: withEntry(status, entry("advance")),
  };
}

/**
 * A look at the running interval's counts so far, as the traffic reports come in: a
 * failure rolls back at once; anything else waits for the interval's end. Once the interval
 * is due this is `onInterval`. Calling it on every report round (every 10 s) is what it is
 * for; calling it more often only makes each look stricter.
 */
export function onReport(status: RolloutStatus, counts: IntervalCounts, now: number): RolloutStatus {
  if (status.state !== "progressing") return status;
  if (intervalDue(status, now)) return onInterval(status, counts, now);
  const intervalMs = status.spec.intervalSeconds * 1_000;
  const since = Math.max(status.intervalStartedAt, status.lookedAt ?? status.intervalStartedAt);
  const earned = Math.max(0, Math.min(now, intervalEndsAt(status)) - since) / intervalMs;
  if (earned <= 0) return status;
  const alpha = (1 - FINAL_LOOK_SHARE) * (1 - status.spec.analysis.confidence) * earned;
  const result = analyse(counts, status.spec.analysis, alpha);
  if (result.verdict !== "fail") return { ...status, lookedAt: now };
  const entry: HistoryEntry = {
    at: now,
    step: status.step,
    weight: status.weight,
    verdict: "fail",
    decision: "rollback",
    figures: result.figures,
    ...(result.colo === undefined ? {} : { colo: result.colo }),
  };
  return rolledBack(status, entry, failReason(result.colo, result.figures.failed));
}

/** A person's command; an ended rollout refuses every command, and pause/resume refuse a rollout already so. */
export function onCommand(status: RolloutStatus, command: Command, now: number): RolloutStatus | { error: string } {
  if (hasEnded(status)) return { error: `rollout ${status.id} has ended (${status.state}); it takes no more commands` };
  const entry = (decision: HistoryEntry["decision"]): readonly HistoryEntry[] =>
    withEntry(status, { at: now, step: status.step, weight: status.weight, verdict: "manual", decision, figures: undefined });
  switch (command) {
    case "promote":
      return { ...status, state: "promoted", weight: 100, reason: "promoted by hand", lookedAt: undefined, history: entry("promote") };
    case "abort":
      return { ...status, state: "aborted", weight: 0, reason: "aborted by hand", lookedAt: undefined, history: entry("abort") };
    case "pause":
      if (status.state === "paused") return { error: `rollout ${status.id} is already paused` };
      return { ...status, state: "paused", reason: "paused by hand", history: entry("pause") };
    case "resume":
      if (status.state !== "paused") return { error: `rollout ${status.id} is not paused` };
      // A fresh interval: what the paused split saw is not judged (a config change may lie in it).
      return { ...status, ...freshInterval(now), state: "progressing", reason: undefined, history: entry("resume") };
  }
}

/** A config push changed the route under a running rollout: it pauses (keeping its split) and says why. */
export function onConfigChanged(status: RolloutStatus, reason: string, now: number): RolloutStatus {
  if (hasEnded(status)) return status;
  return {
    ...status,
    state: "paused",
    reason: `the route's config changed: ${reason}`,
    history: withEntry(status, {
      at: now,
      step: status.step,
      weight: status.weight,
      verdict: "config_changed",
      decision: "pause",
      figures: undefined,
    }),
  };
}

/**
 * The pre-step webhook refused the step `onInterval` just advanced to: the rollout goes back
 * to the step it was at (the last history entry's) and holds it for another interval; the
 * next pass asks the webhook again. Without an advance to undo (the first step, which the
 * shell asks for before `startRollout`), the current step is held.
 */
export function onWebhookRefused(status: RolloutStatus, detail: string, now: number): RolloutStatus {
  if (status.state !== "progressing") return status;
  const last = status.history[status.history.length - 1];
  const undo = last !== undefined && last.decision === "advance" && last.step !== status.step;
  const step = undo ? last.step : status.step;
  const weight = undo ? last.weight : status.weight;
  // Back in the A/B stage, one more pass ends it.
  const passes = undo && step === -1 ? Math.max(0, (status.spec.abTest?.intervals ?? 1) - 1) : (status.passes ?? 0);
  return {
    ...status,
    ...freshInterval(now),
    inconclusive: status.inconclusive,
    step,
    weight,
    passes,
    reason: `the pre-step webhook refused: ${detail}`,
    history: withEntry(status, { at: now, step, weight, verdict: "webhook_refused", decision: "hold", figures: undefined }),
  };
}

/** Records the config version a promotion wrote; from then the route's own config carries the target. */
export function markPromoted(status: RolloutStatus, version: number): RolloutStatus {
  return status.state === "promoted" ? { ...status, promotedVersion: version } : status;
}

/**
 * What isolates steer by: progressing and paused rollouts hold their split (a paused one keeps
 * its weight); a promoted one steers 100 % to the target until its config version is written;
 * rolled back and aborted ones steer nothing (weight 0).
 */
export function activeOf(status: RolloutStatus): ActiveRollout | undefined {
  const base = { id: status.id, route: status.route, to: status.to };
  if (status.state === "progressing" || status.state === "paused") {
    return { ...base, weight: status.weight, abTest: status.step === -1 ? status.spec.abTest : undefined };
  }
  if (status.state === "promoted" && status.promotedVersion === undefined) return { ...base, weight: 100, abTest: undefined };
  return undefined;
}

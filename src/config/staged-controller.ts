/**
 * The decisions of a staged config change, made by the rollout controller
 * (src/rollout/controller.ts) so that both judge alike: a stage is a rollout's step, the
 * candidate version is the target, the colos on the old version are the stable side. What
 * follows from a verdict is the rollout's rule: a pass advances to the next stage (or, at the
 * last, promotes), a fail rolls back at once (also at a look inside the interval), too little
 * traffic holds the stage and, after `maxInconclusiveIntervals`, pauses it for a person.
 *
 * Pure: the clock is passed in; the Durable Object (src/state/staged-runner.ts) keeps the
 * change and writes what isolates read (staged.ts StagedRecord).
 */
import { onCommand, onInterval, onReport, startRollout, intervalDue, intervalEndsAt } from "../rollout/controller.ts";
import { DEFAULT_ANALYSIS } from "../rollout/spec.ts";
import type { AnalysisSpec, Figures, IntervalCounts, RolloutStatus, SideCounts, Verdict } from "../rollout/types.ts";
import { shareOf } from "./staged.ts";
import type { StagedRecord, StagedState } from "./staged.ts";

/** A staged change as the Durable Object keeps it. */
export interface StagedChange {
  /** The candidate version. */
  readonly version: number;
  /** The version in force before it (and everywhere outside the stage's colos). */
  readonly from: number;
  /** The first stage's colos. */
  readonly colos: readonly string[];
  /** The controller's view: step = stage, target = the candidate. */
  readonly rollout: RolloutStatus;
}

/** One entry of a staged change's history, as GET /_edgeway/config/staged shows it. */
export interface StagedHistoryEntry {
  readonly at: number;
  readonly stage: number;
  readonly verdict: Verdict | "manual" | "config_changed" | "webhook_refused";
  readonly decision: string;
  readonly figures: Figures | undefined;
  readonly colo?: string | undefined;
}

export interface StartStaged {
  readonly version: number;
  readonly from: number;
  readonly stages: readonly number[];
  readonly intervalSeconds: number;
  readonly colos: readonly string[];
  /** Analysis knobs that differ from a rollout's defaults. */
  readonly analysis?: Partial<Pick<AnalysisSpec, "maxErrorRate" | "maxLatencyRatio" | "minRequests">> | undefined;
}

/** The id a staged change goes by in logs and audit. */
export const stagedId = (version: number): string => `staged-${version}`;

/** A new staged change at its first stage (its colos only). */
export function startStaged(start: StartStaged, now: number): StagedChange {
  const rollout = startRollout(
    {
      id: stagedId(start.version),
      route: "*",
      to: `v${start.version}`,
      steps: [...start.stages],
      intervalSeconds: start.intervalSeconds,
      analysis: { ...DEFAULT_ANALYSIS, ...definedOf(start.analysis ?? {}) },
      abTest: undefined,
      webhooks: undefined,
      createdAt: now,
    },
    now,
  );
  return { version: start.version, from: start.from, colos: [...start.colos], rollout };
}

/** The knobs given (an absent one keeps its default). */
function definedOf<T extends object>(knobs: T): Partial<T> {
  return Object.fromEntries(Object.entries(knobs).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const withRollout = (change: StagedChange, rollout: RolloutStatus): StagedChange =>
  rollout === change.rollout ? change : { ...change, rollout };

/** The verdict of the interval that just ended (nothing when it has not). */
export function stagedOnInterval(change: StagedChange, counts: IntervalCounts, now: number): StagedChange {
  return withRollout(change, onInterval(change.rollout, counts, now));
}

/** A look at the interval so far: a failure rolls back at once. */
export function stagedOnReport(change: StagedChange, counts: IntervalCounts, now: number): StagedChange {
  return withRollout(change, onReport(change.rollout, counts, now));
}

/** promote (the candidate everywhere, the pointer moves) or abort (rolled back by hand); an ended change refuses both. */
export function stagedCommand(change: StagedChange, command: "promote" | "abort", now: number): StagedChange | { error: string } {
  const next = onCommand(change.rollout, command, now);
  if ("error" in next) return { error: `staged change of version ${change.version} has ended (${change.rollout.state})` };
  return withRollout(change, next);
}

/** Ends a change whose old version is no longer the one in force (another version was stored). */
export function stagedSuperseded(change: StagedChange, reason: string, now: number): StagedChange {
  if (stagedEnded(change)) return change;
  const ended = onCommand(change.rollout, "abort", now);
  if ("error" in ended) return change;
  return withRollout(change, { ...ended, reason });
}

export function stagedEnded(change: StagedChange): boolean {
  const s = change.rollout.state;
  return s === "promoted" || s === "rolled_back" || s === "aborted";
}

export const stagedDue = (change: StagedChange, now: number): boolean => intervalDue(change.rollout, now);
export const stagedEndsAt = (change: StagedChange): number => intervalEndsAt(change.rollout);

/** What isolates read (`config:staged`): where the candidate is in force now. */
export function recordOf(change: StagedChange): StagedRecord {
  const r = change.rollout;
  return {
    version: change.version,
    from: change.from,
    stages: [...r.spec.steps],
    stage: r.step,
    colos: [...change.colos],
    share: r.state === "promoted" ? 100 : shareOf(r.spec.steps, r.step),
    startedAt: r.spec.createdAt,
    state: r.state as StagedState,
  };
}

export function historyOf(change: StagedChange): StagedHistoryEntry[] {
  return change.rollout.history.map((h) => ({
    at: h.at,
    stage: h.step,
    verdict: h.verdict,
    decision: h.decision,
    figures: h.figures,
    ...(h.colo === undefined ? {} : { colo: h.colo }),
  }));
}

type Sides = { target: SideCounts; stable: SideCounts };

const add = (a: SideCounts, b: SideCounts): SideCounts => ({
  requests: a.requests + b.requests,
  failures: a.failures + b.failures,
  latencySumMs: a.latencySumMs + b.latencySumMs,
  latencySumSqMs: a.latencySumSqMs + b.latencySumSqMs,
  latencyCount: a.latencyCount + b.latencyCount,
});

export const NO_COUNTS: SideCounts = { requests: 0, failures: 0, latencySumMs: 0, latencySumSqMs: 0, latencyCount: 0 };

/** `side` scaled to about `requests` requests (its rates and latency moments kept). */
function scaled(side: SideCounts, requests: number): SideCounts {
  if (side.requests === 0) return side;
  const f = requests / side.requests;
  return {
    requests,
    failures: side.failures * f,
    latencySumMs: side.latencySumMs * f,
    latencySumSqMs: side.latencySumSqMs * f,
    latencyCount: Math.round(side.latencyCount * f),
  };
}

/**
 * The counts `analyse` judges: every colo on the candidate against the old version over the
 * same window. A colo serves one version at a time, so it has no stable side of its own in the
 * window: it is compared with its own baseline (its traffic on the old version just before,
 * staged-baseline.ts) when that has `minBaseline` requests, since colos differ in their
 * distance to the origins; else with the colos on the old version now, whose counts are shared
 * out among such colos in proportion to their candidate requests, so that together they count
 * once, not once per colo (each comparison rests on its share only: it errs towards holding).
 */
export function stagedCounts(
  perColo: ReadonlyMap<string, Sides>,
  baselines: ReadonlyMap<string, SideCounts> = new Map(),
  minBaseline = Number.POSITIVE_INFINITY,
): IntervalCounts {
  const own = (colo: string): SideCounts | undefined => {
    const b = baselines.get(colo);
    return b !== undefined && b.requests >= minBaseline ? b : undefined;
  };
  let stable = NO_COUNTS;
  let target = 0;
  for (const [colo, sides] of perColo) {
    stable = add(stable, sides.stable);
    if (own(colo) === undefined) target += sides.target.requests;
  }
  const out = new Map<string, Sides>();
  for (const [colo, sides] of perColo) {
    if (sides.target.requests === 0) continue;
    const baseline = own(colo);
    if (baseline !== undefined) {
      out.set(colo, { target: sides.target, stable: baseline });
      continue;
    }
    const share = Math.max(1, Math.round((stable.requests * sides.target.requests) / target));
    out.set(colo, { target: sides.target, stable: stable.requests === 0 ? NO_COUNTS : scaled(stable, share) });
  }
  return out;
}

export { add as addSideCounts };

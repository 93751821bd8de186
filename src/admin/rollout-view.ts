/**
 * A rollout as the admin API shows it (GET /_edgeway/rollouts/ID, and every answer that
 * changes one): `{ id, route, to, state, weight, step, history }` as DESIGN.md names them,
 * then what else a person needs to read it — the steps, the interval, why it is paused or
 * ended, when the next verdict is due, the config version a promotion wrote, the analysis
 * settings. History entries carry their figures and, when a colo failed the analysis, it.
 */
import { z } from "@hono/zod-openapi";
import { intervalEndsAt } from "../rollout/controller.ts";
import type { Figures, HistoryEntry, RolloutStatus } from "../rollout/types.ts";

const STATES = ["progressing", "paused", "promoted", "rolled_back", "aborted"] as const;

/** An interval's figures as the API shows them (rollouts and staged config changes). */
export const FiguresView = z
  .object({
    targetRequests: z.number(),
    stableRequests: z.number(),
    targetErrorRate: z.number(),
    stableErrorRate: z.number(),
    targetLatencyMs: z.number().nullable(),
    stableLatencyMs: z.number().nullable(),
    failed: z.string().nullable().describe('The check that failed, e.g. "error rate 0.052 > 0.01 at 95 %"; null when none did.'),
  })
  .openapi("RolloutFigures");

const HistoryView = z
  .object({
    at: z.number().describe("When (ms since the epoch)."),
    step: z.number().int().describe("The step index (-1: the A/B stage)."),
    weight: z.number().describe("Percent to the target during the interval judged."),
    verdict: z.enum(["pass", "fail", "inconclusive", "manual", "config_changed", "webhook_refused"]),
    decision: z.enum(["advance", "hold", "rollback", "promote", "pause", "resume", "abort"]),
    figures: FiguresView.nullable(),
    colo: z.string().optional().describe("The colo that failed the analysis, when one did."),
  })
  .openapi("RolloutHistoryEntry");

export const RolloutView = z
  .object({
    id: z.string(),
    route: z.string(),
    to: z.string().describe("The target pool."),
    state: z.enum(STATES),
    weight: z.number().describe("Percent of the route's traffic to the target now."),
    step: z.number().int().describe("Index into steps (-1 during the A/B stage)."),
    history: z.array(HistoryView),
    steps: z.array(z.number()),
    intervalSeconds: z.number(),
    reason: z.string().nullable().describe("Why it is paused or ended."),
    createdAt: z.number(),
    nextVerdictAt: z.number().nullable().describe("When the running interval ends and is judged (null unless progressing)."),
    promotedVersion: z.number().nullable().describe("The config version its promotion wrote."),
    analysis: z.object({
      maxErrorRate: z.number(),
      maxLatencyRatio: z.number(),
      maxLatencyMs: z.number().nullable(),
      minRequests: z.number(),
      confidence: z.number(),
      maxInconclusiveIntervals: z.number(),
      onInconclusive: z.enum(["hold", "rollback"]),
    }),
    abTest: z
      .object({
        header: z.object({ name: z.string(), value: z.string() }).nullable(),
        cookie: z.object({ name: z.string(), value: z.string() }).nullable(),
        intervals: z.number(),
      })
      .nullable(),
  })
  .openapi("Rollout");

export type RolloutViewShape = z.infer<typeof RolloutView>;

function figuresView(f: Figures): z.infer<typeof FiguresView> {
  return {
    targetRequests: f.targetRequests,
    stableRequests: f.stableRequests,
    targetErrorRate: f.targetErrorRate,
    stableErrorRate: f.stableErrorRate,
    targetLatencyMs: f.targetLatencyMs ?? null,
    stableLatencyMs: f.stableLatencyMs ?? null,
    failed: f.failed ?? null,
  };
}

function historyView(e: HistoryEntry): z.infer<typeof HistoryView> {
  return {
    at: e.at,
    step: e.step,
    weight: e.weight,
    verdict: e.verdict,
    decision: e.decision,
    figures: e.figures === undefined ? null : figuresView(e.figures),
    ...(e.colo === undefined ? {} : { colo: e.colo }),
  };
}

/** The API's view of a rollout. */
export function rolloutView(s: RolloutStatus): RolloutViewShape {
  const { spec } = s;
  const a = spec.analysis;
  return {
    id: s.id,
    route: s.route,
    to: s.to,
    state: s.state,
    weight: s.weight,
    step: s.step,
    history: s.history.map(historyView),
    steps: [...spec.steps],
    intervalSeconds: spec.intervalSeconds,
    reason: s.reason ?? null,
    createdAt: spec.createdAt,
    nextVerdictAt: s.state === "progressing" ? intervalEndsAt(s) : null,
    promotedVersion: s.promotedVersion ?? null,
    analysis: {
      maxErrorRate: a.maxErrorRate,
      maxLatencyRatio: a.maxLatencyRatio,
      maxLatencyMs: a.maxLatencyMs ?? null,
      minRequests: a.minRequests,
      confidence: a.confidence,
      maxInconclusiveIntervals: a.maxInconclusiveIntervals,
      onInconclusive: a.onInconclusive,
    },
    abTest:
      spec.abTest === undefined
        ? null
        : { header: spec.abTest.header ?? null, cookie: spec.abTest.cookie ?? null, intervals: spec.abTest.intervals },
  };
}

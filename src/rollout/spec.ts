/**
 * The body of POST /_edgeway/rollouts, its defaults, and the RolloutSpec it becomes. Where
 * each default comes from (docs/rollouts.md#decisions has the table):
 *
 * - steps [5, 25, 50, 100] and a 60 s interval: the issue's; Flagger's examples step by
 *   5–10 % each minute, Argo Rollouts' by `setWeight` steps with pauses.
 * - maxErrorRate 0.01: Flagger's built-in request-success-rate check (≥ 99 %).
 * - maxLatencyRatio 1.5: relative, as Kayenta compares a canary with its baseline, where
 *   Flagger's built-in request-duration check is an absolute 500 ms (maxLatencyMs, off unless set).
 * - minRequests 50 per colo and interval; confidence 0.95 (one-sided, for the whole verdict).
 * - maxInconclusiveIntervals 10, then "hold": lack of traffic is not evidence against the
 *   target, so it stops and waits for a person rather than rolling back (Flagger halts on a
 *   metric without data, and a canary that gets no traffic ends up failed: fluxcd/flagger#1035).
 * - webhook timeout 5 s: Cloudflare's monitor timeout; at most 30 s, so a hung hook holds a
 *   step, never the Durable Object's alarm loop.
 */
import { z } from "zod";
import { Id } from "../config/fields.ts";
import type { AnalysisSpec, RolloutSpec } from "./types.ts";

export const DEFAULT_STEPS: readonly number[] = [5, 25, 50, 100];
export const DEFAULT_INTERVAL_SECONDS = 60;
/** Below this an interval holds too few traffic reports (one every 10 s) to judge. */
export const MIN_INTERVAL_SECONDS = 5;
export const DEFAULT_ANALYSIS: AnalysisSpec = {
  maxErrorRate: 0.01,
  maxLatencyRatio: 1.5,
  maxLatencyMs: undefined,
  minRequests: 50,
  confidence: 0.95,
  maxInconclusiveIntervals: 10,
  onInconclusive: "hold",
};
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

/** An HTTP field name (RFC 9110 §5.1: a token), compared in lower case. */
const HeaderName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "must be an HTTP header name (a token, RFC 9110 §5.1)")
  .transform((name) => name.toLowerCase());
/** A cookie name (RFC 6265 §4.1.1: a token). */
const CookieName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/, "must be a cookie name (a token, RFC 6265 §4.1.1)");
const FieldValue = z.string().min(1).max(1_000);

const WebhookUrl = z.string().superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: `not a URL: ${JSON.stringify(value)}` });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    ctx.addIssue({ code: "custom", message: `must be http:// or https://, got ${url.protocol}//` });
  if (url.username !== "" || url.password !== "") ctx.addIssue({ code: "custom", message: "must not carry credentials" });
});

/** Ascending percentages of the route's traffic for the target, the last one 100. */
const Steps = z
  .array(z.number().int().min(1).max(100))
  .min(1)
  .max(20)
  .superRefine((steps, ctx) => {
    for (let i = 1; i < steps.length; i++) {
      if ((steps[i] as number) <= (steps[i - 1] as number)) {
        ctx.addIssue({ code: "custom", message: "must rise step by step, e.g. [5, 25, 50, 100]", path: [i] });
        return;
      }
    }
    if (steps[steps.length - 1] !== 100)
      ctx.addIssue({ code: "custom", message: "must end at 100 (the target takes all the route's traffic before it is promoted)" });
  });

export const AnalysisRequestSchema = z.strictObject({
  maxErrorRate: z
    .number()
    .min(0)
    .max(1)
    .default(DEFAULT_ANALYSIS.maxErrorRate)
    .describe("The share of failed requests the target may have (0.01 = 1 %)."),
  maxLatencyRatio: z
    .number()
    .min(1)
    .max(100)
    .default(DEFAULT_ANALYSIS.maxLatencyRatio)
    .describe("The target's mean latency may be at most this times the stable pools' in the same colo."),
  maxLatencyMs: z
    .number()
    .positive()
    .max(600_000)
    .optional()
    .describe("An absolute bound on the target's mean latency, in ms. Absent: none."),
  minRequests: z
    .number()
    .int()
    .min(10)
    .max(1_000_000_000)
    .default(DEFAULT_ANALYSIS.minRequests)
    .describe("Target requests a colo needs in an interval before it is judged; colos with fewer are left out."),
  confidence: z
    .number()
    .min(0.5)
    .max(0.9999)
    .default(DEFAULT_ANALYSIS.confidence)
    .describe(
      "One-sided confidence of the whole verdict: a target that meets every limit fails an interval with probability at most 1 − confidence.",
    ),
  maxInconclusiveIntervals: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(DEFAULT_ANALYSIS.maxInconclusiveIntervals)
    .describe("Intervals a step may stay inconclusive (too little traffic) before onInconclusive applies."),
  onInconclusive: z
    .enum(["hold", "rollback"])
    .default(DEFAULT_ANALYSIS.onInconclusive)
    .describe('"hold" pauses the rollout at its weight for a person to decide; "rollback" rolls it back.'),
});

export const AbTestRequestSchema = z
  .strictObject({
    header: z
      .strictObject({ name: HeaderName, value: FieldValue })
      .optional()
      .describe("Requests with this header value go to the target."),
    cookie: z
      .strictObject({ name: CookieName, value: FieldValue })
      .optional()
      .describe("Requests with this cookie value go to the target."),
    intervals: z.number().int().min(1).max(100).default(1).describe("Intervals the A/B stage lasts, each analysed like a step."),
  })
  .refine((ab) => (ab.header === undefined) !== (ab.cookie === undefined), "name exactly one of header or cookie");

export const WebhooksRequestSchema = z
  .strictObject({
    preStep: WebhookUrl.optional().describe("Called before each step; a non-2xx answer (or none in time) holds the step."),
    rollback: WebhookUrl.optional().describe("Called when the rollout rolls back."),
    timeoutMs: z.number().int().min(100).max(30_000).default(DEFAULT_WEBHOOK_TIMEOUT_MS).describe("How long a webhook may take."),
  })
  .refine((w) => w.preStep !== undefined || w.rollback !== undefined, "name preStep, rollback or both");

export const RolloutRequestSchema = z.strictObject({
  route: Id.describe("The route whose traffic moves."),
  to: Id.describe("The target pool."),
  steps: Steps.default([...DEFAULT_STEPS]).describe("Percent of the route's traffic to the target at each step, rising, ending at 100."),
  intervalSeconds: z
    .number()
    .int()
    .min(MIN_INTERVAL_SECONDS)
    .max(86_400)
    .default(DEFAULT_INTERVAL_SECONDS)
    .describe("How long each step is held and judged."),
  analysis: AnalysisRequestSchema.prefault({}).describe("How each interval is judged."),
  abTest: AbTestRequestSchema.optional().describe("An A/B stage before the weighted steps: only matching requests go to the target."),
  webhooks: WebhooksRequestSchema.optional(),
});

export type RolloutRequest = z.output<typeof RolloutRequestSchema>;

/** The spec of a new rollout from a parsed body, its id and the time it starts (ms). */
export function rolloutSpecFrom(body: RolloutRequest, id: string, now: number): RolloutSpec {
  const a = body.analysis;
  return {
    id,
    route: body.route,
    to: body.to,
    steps: [...body.steps],
    intervalSeconds: body.intervalSeconds,
    analysis: {
      maxErrorRate: a.maxErrorRate,
      maxLatencyRatio: a.maxLatencyRatio,
      maxLatencyMs: a.maxLatencyMs,
      minRequests: a.minRequests,
      confidence: a.confidence,
      maxInconclusiveIntervals: a.maxInconclusiveIntervals,
      onInconclusive: a.onInconclusive,
    },
    abTest:
      body.abTest === undefined ? undefined : { header: body.abTest.header, cookie: body.abTest.cookie, intervals: body.abTest.intervals },
    webhooks:
      body.webhooks === undefined
        ? undefined
        : { preStep: body.webhooks.preStep, rollback: body.webhooks.rollback, timeoutMs: body.webhooks.timeoutMs },
    createdAt: now,
  };
}

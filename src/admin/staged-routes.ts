/**
 * Staged config changes through the admin API (docs/rollouts.md#staged-config-changes):
 * `PUT /config?staged=true` stores a validated document as a candidate version in force in a
 * share of colos first (config-routes.ts hands it here), `GET /config/staged` shows the change
 * in flight (or the newest that ended), `POST /config/staged/promote | abort` drives it. The
 * Durable Object keeps the change and decides (state/staged-runner.ts); after a change this
 * isolate re-reads its config at once, other isolates with their next refresh.
 *
 * One staged change at a time: a second is a 409 naming the first; so is a plain push or a
 * rollback while one is in flight (promote or abort it first).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { countChanges, diffConfigs } from "../config/diff.ts";
import { StagedQuerySchema } from "../config/staged.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { errorMessage } from "../observe/log.ts";
import { originStateStub } from "../state/origin-state.ts";
import type { StagedAnswer, StagedCall, StagedOutcome, StagedStatusView } from "../state/staged-runner.ts";
import { jsonError } from "./errors.ts";
import { adminRoutes, ErrorSchema, errorResponses, jsonResponse } from "./openapi.ts";
import type { AdminEnv } from "./openapi.ts";
import { FiguresView } from "./rollout-view.ts";

export const stagedRoutes = adminRoutes();

export const StagedView = z
  .object({
    version: z.number().describe("The candidate version."),
    from: z.number().describe("The version in force everywhere else (the `config` pointer until promotion)."),
    state: z.enum(["progressing", "paused", "promoted", "rolled_back", "aborted"]),
    stage: z.number().describe("Index into `stages`."),
    stages: z.array(z.number()).describe("The first: a number of colos; the others: percent of colos; the last 100."),
    colos: z
      .array(z.string())
      .describe(
        "Colos the candidate is in force in now: the first stage's, and of the colos heard from lately, those the stage's share takes in.",
      ),
    share: z.number().describe("Percent of all colos (by a hash of the colo's name) in force besides the first stage's."),
    intervalSeconds: z.number(),
    reason: z.string().nullable(),
    startedAt: z.number(),
    nextVerdictAt: z.number().nullable(),
    history: z.array(
      z.object({
        at: z.number(),
        stage: z.number(),
        verdict: z.string(),
        decision: z.string(),
        figures: FiguresView.nullable(),
        colo: z.string().optional(),
      }),
    ),
  })
  .openapi("StagedChange");

/** The query PUT /config takes for a staged push, as the OpenAPI document shows it. */
export const StagedQueryDoc = z.object({
  staged: z
    .enum(["true", "false"])
    .optional()
    .describe("true: a staged change (one colo, then a share of colos, then all), judged and promoted or rolled back by itself."),
  stages: z
    .string()
    .optional()
    .describe("With staged=true: the first a number of colos, then percents of colos, ending at 100 (default 1,10,100)."),
  intervalSeconds: z.string().optional().describe("With staged=true: how long each stage is held and judged (default 60, at least 5)."),
  colos: z
    .string()
    .optional()
    .describe("With staged=true: the first stage's colos, comma-separated (default: the busiest that reported lately)."),
});

function viewOf(s: StagedStatusView): z.infer<typeof StagedView> {
  return {
    ...s,
    stages: [...s.stages],
    colos: [...s.colos],
    history: s.history.map((h) => ({
      at: h.at,
      stage: h.stage,
      verdict: h.verdict,
      decision: h.decision,
      figures:
        h.figures === undefined
          ? null
          : {
              ...h.figures,
              targetLatencyMs: h.figures.targetLatencyMs ?? null,
              stableLatencyMs: h.figures.stableLatencyMs ?? null,
              failed: h.figures.failed ?? null,
            },
      ...(h.colo === undefined ? {} : { colo: h.colo }),
    })),
  };
}

async function ask(c: Context<AdminEnv>, call: StagedCall): Promise<StagedAnswer | Response> {
  try {
    return await originStateStub(c.env).staged(call);
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not reach the Durable Object, nothing changed: ${errorMessage(error)}`);
  }
}

/** The object's outcome as a response; after a change this isolate reads its config again at once. */
async function answer(c: Context<AdminEnv>, outcome: StagedOutcome, changed: boolean): Promise<Response> {
  if (!outcome.ok) return jsonError(outcome.status, outcome.code, outcome.message);
  if (changed) await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem);
  return c.json(viewOf(outcome.staged), 200);
}

/** A 409 naming the staged change in flight, for a push or rollback that would replace its old version; undefined when none is. */
export async function refuseWhileStaged(c: Context<AdminEnv>): Promise<Response | undefined> {
  const asked = await ask(c, { op: "in_flight" });
  if (asked instanceof Response) return asked;
  if (!("inFlight" in asked) || asked.inFlight === undefined) return undefined;
  const { version, from, state } = asked.inFlight;
  return jsonError(
    409,
    "staged_change_in_progress",
    `staged change of version ${version} (from version ${from}) is ${state}: promote or abort it first (POST /_edgeway/config/staged/promote | abort)`,
    { staged: version },
  );
}

/** PUT /config?staged=true, the document validated: the query checked, then the object stores and stages it. */
export async function putStaged(c: Context<AdminEnv>, document: unknown, reason: string | undefined): Promise<Response> {
  const query = StagedQuerySchema.safeParse(c.req.query());
  if (!query.success) {
    const issue = query.error.issues[0];
    return jsonError(400, "invalid_request", `${issue?.path.join(".") || "query"}: ${issue?.message ?? "invalid"}`);
  }
  await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem);
  const changes = countChanges(diffConfigs(isolate.config.current?.envelope.document, document));
  const { stages, intervalSeconds, colos, maxErrorRate, maxLatencyRatio, minRequests } = query.data;
  const analysis = { maxErrorRate, maxLatencyRatio, minRequests };
  const asked = await ask(c, {
    op: "start",
    start: { document, actor: c.get("actor"), reason, changes, stages, intervalSeconds, colos, analysis },
  });
  if (asked instanceof Response) return asked;
  if ("inFlight" in asked) return jsonError(500, "internal_error", "unexpected answer");
  if (asked.ok) {
    const s = asked.staged;
    c.set(
      "auditSummary",
      `config version ${s.version} staged from version ${s.from} in ${s.colos.join(", ")} (stages ${s.stages.join(", ")})`,
    );
  }
  return answer(c, asked, true);
}

const unavailable = { 503: jsonResponse(ErrorSchema, "The Durable Object or KV could not be reached; nothing changed.") };

stagedRoutes.openapi(
  createRoute({
    method: "get",
    path: "/config/staged",
    tags: ["Config"],
    summary: "The staged config change in flight, or the newest that ended",
    responses: {
      200: jsonResponse(StagedView, "The staged change, with every interval's verdict."),
      ...errorResponses,
      404: jsonResponse(ErrorSchema, "No staged change has been made."),
      ...unavailable,
    },
  }),
  async (c) => {
    const asked = await ask(c, { op: "status" });
    if (asked instanceof Response || "inFlight" in asked)
      return (asked instanceof Response ? asked : jsonError(500, "internal_error", "unexpected answer")) as never;
    return (await answer(c, asked, false)) as never;
  },
);

const COMMANDS = {
  promote: "Promote now: the candidate goes into force in every colo (the `config` pointer moves to it)",
  abort: "Abort: every colo back on the version in force (the candidate stays in history)",
} as const;

for (const command of ["promote", "abort"] as const) {
  stagedRoutes.openapi(
    createRoute({
      method: "post",
      path: `/config/staged/${command}`,
      tags: ["Config"],
      summary: COMMANDS[command],
      responses: {
        200: jsonResponse(StagedView, "The staged change after the command."),
        ...errorResponses,
        404: jsonResponse(ErrorSchema, "No staged change has been made."),
        409: jsonResponse(ErrorSchema, "The staged change has ended."),
        ...unavailable,
      },
    }),
    async (c) => {
      const asked = await ask(c, { op: command });
      if (asked instanceof Response || "inFlight" in asked)
        return (asked instanceof Response ? asked : jsonError(500, "internal_error", "unexpected answer")) as never;
      if (asked.ok)
        c.set("auditSummary", `staged change of version ${asked.staged.version} ${command === "promote" ? "promoted" : "aborted"} by hand`);
      return (await answer(c, asked, true)) as never;
    },
  );
}

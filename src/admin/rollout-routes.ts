/**
 * Rollouts through the admin API (docs/rollouts.md): POST /rollouts starts one (201), GET
 * /rollouts lists them, GET /rollouts/ID shows one, POST /rollouts/ID/promote | pause |
 * resume | abort drives one. The body is checked against the rollout's own schema
 * (src/rollout/spec.ts): a bad body is a 400 naming the field; an unknown route a 404, an
 * unknown pool a 400, a second rollout on a route a 409, each naming it. The Durable
 * Object keeps rollouts and decides (state/rollout-runner.ts); after a change this isolate
 * takes the object's new snapshot at once, other isolates with their next refresh.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import { failStatic, isolate } from "../isolate.ts";
import { errorMessage } from "../observe/log.ts";
import { RolloutRequestSchema, rolloutSpecFrom } from "../rollout/spec.ts";
import { originStateStub } from "../state/origin-state.ts";
import type { RolloutCommand, RolloutOutcome, RolloutRequestCall } from "../state/rollout-runner.ts";
import { webhookUrlProblem } from "../state/rollout-webhook.ts";
import { jsonError } from "./errors.ts";
import { adminRoutes, ErrorSchema, errorResponses, jsonBody, jsonResponse } from "./openapi.ts";
import type { AdminEnv } from "./openapi.ts";
import { RolloutView, rolloutView } from "./rollout-view.ts";

export const rolloutRoutes = adminRoutes();

const COMMANDS: readonly RolloutCommand[] = ["promote", "pause", "resume", "abort"];
const COMMAND_SUMMARIES: Readonly<Record<RolloutCommand, string>> = {
  promote: "Promote now: the target takes all the route's traffic and the final weights are written as a new config version",
  pause: "Pause: the split stays as it is and no interval is judged until resume",
  resume: "Resume a paused rollout: a fresh interval starts at its current step",
  abort: "Abort: roll back at once (the target's weight to 0 in every colo within one snapshot refresh)",
};

const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "ro-3f9a1c2e" }),
});
const unavailable = { 503: jsonResponse(ErrorSchema, "The Durable Object could not be reached; nothing changed.") };

/** A fresh rollout id: short enough to type in the CLI. */
function newRolloutId(): string {
  return `ro-${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
}

/** Runs a call in the object; its refusal or answer as a response, this isolate's snapshot refreshed after a change. */
async function callObject(c: Context<AdminEnv>, call: RolloutRequestCall, created: boolean): Promise<Response> {
  const stub = originStateStub(c.env);
  let outcome: RolloutOutcome;
  try {
    outcome = await stub.rollout(call);
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not reach the Durable Object, nothing changed: ${errorMessage(error)}`);
  }
  if (!outcome.ok) return jsonError(outcome.status, outcome.code, outcome.message);
  try {
    // This isolate steers by the new split at once; the others with their next snapshot refresh.
    isolate.health.set(HealthSnapshotSchema.parse(await stub.snapshot()), Date.now());
  } catch (error) {
    failStatic("durable_object", "snapshot_refresh_failed", { message: errorMessage(error) });
  }
  const r = outcome.rollout;
  c.set(
    "auditSummary",
    call.op === "start"
      ? `rollout ${r.id} started: route ${r.route} → pool ${r.to} in steps ${r.spec.steps.join(", ")}`
      : `rollout ${r.id} ${call.command}: ${r.state}, ${r.weight} % to pool ${r.to}`,
  );
  return c.json(rolloutView(r), created ? 201 : 200);
}

rolloutRoutes.openapi(
  createRoute({
    method: "post",
    path: "/rollouts",
    tags: ["Rollouts"],
    summary: "Start a rollout: move a route's traffic to a target pool in steps, each judged on live traffic per colo",
    description:
      "At most one rollout per route. Each interval compares the target with the route's other pools in the same colos: error rate and latency, absolute and relative limits, one-sided tests at the stated confidence; too few requests make an interval inconclusive. A failing interval rolls back at once; the last passing one promotes, writing the route's final pools as a new config version.",
    request: {
      body: jsonBody(RolloutRequestSchema, "The route, the target pool, and optionally steps, interval, analysis, A/B stage and webhooks."),
    },
    responses: {
      201: jsonResponse(RolloutView, "Started: the target takes its first step's share now."),
      ...errorResponses,
      404: jsonResponse(ErrorSchema, "No such route in the config in force."),
      409: jsonResponse(ErrorSchema, "The route has a rollout already, or no config is stored."),
      ...unavailable,
    },
  }),
  async (c) => {
    const body = c.req.valid("json");
    const allowLoopback = c.env.EDGEWAY_ALLOW_LOOPBACK_REGISTRATION === "true";
    for (const hook of ["preStep", "rollback"] as const) {
      const url = body.webhooks?.[hook];
      const problem = url === undefined ? undefined : webhookUrlProblem(url, allowLoopback);
      if (problem !== undefined) return jsonError(400, "invalid_request", `webhooks.${hook}: ${problem}`) as never;
    }
    const spec = rolloutSpecFrom(body, newRolloutId(), Date.now());
    return (await callObject(c, { op: "start", spec }, true)) as never;
  },
);

rolloutRoutes.openapi(
  createRoute({
    method: "get",
    path: "/rollouts",
    tags: ["Rollouts"],
    summary: "Every rollout kept (those in progress and the newest ended ones), newest first",
    responses: {
      200: jsonResponse(z.object({ rollouts: z.array(RolloutView) }), "The rollouts."),
      ...errorResponses,
      ...unavailable,
    },
  }),
  async (c) => {
    try {
      const { rollouts } = await originStateStub(c.env).rollouts();
      return c.json({ rollouts: rollouts.map(rolloutView) }, 200);
    } catch (error) {
      return jsonError(503, "state_unavailable", `could not reach the Durable Object: ${errorMessage(error)}`) as never;
    }
  },
);

rolloutRoutes.openapi(
  createRoute({
    method: "get",
    path: "/rollouts/{id}",
    tags: ["Rollouts"],
    summary: "One rollout: its state, weight, step and every interval's verdict with its figures",
    request: { params: IdParam },
    responses: {
      200: jsonResponse(RolloutView, "The rollout."),
      ...errorResponses,
      404: jsonResponse(ErrorSchema, "No such rollout is kept."),
      ...unavailable,
    },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    try {
      const found = (await originStateStub(c.env).rollouts()).rollouts.find((r) => r.id === id);
      if (found === undefined) return jsonError(404, "unknown_rollout", `no rollout "${id}"`) as never;
      return c.json(rolloutView(found), 200);
    } catch (error) {
      return jsonError(503, "state_unavailable", `could not reach the Durable Object: ${errorMessage(error)}`) as never;
    }
  },
);

for (const command of COMMANDS) {
  rolloutRoutes.openapi(
    createRoute({
      method: "post",
      path: `/rollouts/{id}/${command}`,
      tags: ["Rollouts"],
      summary: COMMAND_SUMMARIES[command],
      request: { params: IdParam },
      responses: {
        200: jsonResponse(RolloutView, "The rollout after the command."),
        ...errorResponses,
        404: jsonResponse(ErrorSchema, "No such rollout is kept."),
        409: jsonResponse(ErrorSchema, "The rollout has ended, or is not in a state the command applies to."),
        ...unavailable,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return (await callObject(c, { op: "command", id, command }, false)) as never;
    },
  );
}

/**
 * Operations on an origin without editing the config document: drain (weight 0; sessions
 * pinned by affinity stay until they end), disable (out of every pool), enable (undoes
 * both), a weight override, and a forced health state for maintenance. Each takes a
 * reason (optional for drain, disable and weight: "no reason given" is recorded), is recorded with who and when, is undone by one call, and reaches every
 * isolate with its next health snapshot (this one at once). See src/config/overrides.ts
 * for precedence.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { isHealthyIn } from "../health/snapshot.ts";
import { effectiveConfig } from "../discovery/effective-config.ts";
import { OriginOverridesSchema } from "../config/overrides.ts";
import type { OriginOverrides, OverrideKind } from "../config/overrides.ts";
import type { LoadedConfig } from "../config/store.ts";
import { errorMessage } from "../observe/log.ts";
import { jsonError } from "./errors.ts";
import { adminRoutes, ErrorSchema, errorResponses, jsonBody, jsonResponse, optionalJsonBody } from "./openapi.ts";
import type { AdminEnv } from "./openapi.ts";
import { MAX_REASON_LENGTH } from "./config-routes.ts";

export const originRoutes = adminRoutes();

const Reason = z.string().trim().min(1, "a reason is required").max(MAX_REASON_LENGTH);
const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "aws-use1" }),
});
const Overrides = OriginOverridesSchema.openapi("OriginOverrides");
const OverrideResult = z.object({ origin: z.string(), overrides: Overrides }).openapi("OverrideResult");
const failures = {
  ...errorResponses,
  404: jsonResponse(ErrorSchema, "No origin with this id in the config in force or among registered origins."),
  503: jsonResponse(ErrorSchema, "The Durable Object could not be reached; nothing changed."),
};

/** The config in force and the Durable Object's snapshot; a Response when either is missing. */
async function currentState(c: Context<AdminEnv>): Promise<{ snapshot: HealthSnapshot; loaded: LoadedConfig } | Response> {
  const loaded = await isolate.config.get(c.env.CONFIG, Date.now(), (p) => c.executionCtx.waitUntil(p), reportConfigProblem);
  if (loaded === undefined) return jsonError(409, "no_config", "no config is stored yet");
  try {
    return { snapshot: HealthSnapshotSchema.parse(await originStateStub(c.env).snapshot()), loaded };
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not reach the Durable Object: ${errorMessage(error)}`);
  }
}

/** Whether the id names an origin of the config in force or a registered one. */
function knownOrigin(id: string, snapshot: HealthSnapshot): boolean {
  return isolate.config.current?.compiled.origins.has(id) === true || (snapshot.registrations ?? []).some((r) => r.id === id);
}

type Change =
  | { set: OverrideKind; value: NonNullable<OriginOverrides[OverrideKind]> }
  | { clear: readonly OverrideKind[]; reason?: string | undefined };

/** Applies one change to an origin's overrides through the Durable Object, and installs the new snapshot here. */
async function change(c: Context<AdminEnv>, id: string, what: Change, summary: string): Promise<Response> {
  const state = await currentState(c);
  if (state instanceof Response) return state;
  if (!knownOrigin(id, state.snapshot))
    return jsonError(
      404,
      "unknown_origin",
      `id: no origin "${id}" in config version ${isolate.config.current?.envelope.version} or among registered origins`,
    );
  try {
    const stub = originStateStub(c.env);
    const outcome =
      "set" in what
        ? await stub.setOverride(id, what.set, what.value)
        : await stub.clearOverrides(id, what.clear, c.get("actor"), what.reason);
    isolate.health.set(HealthSnapshotSchema.parse(outcome.snapshot), Date.now());
    c.set("auditSummary", `${id}: ${summary}`);
    return c.json({ origin: id, overrides: outcome.overrides }, 200);
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not record the override, nothing changed: ${errorMessage(error)}`);
  }
}

function provenance(c: Context<AdminEnv>, reason: string): { reason: string; actor: string; at: number } {
  return { reason, actor: c.get("actor"), at: Date.now() };
}

const OriginView = z
  .object({
    pools: z.array(z.string()),
    registered: z.boolean(),
    configured: z.object({ weight: z.number(), enabled: z.boolean() }),
    effective: z.object({ weight: z.number(), enabled: z.boolean() }),
    healthy: z.boolean(),
    reason: z.string(),
    overrides: Overrides,
  })
  .openapi("OriginOperationsView");

originRoutes.openapi(
  createRoute({
    method: "get",
    path: "/origins",
    tags: ["Origins"],
    summary: "Every origin with its configured and effective weight, health and overrides",
    responses: {
      200: jsonResponse(z.object({ version: z.number(), origins: z.record(z.string(), OriginView) }), "Origins by id."),
      ...errorResponses,
      409: jsonResponse(ErrorSchema, "No config stored yet."),
      503: failures[503],
    },
  }),
  async (c) => {
    const state = await currentState(c);
    if (state instanceof Response) return state as never;
    const loaded = state.loaded;
    const effective = effectiveConfig(loaded.compiled, state.snapshot);
    const overrides = state.snapshot.overrides ?? {};
    const registered = new Set((state.snapshot.registrations ?? []).map((r) => r.id));
    const origins: Record<string, z.infer<typeof OriginView>> = {};
    for (const origin of effective.origins.values()) {
      const configured = loaded.compiled.origins.get(origin.id) ?? (state.snapshot.registrations ?? []).find((r) => r.id === origin.id);
      origins[origin.id] = {
        pools: [...effective.pools.values()].filter((p) => p.origins.some((o) => o.id === origin.id)).map((p) => p.id),
        registered: registered.has(origin.id),
        configured: {
          weight: configured?.weight ?? origin.weight,
          enabled: configured !== undefined && "enabled" in configured ? configured.enabled : true,
        },
        effective: { weight: origin.weight, enabled: origin.enabled },
        healthy: isHealthyIn(state.snapshot, origin.id),
        reason: state.snapshot.origins[origin.id]?.reason ?? "not probed yet",
        overrides: overrides[origin.id] ?? {},
      };
    }
    return c.json({ version: loaded.envelope.version, origins }, 200);
  },
);

/** What an override without a reason records (drain, disable and weight take an optional reason, as every anchor's API does). */
export const NO_REASON = "no reason given";
const OptionalReasonBody = optionalJsonBody(z.object({ reason: Reason.optional() }).strict(), "Why, optionally.");

for (const state of ["drained", "disabled"] as const) {
  const verb = state === "drained" ? "drain" : "disable";
  originRoutes.openapi(
    createRoute({
      method: "post",
      path: `/origins/{id}/${verb}`,
      tags: ["Origins"],
      summary:
        state === "drained"
          ? "Drain: weight 0 for new traffic; affinity-pinned sessions stay"
          : "Disable: take the origin out of every pool",
      request: { params: IdParam, body: OptionalReasonBody },
      responses: { 200: jsonResponse(OverrideResult, "The origin's overrides now."), ...failures },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const reason = c.req.valid("json").reason ?? NO_REASON;
      return (await change(c, id, { set: "state", value: { value: state, ...provenance(c, reason) } }, `${state} (${reason})`)) as never;
    },
  );
}

originRoutes.openapi(
  createRoute({
    method: "post",
    path: "/origins/{id}/enable",
    tags: ["Origins"],
    summary: "Undo a drain or disable",
    request: { params: IdParam, body: OptionalReasonBody },
    responses: { 200: jsonResponse(OverrideResult, "The origin's overrides now."), ...failures },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { reason } = c.req.valid("json");
    return (await change(c, id, { clear: ["state"], reason }, `enabled${reason === undefined ? "" : ` (${reason})`}`)) as never;
  },
);

originRoutes.openapi(
  createRoute({
    method: "post",
    path: "/origins/{id}/weight",
    tags: ["Origins"],
    summary: "Override the origin's weight (the document's weight stays as written)",
    request: {
      params: IdParam,
      body: jsonBody(
        z.object({ weight: z.number().min(0).max(1_000_000), reason: Reason.optional() }).strict(),
        "The weight to use, and why (optional).",
      ),
    },
    responses: { 200: jsonResponse(OverrideResult, "The origin's overrides now."), ...failures },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { weight } = c.req.valid("json");
    const reason = c.req.valid("json").reason ?? NO_REASON;
    return (await change(
      c,
      id,
      { set: "weight", value: { value: weight, ...provenance(c, reason) } },
      `weight ${weight} (${reason})`,
    )) as never;
  },
);

originRoutes.openapi(
  createRoute({
    method: "post",
    path: "/origins/{id}/health",
    tags: ["Origins"],
    summary: "Force the origin's health state (maintenance), whatever probes say",
    request: {
      params: IdParam,
      body: jsonBody(z.object({ state: z.enum(["healthy", "unhealthy"]), reason: Reason }).strict(), "The state to force, and why."),
    },
    responses: { 200: jsonResponse(OverrideResult, "The origin's overrides now."), ...failures },
  }),
  async (c) => {
    const { id } = c.req.valid("param");
    const { state, reason } = c.req.valid("json");
    return (await change(
      c,
      id,
      { set: "health", value: { value: state, ...provenance(c, reason) } },
      `health forced ${state} (${reason})`,
    )) as never;
  },
);

const clearing: readonly { path: string; kinds: readonly OverrideKind[]; summary: string }[] = [
  { path: "/origins/{id}/weight", kinds: ["weight"], summary: "Remove the weight override" },
  { path: "/origins/{id}/health", kinds: ["health"], summary: "Stop forcing health: probes decide again" },
  { path: "/origins/{id}/overrides", kinds: ["state", "weight", "health"], summary: "Remove every override of the origin" },
];
for (const { path, kinds, summary } of clearing) {
  originRoutes.openapi(
    createRoute({
      method: "delete",
      path,
      tags: ["Origins"],
      summary,
      request: { params: IdParam },
      responses: { 200: jsonResponse(OverrideResult, "The origin's overrides now."), ...failures },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return (await change(c, id, { clear: kinds }, `cleared ${kinds.join(", ")} override`)) as never;
    },
  );
}

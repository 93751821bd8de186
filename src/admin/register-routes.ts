/**
 * Service registration, as with a Consul agent: `POST /_edgeway/register` adds an origin
 * to a pool of the config in force, and the same POST repeated is its heartbeat;
 * `DELETE /_edgeway/register/<id>` removes it; `GET /_edgeway/register` lists them with
 * their health. Accepts the admin token, or REGISTER_TOKEN when set, so origins need not
 * hold the admin token.
 */
import { z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import { formatPath, originLocationIssues } from "../config/validate.ts";
import type { ConfigIssue } from "../config/validate.ts";
import { RegistrationRequestSchema, lapsesAt, registrationHealth } from "../discovery/registration.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import { jsonError } from "./errors.ts";
import { adminRoutes, ErrorSchema, errorResponses, jsonBody, jsonResponse } from "./openapi.ts";
import { errorMessage } from "../observe/log.ts";

/** A registration is a few hundred bytes; anything near this is not one. */
export const MAX_REGISTRATION_BYTES = 16_384;

export const registerRoutes = adminRoutes();

const RegistrationResult = z.object({
  id: z.string(),
  pool: z.string(),
  result: z.enum(["created", "updated", "heartbeat"]),
  ttlSeconds: z.number(),
  nextHeartbeatBy: z.string(),
});
registerRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/register",
  tags: ["Registration"],
  summary: "Register an origin into a pool of the config in force; repeat within ttlSeconds as its heartbeat",
  description: "ADMIN_TOKEN or REGISTER_TOKEN.",
  request: { body: jsonBody(RegistrationRequestSchema, "The origin and the pool it joins.") },
  responses: {
    200: jsonResponse(RegistrationResult, "Updated, or a heartbeat."),
    201: jsonResponse(RegistrationResult, "Registered."),
    ...errorResponses,
    409: jsonResponse(ErrorSchema, "No config yet, or the id belongs to a configured origin."),
    413: jsonResponse(ErrorSchema, "Body too large."),
    503: jsonResponse(ErrorSchema, "The Durable Object could not be reached."),
  },
});
registerRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/register",
  tags: ["Registration"],
  summary: "Registered origins with their heartbeat health",
  responses: {
    200: jsonResponse(z.object({ registrations: z.array(z.record(z.string(), z.unknown())) }), "Registrations."),
    ...errorResponses,
  },
});
registerRoutes.openAPIRegistry.registerPath({
  method: "delete",
  path: "/register/{id}",
  tags: ["Registration"],
  summary: "Remove a registered origin",
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: jsonResponse(z.object({ id: z.string(), result: z.literal("deregistered") }), "Removed."),
    ...errorResponses,
    404: jsonResponse(ErrorSchema, "Not registered."),
  },
});

/** 400 naming every bad field, as a config PUT does. */
function rejected(issues: readonly ConfigIssue[]): Response {
  return jsonError(400, "invalid_registration", `registration rejected: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, {
    issues,
  });
}

registerRoutes.post(
  "/register",
  bodyLimit({
    maxSize: MAX_REGISTRATION_BYTES,
    onError: () => jsonError(413, "body_too_large", `a registration is larger than ${MAX_REGISTRATION_BYTES} bytes`),
  }),
  async (c) => {
    let body: unknown;
    try {
      body = JSON.parse(await c.req.text());
    } catch (error) {
      return jsonError(400, "invalid_json", `body is not valid JSON: ${errorMessage(error)}`);
    }
    const parsed = RegistrationRequestSchema.safeParse(body);
    if (!parsed.success) return rejected(parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })));
    const request = parsed.data;
    const location = originLocationIssues(request, "");
    if (location.length > 0) return rejected(location);
    const loaded = await isolate.config.get(c.env.CONFIG, Date.now(), (p) => c.executionCtx.waitUntil(p), reportConfigProblem);
    if (loaded === undefined)
      return jsonError(409, "no_config", "no config is stored yet: an origin can only join a pool of the config in force");
    if (!loaded.compiled.pools.has(request.pool)) {
      return jsonError(
        400,
        "unknown_pool",
        `pool: no pool "${request.pool}" in config version ${loaded.envelope.version} (pools: ${[...loaded.compiled.pools.keys()].join(", ")})`,
      );
    }
    if (loaded.compiled.origins.has(request.id)) {
      return jsonError(
        409,
        "id_taken",
        `id: "${request.id}" is an origin of the config document; a registered origin needs an id of its own`,
      );
    }
    try {
      const stub = originStateStub(c.env);
      const outcome = await stub.register(request);
      const reg = outcome.registration;
      // This isolate steers with the new origin at once; others pick it up with their next snapshot.
      if (outcome.kind === "heartbeat") c.set("auditSkip", true);
      else c.set("auditSummary", `${reg.id} ${outcome.kind} in pool ${reg.pool} at ${reg.url}`);
      if (outcome.kind !== "heartbeat") isolate.health.set(HealthSnapshotSchema.parse(await stub.snapshot()), Date.now());
      return c.json(
        {
          id: reg.id,
          pool: reg.pool,
          result: outcome.kind,
          ttlSeconds: reg.ttlSeconds,
          nextHeartbeatBy: new Date(lapsesAt(reg)).toISOString(),
        },
        outcome.kind === "created" ? 201 : 200,
      );
    } catch (error) {
      return jsonError(503, "state_unavailable", `could not record the registration: ${errorMessage(error)}`);
    }
  },
);

registerRoutes.get("/register", async (c) => {
  try {
    const now = Date.now();
    const registrations = await originStateStub(c.env).registrations();
    return c.json({ registrations: registrations.map((r) => ({ ...r, ...registrationHealth(r, now) })) });
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not read registrations: ${errorMessage(error)}`);
  }
});

registerRoutes.delete("/register/:id", async (c) => {
  const id = c.req.param("id");
  try {
    const stub = originStateStub(c.env);
    if (!(await stub.deregister(id))) return jsonError(404, "not_registered", `no registered origin "${id}"`);
    isolate.health.set(HealthSnapshotSchema.parse(await stub.snapshot()), Date.now());
    return c.json({ id, result: "deregistered" });
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not remove the registration: ${errorMessage(error)}`);
  }
});

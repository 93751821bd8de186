/**
 * Service registration, as with a Consul agent: `POST /_edgeway/register` adds an origin
 * to a pool of the config in force whose registration policy admits it, and the same POST
 * repeated (with the registration secret the first one returned) is its heartbeat;
 * `DELETE /_edgeway/register/<id>` removes it; `GET /_edgeway/register` lists them, a page
 * at a time, with their health. Accepts the admin token, REGISTER_TOKEN, or a scoped
 * token from REGISTER_TOKENS, so origins need not hold the admin token.
 */
import { z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { isolate } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import { RegistrationRequestSchema, lapsesAt, registrationHealth } from "../discovery/registration.ts";
import type { Registration } from "../discovery/registration.ts";
import { SECRET_HEADER } from "../discovery/registration-claim.ts";
import type { Refusal } from "../discovery/refusal.ts";
import { checkRegistrationRequest, runRegistration } from "./register-call.ts";
import { countRefusal, refused, secretHash } from "./register-claim.ts";
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
  registrant: z.string().describe("The name of the token the id is bound to."),
  policy: z
    .object({ matched: z.string(), configVersion: z.number() })
    .describe("The address pattern of the pool's policy that admitted it."),
  secret: z
    .string()
    .optional()
    .describe(`Only on the first registration of an id: send it as ${"x-edgeway-registration-secret"} on heartbeats, updates and DELETE.`),
});
const RefusalSchema = ErrorSchema.extend({ rule: z.string().optional(), reason: z.string().optional() });
const secretHeader = z.object({ [SECRET_HEADER]: z.string().optional() });
registerRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/register",
  tags: ["Registration"],
  summary:
    "Register an origin into a pool whose registration policy admits it; repeat within ttlSeconds, with the secret, as its heartbeat",
  description:
    "ADMIN_TOKEN, REGISTER_TOKEN or a REGISTER_TOKENS token (limited to its pools). The pool's config must have a registration policy; loopback addresses only with EDGEWAY_ALLOW_LOOPBACK_REGISTRATION=true (local development).",
  request: { headers: secretHeader, body: jsonBody(RegistrationRequestSchema, "The origin and the pool it joins.") },
  responses: {
    200: jsonResponse(RegistrationResult, "Updated, or a heartbeat."),
    201: jsonResponse(RegistrationResult, "Registered; the body carries the registration secret, once."),
    ...errorResponses,
    403: jsonResponse(
      RefusalSchema,
      "Outside the pool's registration policy (the rule is named), or the token may not register into the pool.",
    ),
    409: jsonResponse(
      RefusalSchema,
      "No config yet; the id belongs to a configured origin or another registrant; the secret is missing or wrong; the pool or Edgeway is full.",
    ),
    413: jsonResponse(ErrorSchema, "Body too large."),
    429: jsonResponse(RefusalSchema, "The token made too many registration calls; see Retry-After."),
    503: jsonResponse(ErrorSchema, "The Durable Object could not be reached, or REGISTER_TOKENS is malformed."),
  },
});
registerRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/register",
  tags: ["Registration"],
  summary: "Registered origins with their heartbeat health, registrant and policy, a page at a time",
  description: "A registration token sees only the registrations it made.",
  request: { query: z.object({ offset: z.string().optional(), limit: z.string().optional() }) },
  responses: {
    200: jsonResponse(
      z.object({
        total: z.number(),
        offset: z.number(),
        limit: z.number(),
        nextOffset: z.number().optional(),
        registrations: z.array(z.record(z.string(), z.unknown())),
      }),
      "One page of registrations, ordered by id; nextOffset when more follow.",
    ),
    ...errorResponses,
  },
});
registerRoutes.openAPIRegistry.registerPath({
  method: "delete",
  path: "/register/{id}",
  tags: ["Registration"],
  summary: "Remove a registered origin",
  description: "The admin token removes any registration; a registration token only its own, with the registration secret.",
  request: { params: z.object({ id: z.string() }), headers: secretHeader },
  responses: {
    200: jsonResponse(z.object({ id: z.string(), result: z.literal("deregistered") }), "Removed."),
    ...errorResponses,
    404: jsonResponse(ErrorSchema, "Not registered."),
    409: jsonResponse(RefusalSchema, "Registered by another token, or the secret is missing or wrong."),
    429: jsonResponse(RefusalSchema, "The token made too many registration calls; see Retry-After."),
  },
});

/** Registrations listed per page when the caller does not say; at most MAX_PAGE. */
export const DEFAULT_PAGE = 100;
const MAX_PAGE = 1_000;

/** The presented registration secret's hash, if one was sent. */
async function presentedSecretHash(header: string | undefined): Promise<string | undefined> {
  return header === undefined || header === "" ? undefined : secretHash(header);
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
      countRefusal("invalid");
      return jsonError(400, "invalid_json", `body is not valid JSON: ${errorMessage(error)}`);
    }
    const request = checkRegistrationRequest(body);
    if (request instanceof Response) return request;
    const header = c.req.header(SECRET_HEADER);
    const done = await runRegistration(c, request, { presented: header === undefined || header === "" ? undefined : header });
    if (done instanceof Response) return done;
    const { outcome, admitted, secret } = done;
    const reg = outcome.registration;
    return c.json(
      {
        id: reg.id,
        pool: reg.pool,
        result: outcome.kind,
        ttlSeconds: reg.ttlSeconds,
        nextHeartbeatBy: new Date(lapsesAt(reg)).toISOString(),
        registrant: c.get("token"),
        policy: admitted,
        ...(outcome.secretIssued ? { secret } : {}),
      },
      outcome.kind === "created" ? 201 : 200,
    );
  },
);

/** A whole number from a query parameter, within bounds; the fallback when absent or not a number. */
function queryInt(value: string | undefined, fallback: number, min: number, max: number): number {
  const n = Number(value);
  return value === undefined || value === "" || !Number.isInteger(n) ? fallback : Math.min(max, Math.max(min, n));
}

registerRoutes.get("/register", async (c) => {
  try {
    const now = Date.now();
    const offset = queryInt(c.req.query("offset"), 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = queryInt(c.req.query("limit"), DEFAULT_PAGE, 1, MAX_PAGE);
    const scope = c.get("registerScope");
    const all: Registration[] = (await originStateStub(c.env).registrations())
      .filter((r) => scope === undefined || r.registrant === scope.name)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = all.slice(offset, offset + limit);
    return c.json({
      total: all.length,
      offset,
      limit,
      ...(offset + limit < all.length ? { nextOffset: offset + limit } : {}),
      registrations: page.map((r) => ({ ...r, ...registrationHealth(r, now) })),
    });
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not read registrations: ${errorMessage(error)}`);
  }
});

registerRoutes.delete("/register/:id", async (c) => {
  const id = c.req.param("id");
  const scope = c.get("registerScope");
  try {
    const stub = originStateStub(c.env);
    const by =
      scope === undefined
        ? undefined
        : { registrant: scope.name, presentedSecretHash: await presentedSecretHash(c.req.header(SECRET_HEADER)) };
    const result: "removed" | "not_found" | Refusal = await stub.deregister(
      id,
      by,
      scope === undefined ? undefined : { perMinute: scope.ratePerMinute },
    );
    if (result === "not_found") return jsonError(404, "not_registered", `no registered origin "${id}"`);
    if (result !== "removed") return refused(result, { token: c.get("token"), origin: id });
    c.set("auditSummary", `${id} deregistered`);
    isolate.health.set(HealthSnapshotSchema.parse(await stub.snapshot()), Date.now());
    return c.json({ id, result: "deregistered" });
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not remove the registration: ${errorMessage(error)}`);
  }
});

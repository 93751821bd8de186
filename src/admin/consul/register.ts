/**
 * Consul's agent calls that change registrations: register (which is also an update),
 * deregister, and the TTL check's pass / warn / fail / update. A registration goes
 * through the same code path as POST /_edgeway/register (src/admin/register-call.ts):
 * the same schema, scope, policy, limits and rate. `pass` and `warn` are heartbeats
 * (a warning keeps the origin serving, at its weight); `fail` and an update to
 * "critical" take it out of rotation at once until the next heartbeat.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { CONSUL_FIELD, mapConsulService, serviceIdOfCheck } from "../../discovery/consul-service.ts";
import { RegistrationRequestSchema } from "../../discovery/registration.ts";
import { HealthSnapshotSchema } from "../../health/snapshot.ts";
import { isolate } from "../../isolate.ts";
import { errorMessage } from "../../observe/log.ts";
import { originStateStub } from "../../state/origin-state.ts";
import { jsonError } from "../errors.ts";
import type { AdminEnv } from "../openapi.ts";
import { checkRegistrationRequest, runRegistration } from "../register-call.ts";
import { countRefusal, refused } from "../register-claim.ts";
import { MAX_REGISTRATION_BYTES } from "../register-routes.ts";
import { consulSecret, loadedConfig, poolsOf, removerFor, unknownService } from "./caller.ts";

export const consulWrites = new Hono<AdminEnv>();

/** The body as JSON, or the 400 that says why not. */
async function jsonBody(c: Context<AdminEnv>): Promise<unknown> {
  try {
    const text = await c.req.text();
    return text.trim() === "" ? {} : JSON.parse(text);
  } catch (error) {
    countRefusal("invalid");
    return jsonError(400, "invalid_json", `body is not valid JSON: ${errorMessage(error)}`);
  }
}

consulWrites.put(
  "/v1/agent/service/register",
  bodyLimit({
    maxSize: MAX_REGISTRATION_BYTES,
    onError: () => jsonError(413, "body_too_large", `a service registration is larger than ${MAX_REGISTRATION_BYTES} bytes`),
  }),
  async (c) => {
    const body = await jsonBody(c);
    if (body instanceof Response) return body;
    const loaded = await loadedConfig(c);
    const mapped = mapConsulService(poolsOf(loaded), body);
    if ("issues" in mapped) {
      countRefusal("invalid");
      const text = mapped.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
      return jsonError(
        mapped.status,
        mapped.status === 404 ? "unknown_service" : "unsupported_field",
        `service registration rejected: ${text}`,
        {
          issues: mapped.issues,
        },
      );
    }
    const request = checkRegistrationRequest(mapped.request, (path) => CONSUL_FIELD[path.split(/[.[]/)[0] ?? ""] ?? path);
    if (request instanceof Response) return request;
    const secret = await consulSecret(c, request.id);
    const done = await runRegistration(c, request, { presented: secret, issue: secret });
    return done instanceof Response ? done : c.body(null, 200);
  },
);

consulWrites.put("/v1/agent/service/deregister/:id", async (c) => {
  const id = c.req.param("id");
  const scope = c.get("registerScope");
  try {
    const stub = originStateStub(c.env);
    const result = await stub.deregister(id, await removerFor(c, id), scope === undefined ? undefined : { perMinute: scope.ratePerMinute });
    if (result === "not_found") return unknownService(id);
    if (result !== "removed") return refused(result, { token: c.get("token"), origin: id });
    c.set("auditSummary", `${id} deregistered (Consul API)`);
    isolate.health.set(HealthSnapshotSchema.parse(await stub.snapshot()), Date.now());
    return c.body(null, 200);
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not remove the registration: ${errorMessage(error)}`);
  }
});

/** A heartbeat for `id`: the stored registration, registered again through the one code path. */
async function heartbeat(c: Context<AdminEnv>, id: string): Promise<Response> {
  const held = (await originStateStub(c.env).registrations()).find((r) => r.id === id);
  if (held === undefined) return unknownService(id);
  const { id: _, registeredAt, lastHeartbeat, registrant, policy, ...fields } = held;
  const request = RegistrationRequestSchema.parse({ id, ...fields });
  const secret = await consulSecret(c, id);
  const done = await runRegistration(c, request, { presented: secret, issue: secret });
  return done instanceof Response ? done : c.body(null, 200);
}

/** Out of rotation at once, until the next heartbeat. */
async function fail(c: Context<AdminEnv>, id: string): Promise<Response> {
  const scope = c.get("registerScope");
  try {
    const stub = originStateStub(c.env);
    const result = await stub.failRegistration(
      id,
      await removerFor(c, id),
      scope === undefined ? undefined : { perMinute: scope.ratePerMinute },
    );
    if (result === "not_found") return unknownService(id);
    if (result !== "failed") return refused(result, { token: c.get("token"), origin: id });
    c.set("auditSummary", `${id} check failed (Consul API)`);
    isolate.health.set(HealthSnapshotSchema.parse(await stub.snapshot()), Date.now());
    return c.body(null, 200);
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not record the failed check: ${errorMessage(error)}`);
  }
}

/** The service id of a check id, or the 404 naming it. */
function checkTarget(checkId: string): string | Response {
  return (
    serviceIdOfCheck(checkId) ??
    jsonError(404, "unknown_check", `Unknown check ID "${checkId}": Edgeway's checks are "service:<service id>"`)
  );
}

consulWrites.put("/v1/agent/check/:verb{pass|warn|fail}/:checkId", async (c) => {
  const id = checkTarget(c.req.param("checkId"));
  if (id instanceof Response) return id;
  return c.req.param("verb") === "fail" ? fail(c, id) : heartbeat(c, id);
});

const CheckUpdate = z.strictObject({ Status: z.enum(["passing", "warning", "critical"]), Output: z.string().max(4_096).optional() });

consulWrites.put("/v1/agent/check/update/:checkId", bodyLimit({ maxSize: MAX_REGISTRATION_BYTES }), async (c) => {
  const id = checkTarget(c.req.param("checkId"));
  if (id instanceof Response) return id;
  const body = await jsonBody(c);
  if (body instanceof Response) return body;
  const update = CheckUpdate.safeParse(body);
  if (!update.success) {
    const text = update.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`).join("; ");
    return jsonError(400, "invalid_check_update", `check update rejected: ${text}`);
  }
  return update.data.Status === "critical" ? fail(c, id) : heartbeat(c, id);
});

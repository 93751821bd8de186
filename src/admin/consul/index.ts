/**
 * The Consul-compatible registration surface: Consul's agent, health and catalog calls
 * over the same registration store and policy as /_edgeway/register, so a service using
 * a Consul client library can register with Edgeway unchanged (docs/registration.md, "Coming from
 * Consul"). Off unless EDGEWAY_CONSUL_API is "true"; when on, it answers only the exact
 * paths below. Every other /v1/ path, and these paths while it is off, stay data-plane
 * traffic to the configured routes: the surface can never shadow a route by accident.
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { EdgewayEnv } from "../../env.ts";
import { errorMessage } from "../../observe/log.ts";
import { adminAudit } from "../audit.ts";
import { adminAuth } from "../auth.ts";
import { jsonError } from "../errors.ts";
import type { AdminEnv } from "../openapi.ts";
import { consulReads } from "./read.ts";
import { consulWrites } from "./register.ts";

/** The paths the surface answers (method aside), once turned on. */
const CONSUL_PATH =
  /^\/v1\/(agent\/service\/register|agent\/service\/deregister\/[^/]+|agent\/check\/(pass|warn|fail|update)\/[^/]+|agent\/services|health\/service\/[^/]+|catalog\/service\/[^/]+)$/;

/** Whether the Consul surface is turned on (a deliberate switch: /v1/ is common in proxied APIs). */
export function consulSurfaceOn(env: EdgewayEnv): boolean {
  return env.EDGEWAY_CONSUL_API === "true";
}

/** Whether `path` is one the surface answers. */
export function isConsulPath(path: string): boolean {
  return CONSUL_PATH.test(path);
}

export const consul = new Hono<AdminEnv>();
consul.use("*", adminAuth());
consul.use("*", adminAudit());
consul.route("/", consulWrites);
consul.route("/", consulReads);
consul.all("*", (c) =>
  jsonError(
    405,
    "method_not_allowed",
    `${c.req.method} ${c.req.path}: the Consul-compatible surface answers PUT for changes and GET for reads`,
  ),
);
consul.onError((error, c) => {
  if (error instanceof HTTPException && error.status < 500)
    return jsonError(error.status, "bad_request", `${c.req.path}: ${error.message}`);
  return jsonError(500, "internal_error", `Edgeway failed to handle this Consul API request: ${errorMessage(error)}`);
});

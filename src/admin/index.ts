/**
 * The admin API under /_edgeway/: every route behind a token (src/admin/auth.ts), every
 * change audited (src/admin/audit.ts), every endpoint declared with its zod schemas and
 * served as an OpenAPI 3.1 document at /_edgeway/openapi.json.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { adminAuth } from "./auth.ts";
import { adminAudit } from "./audit.ts";
import type { AdminEnv } from "./openapi.ts";
import { configRoutes } from "./config-routes.ts";
import { originRoutes } from "./origin-routes.ts";
import { auditRoutes } from "./audit-routes.ts";
import { explainRoutes } from "./explain-route.ts";
import { healthRoutes } from "./health-routes.ts";
import { metricsRoute } from "./metrics-route.ts";
import { registerRoutes } from "./register-routes.ts";
import { rolloutRoutes } from "./rollout-routes.ts";
import { stagedRoutes } from "./staged-routes.ts";
import { statusRoute } from "./status-route.tsx";
import { jsonError } from "./errors.ts";
import { HTTPException } from "hono/http-exception";
import { errorMessage, log } from "../observe/log.ts";

export const ADMIN_PREFIX = "/_edgeway";

export const admin = new OpenAPIHono<AdminEnv>();
admin.use("*", adminAuth());
admin.use("*", adminAudit());
admin.route("/", configRoutes);
admin.route("/", originRoutes);
admin.route("/", healthRoutes);
admin.route("/", metricsRoute);
admin.route("/", registerRoutes);
admin.route("/", rolloutRoutes);
admin.route("/", stagedRoutes);
admin.route("/", auditRoutes);
admin.route("/", explainRoutes);
admin.route("/", statusRoute);

admin.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "ADMIN_TOKEN; ADMIN_READ_TOKEN for reads; REGISTER_TOKEN or a REGISTER_TOKENS token for /register only.",
});
admin.openAPIRegistry.registerComponent("securitySchemes", "basic", {
  type: "http",
  scheme: "basic",
  description: "Any user name; the token as the password (for browsers).",
});
admin.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "Edgeway admin API",
    version: "1",
    description:
      "Config, origin operations, health, explain, metrics and status of an Edgeway traffic manager. Paths are relative to /_edgeway.",
  },
  servers: [{ url: ADMIN_PREFIX }],
  security: [{ bearer: [] }, { basic: [] }],
});

// The prefix is reserved: an unknown admin path is a 404 here, never proxied to an origin.
admin.all("*", (c) => jsonError(404, "not_found", `no admin endpoint ${c.req.method} ${new URL(c.req.url).pathname}`));

// A body Hono could not parse (malformed JSON, wrong content type) is the caller's error: 4xx, named.
admin.onError((error, c) => {
  if (error instanceof HTTPException && error.status < 500) {
    const code = error.status === 415 ? "unsupported_media_type" : "bad_request";
    return jsonError(
      error.status,
      code,
      `${c.req.method} ${c.req.path}: ${error.message}${error.status === 415 ? " (send content-type: application/json)" : ""}`,
    );
  }
  log("error", "internal_error", {
    path: c.req.path,
    message: errorMessage(error),
    stack: error instanceof Error ? error.stack : undefined,
  });
  return jsonError(500, "internal_error", `Edgeway failed to handle this admin request: ${errorMessage(error)}`);
});

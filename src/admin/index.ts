/** The admin API under /_edgeway/: every route behind the bearer token. */
import { Hono } from "hono";
import type { EdgewayEnv } from "../env.ts";
import { adminAuth } from "./auth.ts";
import { configRoutes } from "./config-routes.ts";
import { healthRoutes } from "./health-routes.ts";
import { metricsRoute } from "./metrics-route.ts";
import { registerRoutes } from "./register-routes.ts";
import { jsonError } from "./errors.ts";

export const ADMIN_PREFIX = "/_edgeway";

export const admin = new Hono<{ Bindings: EdgewayEnv }>();
admin.use("*", adminAuth());
admin.route("/", configRoutes);
admin.route("/", healthRoutes);
admin.route("/", metricsRoute);
admin.route("/", registerRoutes);
// The prefix is reserved: an unknown admin path is a 404 here, never proxied to an origin.
admin.all("*", (c) => jsonError(404, "not_found", `no admin endpoint ${c.req.method} ${new URL(c.req.url).pathname}`));

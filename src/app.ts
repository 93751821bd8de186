/**
 * The Hono app: the admin API under the reserved /_edgeway/ prefix, and every other
 * request to the data plane. An unexpected error becomes a JSON 500 that says it came
 * from Edgeway, never a bare one.
 */
import { Hono } from "hono";
import type { EdgewayEnv } from "./env.ts";
import { admin, ADMIN_PREFIX } from "./admin/index.ts";
import { handleDataPlane } from "./data-plane.ts";
import { edgewayError } from "./proxy/errors.ts";
import { log } from "./observe/log.ts";

export const app = new Hono<{ Bindings: EdgewayEnv }>();

app.route(ADMIN_PREFIX, admin);
app.all("*", (c) => handleDataPlane(c.req.raw, c.env, c.executionCtx));

app.onError((error, c) => {
  log("error", "internal_error", { path: new URL(c.req.url).pathname, message: error.message, stack: error.stack });
  return edgewayError(500, "internal_error", `Edgeway failed to handle this request: ${error.message}`);
});

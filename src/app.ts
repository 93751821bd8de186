/**
 * The Hono app: the admin API under the reserved /_edgeway/ prefix, and every other
 * request to the data plane. An unexpected error becomes a JSON 500 that says it came
 * from Edgeway, never a bare one. (src/index.ts sends most data-plane requests straight
 * to the data plane, past the router: see `isDataPlaneFastPath`.)
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

/** The JSON 500 for an error nothing else handled, logged with the request's path. */
export function internalError(error: Error, request: Request): Response {
  log("error", "internal_error", { path: new URL(request.url).pathname, message: error.message, stack: error.stack });
  return edgewayError(500, "internal_error", `Edgeway failed to handle this request: ${error.message}`);
}

app.onError((error, c) => internalError(error, c.req.raw));

const UNDERSCORE = 95;
const PERCENT = 37;

/**
 * Whether the app would send this request to `handleDataPlane` and nothing else, so the
 * router can be skipped: its path cannot be (nor decode to) one under ADMIN_PREFIX, and
 * it is not a HEAD (which Hono serves as a GET without the body). Every path whose first
 * character after "/" is "_" or "%" goes through the router, as before.
 */
export function isDataPlaneFastPath(request: Request): boolean {
  if (request.method === "HEAD") return false;
  const url = request.url;
  const start = url.indexOf("/", url.indexOf(":") + 3);
  if (start < 0) return false;
  const first = url.charCodeAt(start + 1);
  return first !== UNDERSCORE && first !== PERCENT;
}

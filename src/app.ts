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
import { consul, consulSurfaceOn, isConsulPath } from "./admin/consul/index.ts";
import { CONSUL_PREFIX } from "./admin/auth.ts";
import { internalError } from "./request/errors.ts";

export const app = new Hono<{ Bindings: EdgewayEnv }>();

app.route(ADMIN_PREFIX, admin);
// The Consul-compatible surface takes its exact paths only when switched on; else they are traffic.
app.use(`${CONSUL_PREFIX}*`, async (c, next) => {
  if (consulSurfaceOn(c.env) && isConsulPath(c.req.path)) return consul.fetch(c.req.raw, c.env, c.executionCtx);
  await next();
});
app.all("*", (c) => handleDataPlane(c.req.raw, c.env, c.executionCtx));

app.onError((error, c) => internalError(error, c.req.raw));

const UNDERSCORE = 95;
const PERCENT = 37;
const LOWER_V = 118;

/**
 * Whether the app would send this request to `handleDataPlane` and nothing else, so the
 * router can be skipped: its path cannot be (nor decode to) one under ADMIN_PREFIX, and
 * it is not a HEAD (which Hono serves as a GET without the body). Every path whose first
 * character after "/" is "_", "%" or "v" (the Consul surface under /v1/) goes through the router.
 */
export function isDataPlaneFastPath(request: Request, url = request.url): boolean {
  if (request.method === "HEAD") return false;
  const start = url.indexOf("/", url.indexOf(":") + 3);
  if (start < 0) return false;
  const first = url.charCodeAt(start + 1);
  // "/v…" may be the Consul surface (CONSUL_PREFIX), which the router decides.
  return first !== UNDERSCORE && first !== PERCENT && first !== LOWER_V;
}

/**
 * Stage `affinity cookie` (routes with `affinity: { type: "cookie" }`): reads and checks
 * the signed pin cookie, and decides where the pinned origin stands (steering/affinity.ts):
 * usable, it takes the first try; unhealthy with `onFailure: "none"`, the request is
 * refused with 503. The cookie is (re)written after the response by pin-cookie.ts.
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { EdgewayEnv } from "../env.ts";
import { log } from "../observe/log.ts";
import { parseCookies } from "../routing/request-key.ts";
import { pinState } from "../steering/affinity.ts";
import { cookieSigningKey, DEFAULT_AFFINITY_COOKIE, verifyPin } from "../steering/affinity-cookie.ts";
import type { RequestContext } from "./stage.ts";
import { errorFor } from "./errors.ts";
import type { Stage } from "./stage.ts";

/** The stage, or undefined when the route has no cookie affinity. Without a signing key the route runs without it, said once. */
export function affinityCookieStage(route: CompiledRoute, env: EdgewayEnv): Stage | undefined {
  const affinity = route.source.affinity;
  if (affinity?.type !== "cookie") return undefined;
  const keyPromise = cookieSigningKey(env);
  if (keyPromise === undefined) {
    log("warn", "affinity_disabled", { route: route.id, reason: "no AFFINITY_KEY or ADMIN_TOKEN to sign cookies with" });
    return undefined;
  }
  const signingKey: Promise<CryptoKey> = keyPromise;
  const name = affinity.name ?? DEFAULT_AFFINITY_COOKIE;
  const strict = affinity.onFailure === "none";

  async function read(context: RequestContext): Promise<Response | undefined> {
    const key = await signingKey;
    const value = parseCookies(context.headers.get("cookie")).get(name);
    const pinned = value === undefined ? undefined : await verifyPin(key, route.id, value, Date.now());
    const state = pinState(context.route, pinned, context.live.view);
    context.pin = { key: key, name, pinned, state };
    if (state.kind === "unavailable" && strict) {
      context.steered = true;
      return errorFor(
        context,
        503,
        "affine_origin_unavailable",
        `the origin this session is pinned to ("${state.originId}") is unhealthy`,
        state.originId,
      );
    }
    // A drained origin keeps its pinned sessions' requests but gets no new WebSocket: a socket outlives the drain.
    if (state.kind === "usable" && !(context.websocket && state.selection.origin.weight === 0)) context.pinned = state.selection;
    return undefined;
  }

  return { name: "affinity cookie", run: read };
}

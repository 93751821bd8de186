/**
 * Stage `client`: who and where the client is, as steering sees it, and the colo whose
 * passive health and latency estimates the request reads and feeds. In production the
 * location is `request.cf`, read only when something asks (routing/client.ts
 * LazyCfClient); where EDGEWAY_DEBUG_HEADERS is "true" (local development and tests) the
 * plan holds the debug variant instead, which also reads the debug geo header and the
 * local colo variables, and answers 400 for a malformed header.
 */
import type { EdgewayEnv } from "../env.ts";
import { DebugGeoError, DEBUG_GEO_HEADER, LazyCfClient, parseDebugGeo } from "../routing/client.ts";
import type { ClientInfo } from "../routing/client.ts";
import { localColo } from "../routing/local-colo.ts";
import { passiveColo } from "../state/colo-view.ts";
import { errorFor } from "./errors.ts";
import type { Stage } from "./stage.ts";

/** Whether the debug geo header may stand in for request.cf (local dev and tests only). */
export function debugHeadersEnabled(env: Env): boolean {
  return env.EDGEWAY_DEBUG_HEADERS === "true";
}

/**
 * The client as steering sees it: request.cf, read only when something asks where the
 * client is, or, where allowed (EDGEWAY_DEBUG_HEADERS "true"), the debug geo header or
 * the worker's local colo variables (src/routing/local-colo.ts); `ip` stands in for cf-connecting-ip
 * when given. Throws DebugGeoError for a malformed debug header.
 */
export function clientOf(
  request: Request,
  env: EdgewayEnv,
  ip: string | undefined = request.headers.get("cf-connecting-ip") ?? undefined,
): ClientInfo {
  if (!debugHeadersEnabled(env)) return new LazyCfClient(request, ip);
  return debugClient(request, ip, request.headers.get(DEBUG_GEO_HEADER), localColo(env));
}

/**
 * Where debug headers are allowed: the debug geo header (`debug`, null when absent), else
 * the local colo variables (`local`), else request.cf. Throws DebugGeoError for a bad header.
 */
function debugClient(
  request: Request,
  ip: string | undefined,
  debug: string | null,
  local: Omit<ClientInfo, "ip"> | undefined,
): ClientInfo {
  if (debug !== null) return parseDebugGeo(debug, ip);
  // A local worker playing a colo (the many-colo harness); the header above still wins.
  return local === undefined ? new LazyCfClient(request, ip) : { ...local, ip };
}

/** Production: request.cf, lazily, and the connecting address. */
export const clientStage: Stage = {
  name: "client",
  run(context) {
    context.client = new LazyCfClient(context.request, context.headers.get("cf-connecting-ip") ?? undefined);
    context.colo = passiveColo(context.client);
    // Without EDGEWAY_DEBUG_HEADERS the debug geo header is a client's header like any other.
    context.debugGeoAbsent = true;
    return undefined;
  },
};

/**
 * Local development and tests: the debug geo header or the local colo variables (read once
 * here: a bad one answers every request with the 400 that names it) may stand in for request.cf.
 */
export function debugClientStage(env: EdgewayEnv): Stage {
  let local: Omit<ClientInfo, "ip"> | DebugGeoError | undefined;
  try {
    local = localColo(env);
  } catch (error) {
    if (!(error instanceof DebugGeoError)) throw error;
    local = error;
  }
  return {
    name: "client (debug geo)",
    run(context) {
      const { request, headers } = context;
      const ip = headers.get("cf-connecting-ip") ?? undefined;
      const debug = headers.get(DEBUG_GEO_HEADER);
      context.debugGeoAbsent = debug === null;
      try {
        if (debug === null && local instanceof DebugGeoError) throw local;
        context.client = debugClient(request, ip, debug, local instanceof DebugGeoError ? undefined : local);
      } catch (error) {
        if (error instanceof DebugGeoError) return errorFor(context, 400, "bad_debug_geo", error.message);
        throw error;
      }
      context.colo = passiveColo(context.client);
      return undefined;
    },
  };
}

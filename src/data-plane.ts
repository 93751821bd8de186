/**
 * The request path: match a route, read the client's location, steer, proxy, count.
 * Reads only the isolate's cached config and health snapshot; never awaits the Durable
 * Object for a warm isolate.
 */
import type { WaitUntil } from "./env.ts";
import { isolate, reportConfigProblem } from "./isolate.ts";
import { clientFromCf, DebugGeoError, DEBUG_GEO_HEADER, parseDebugGeo } from "./routing/client.ts";
import type { ClientInfo } from "./routing/client.ts";
import { selectOrigin } from "./steering/select.ts";
import { NO_SIGNALS } from "./steering/types.ts";
import { isHealthyIn } from "./state/snapshot-cache.ts";
import { ensureFreshHealth } from "./state/health-refresh.ts";
import { proxyRequest } from "./proxy/forward.ts";
import type { TryOutcome } from "./proxy/forward.ts";
import { edgewayError } from "./proxy/errors.ts";

/** Whether the debug geo header may stand in for request.cf (local dev and tests only). */
export function debugHeadersEnabled(env: Env): boolean {
  return env.EDGEWAY_DEBUG_HEADERS === "true";
}

/** The client as steering sees it; throws DebugGeoError for a malformed debug header. */
export function clientOf(request: Request, env: Env): ClientInfo {
  const ip = request.headers.get("cf-connecting-ip") ?? undefined;
  const debug = debugHeadersEnabled(env) ? request.headers.get(DEBUG_GEO_HEADER) : null;
  if (debug !== null) return parseDebugGeo(debug, ip);
  return clientFromCf(request.cf ?? null, ip);
}

function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

function countTry(routeId: string, outcome: TryOutcome): void {
  const { metrics } = isolate;
  const origin = outcome.selection.origin.id;
  metrics.inc("edgeway_origin_tries_total", "Tries sent to an origin, by how they ended.", { route: routeId, origin, outcome: outcome.kind });
  if (outcome.retried) metrics.inc("edgeway_retries_total", "Tries that failed and were retried on another origin.", { route: routeId, origin, reason: outcome.kind === "response" ? String(outcome.status) : outcome.kind });
}

/** Serves one proxied request. */
export async function handleDataPlane(request: Request, env: Env, ctx: WaitUntil): Promise<Response> {
  const loaded = await isolate.config.get(env.CONFIG, Date.now(), (p) => ctx.waitUntil(p), reportConfigProblem);
  if (loaded === undefined) {
    return edgewayError(503, "no_config", "Edgeway has no configuration: PUT a config document to /_edgeway/config");
  }
  const url = new URL(request.url);
  const route = loaded.compiled.table.match(url.host, url.pathname);
  if (route === undefined) {
    isolate.metrics.inc("edgeway_unmatched_requests_total", "Requests that matched no route (answered 404 by Edgeway).");
    return edgewayError(404, "no_route", `no route for ${url.hostname}${url.pathname}`);
  }

  let client: ClientInfo;
  try {
    client = clientOf(request, env);
  } catch (error) {
    if (error instanceof DebugGeoError) return edgewayError(400, "bad_debug_geo", error.message, route.id);
    throw error;
  }

  await ensureFreshHealth(env, ctx);
  const snapshot = isolate.health.current;
  const health = { isHealthy: (id: string) => isHealthyIn(snapshot, id) };
  const { response, last } = await proxyRequest({
    request,
    route,
    select: (exclude) => selectOrigin({ route, client, random: Math.random, memory: isolate.memory, health, exclude, signals: NO_SIGNALS, hashKey: () => undefined }),
    forwarded: { clientIp: client.ip, proto: url.protocol.slice(0, -1), host: url.host },
    now: Date.now,
    onTry: (outcome) => countTry(route.id, outcome),
  });
  isolate.metrics.inc("edgeway_requests_total", "Requests proxied, by route, pool, origin and status class.", {
    route: route.id,
    pool: last?.selection.pool.id ?? "none",
    origin: last?.selection.origin.id ?? "none",
    status_class: statusClass(response.status),
  });
  return response;
}

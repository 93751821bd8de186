/**
 * The request path: match a route, read the client's location, steer, proxy, count.
 * Reads only the isolate's cached config and health snapshot; never awaits the Durable
 * Object for a warm isolate.
 */
import type { EdgewayEnv, WaitUntil } from "./env.ts";
import { isolate, reportConfigProblem, retryBudget } from "./isolate.ts";
import { DebugGeoError, DEBUG_GEO_HEADER, LazyCfClient, parseDebugGeo } from "./routing/client.ts";
import type { ClientInfo } from "./routing/client.ts";
import { localColo } from "./routing/local-colo.ts";
import { DEFAULT_HASH_KEY, parseCookies, requestHashKey } from "./routing/request-key.ts";
import type { CompiledPool, CompiledRoute } from "./config/compile.ts";
import { pickForTry, selectOrigin } from "./steering/select.ts";
import type { SelectionCache } from "./steering/select.ts";
import type { HealthView } from "./steering/select.ts";
import type { SteeringSignals } from "./steering/types.ts";
import { LOCAL_COLO, recordTryLatency } from "./steering/latency-colo.ts";
import type { LatencyTracker } from "./steering/latency.ts";
import { pinState, shouldWritePin } from "./steering/affinity.ts";
import type { PinState } from "./steering/affinity.ts";
import { cookieSigningKey, DEFAULT_AFFINITY_COOKIE, signPin, verifyPin } from "./steering/affinity-cookie.ts";
import { DEFAULT_AFFINITY_HEADER } from "./steering/affinity.ts";
import { ensureFreshHealth, flushTrafficReport } from "./state/health-refresh.ts";
import { coloView, passiveColo, probeOnlyView } from "./state/colo-view.ts";
import type { ColoView } from "./state/colo-view.ts";
import { observeTry } from "./state/try-report.ts";
import { effectiveConfig } from "./discovery/effective-config.ts";
import { proxyRequest } from "./proxy/forward/index.ts";
import type { TryOutcome } from "./proxy/forward/index.ts";
import type { Selection } from "./steering/select.ts";
import { edgewayError as makeError } from "./proxy/errors.ts";
import { originExtras } from "./proxy/origin-extras.ts";
import { requestIdentity } from "./proxy/request-identity.ts";
import type { RequestIdentity } from "./proxy/request-identity.ts";
import { clientHandshakeHeaders } from "./proxy/websocket.ts";
import { openWebSocketSession } from "./proxy/websocket-session.ts";
import { REQUEST_ID_HEADER } from "./routing/request-id.ts";
import { isWebSocketUpgrade } from "./routing/upgrade.ts";
import { log } from "./observe/log.ts";
import { RequestMetrics } from "./observe/request-metrics.ts";
import type { RouteSeries } from "./observe/request-metrics.ts";
import { writeRequestDataPoint } from "./observe/analytics.ts";
import { recordLoadReport } from "./observe/load-reports.ts";

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
  const debug = request.headers.get(DEBUG_GEO_HEADER);
  if (debug !== null) return parseDebugGeo(debug, ip);
  // A local worker playing a colo (the many-colo harness); the header above still wins.
  const local = localColo(env);
  return local === undefined ? new LazyCfClient(request, ip) : { ...local, ip };
}

const outstandingOf = (key: string): number => isolate.outstanding.get(key);
/** The usual count in flight at dispatch, which latency steering's pile-up is measured against. */
const usualOf = (key: string): number => isolate.outstanding.usual(key);

/** A load-aware pool's live weights from this isolate's load reports (load-tracker.ts). */
const liveWeightsOf: NonNullable<SteeringSignals["liveWeights"]> = (pool) => isolate.load.weightsFor(pool, Date.now());

/**
 * The colo whose latency estimates (and passive health) a request reads and feeds: the
 * debug geo header's or local variables' `colo=` where allowed, else request.cf.colo read
 * once per isolate (state/colo-view.ts passiveColo: one rule for both).
 */
export const latencyColo = passiveColo;

/** This isolate's measurements from `colo`, as steering reads them (one object per colo, reused). */
function signalsFor(colo: string): SteeringSignals {
  return isolate.latency.signals(colo, outstandingOf, Date.now, liveWeightsOf, usualOf);
}

/** The request path's metric series, resolved once per compiled route, pool and origin. */
const requestMetrics = new RequestMetrics(isolate.metrics);

function trackKeys(outcome: { selection: { pool: CompiledPool; origin: { id: string } } }): string[] {
  return [outcome.selection.origin.id, outcome.selection.pool.key];
}

function recordTry(
  routeSeries: RouteSeries,
  outcome: TryOutcome,
  route: CompiledRoute,
  latency: LatencyTracker,
  identity: RequestIdentity,
  passive: ColoView,
): void {
  const keys = trackKeys(outcome);
  isolate.outstanding.finish(keys);
  const { pool } = outcome.selection;
  const origin = outcome.selection.origin.id;
  const series = routeSeries.path(pool, outcome.selection.origin);
  series.tries(outcome.kind).inc();
  if (outcome.loadReport !== null) recordLoadReport(pool, origin, outcome.loadReport, Date.now());
  if (outcome.hedge) series.hedges.inc();
  // A hedge that lost was cut short by Edgeway: it says nothing of the origin's latency or health.
  if (outcome.kind === "cancelled") return;
  series.latency.observe(outcome.durationMs / 1000);
  const ok = outcome.kind === "response" && (outcome.status ?? 500) < 500;
  const now = Date.now();
  recordTryLatency(latency, route, pool, origin, outcome.durationMs, ok, now);
  if (outcome.retried) series.retries(outcome.kind === "response" ? (outcome.status ?? 0) : outcome.kind).inc();
  if (outcome.selection.panic) series.panic.inc();
  const skippedBefore = passive.detector.skipped;
  const ejection = observeTry(passive.detector, passive.reporter, pool, origin, outcome.kind, outcome.status, now);
  if (ejection !== undefined) {
    series.ejections(ejection.kind).inc();
    log("warn", "origin_ejected", {
      origin,
      pool: pool.id,
      kind: ejection.kind,
      count: ejection.count,
      until: new Date(ejection.until).toISOString(),
      reason: ejection.reason,
      requestId: identity.requestId,
      traceId: identity.trace.traceId,
      colo: passive.colo,
    });
  } else if (passive.detector.skipped > skippedBefore) {
    series.ejectionsSkipped.inc();
  }
}

/**
 * Counts a request that reached steering in `edgeway_requests_total`, and writes its
 * Analytics Engine data point when the binding is configured (docs/analytics-engine.md).
 */
function countRequest(
  env: EdgewayEnv,
  route: CompiledRoute,
  client: ClientInfo,
  colo: () => string,
  response: Response,
  startedAt: number,
  last: TryOutcome | undefined,
  tries: number,
  retried: boolean,
): void {
  requestMetrics.route(route).path(last?.selection.pool, last?.selection.origin).requests(response.status).inc();
  if (env.ANALYTICS === undefined) return;
  const errorCode = response.headers.get("x-edgeway-error") ?? undefined;
  writeRequestDataPoint(env.ANALYTICS, {
    route: route.id,
    selection: last?.selection,
    client,
    colo: colo(),
    status: response.status,
    latencyMs: Date.now() - startedAt,
    tries,
    outcome: last?.kind,
    retried,
    errorCode,
  });
}

const warnedNoKey = new WeakSet<CompiledRoute>();

interface CookiePin {
  readonly key: CryptoKey;
  readonly name: string;
  readonly pinned: string | undefined;
  readonly state: PinState;
}

/** Reads and checks the route's affinity cookie; undefined when the route has no cookie affinity. */
async function readCookiePin(
  request: Request,
  route: CompiledRoute,
  env: EdgewayEnv,
  health: HealthView,
  identity: RequestIdentity,
): Promise<CookiePin | undefined> {
  const affinity = route.source.affinity;
  if (affinity?.type !== "cookie") return undefined;
  const keyPromise = cookieSigningKey(env);
  if (keyPromise === undefined) {
    // Once per route and isolate: this is a configuration problem, not a per-request event.
    if (!warnedNoKey.has(route)) {
      warnedNoKey.add(route);
      log("warn", "affinity_disabled", {
        route: route.id,
        reason: "no AFFINITY_KEY or ADMIN_TOKEN to sign cookies with",
        requestId: identity.requestId,
        traceId: identity.trace.traceId,
      });
    }
    return undefined;
  }
  const key = await keyPromise;
  const name = affinity.name ?? DEFAULT_AFFINITY_COOKIE;
  const value = parseCookies(request.headers.get("cookie")).get(name);
  const pinned = value === undefined ? undefined : await verifyPin(key, route.id, value, Date.now());
  return { key, name, pinned, state: pinState(route, pinned, health) };
}

/** The key header and ip affinity hash on, when the route asks for it. */
function affinityHashKey(request: Request, route: CompiledRoute, client: ClientInfo): string | undefined {
  const affinity = route.source.affinity;
  if (affinity?.type === "ip") return client.ip;
  if (affinity?.type === "header") return request.headers.get(affinity.name ?? DEFAULT_AFFINITY_HEADER) ?? undefined;
  return undefined;
}

/** An Edgeway error response with the request's id. */
function withRequestId(response: Response, identity: RequestIdentity): Response {
  response.headers.set(REQUEST_ID_HEADER, identity.requestId);
  return response;
}

/** Serves one proxied request; every response Edgeway makes carries the request's id. */
export async function handleDataPlane(request: Request, env: EdgewayEnv, ctx: WaitUntil): Promise<Response> {
  const startedAt = Date.now();
  const identity = requestIdentity(request.headers);
  const edgewayError = (status: number, code: string, message: string, route?: string, origin?: string): Response =>
    withRequestId(makeError(status, code, message, route, origin), identity);
  // A warm isolate has its config already: get() still runs (it schedules a stale refresh) but is not awaited.
  const pendingConfig = isolate.config.get(env.CONFIG, startedAt, (p) => ctx.waitUntil(p), reportConfigProblem);
  const loaded = isolate.config.current ?? (await pendingConfig);
  if (loaded === undefined) {
    const problem = isolate.config.lastProblem;
    if (problem !== undefined)
      return edgewayError(
        503,
        "config_unavailable",
        `Edgeway could not load its configuration (${problem.kind}: ${problem.message}) and has no earlier one to serve with`,
      );
    return edgewayError(503, "no_config", "Edgeway has no configuration: PUT a config document to /_edgeway/config");
  }
  const url = new URL(request.url);
  const { host, pathname } = url;
  let route = loaded.compiled.table.match(host, pathname);
  if (route === undefined) {
    requestMetrics.unmatched.inc();
    return edgewayError(404, "no_route", `no route for ${url.hostname}${pathname}`);
  }

  let client: ClientInfo;
  try {
    client = clientOf(request, env);
  } catch (error) {
    if (error instanceof DebugGeoError) return edgewayError(400, "bad_debug_geo", error.message, route.id);
    throw error;
  }

  const colo = (): string => client.colo ?? LOCAL_COLO;
  // One colo per request for passive health and latency: its tries judge origins and measure latency for that colo only.
  const measuredFrom = passiveColo(client);
  const signals = signalsFor(measuredFrom);
  const latencyTracker = isolate.latency.tracker(measuredFrom);
  const healthWait = ensureFreshHealth(env, ctx, colo, measuredFrom);
  if (healthWait !== undefined) await healthWait;
  const now = Date.now();
  // Self-registered origins join their pools: the same route, from the config that includes them.
  const compiled = effectiveConfig(loaded.compiled, isolate.health.current);
  if (compiled !== loaded.compiled) route = compiled.table.match(host, pathname) ?? route;
  const live = coloView(measuredFrom, now);
  const health = live.view;
  const websocket = isWebSocketUpgrade(request.method, request.headers);
  if (websocket && !route.source.websockets)
    return edgewayError(403, "websockets_disabled", `route "${route.id}" does not accept WebSocket upgrades (websockets: false)`, route.id);
  const affinity = route.source.affinity;
  const pin = affinity?.type === "cookie" ? await readCookiePin(request, route, env, health, identity) : undefined;
  if (pin?.state.kind === "unavailable" && affinity?.onFailure === "none") {
    const refused = edgewayError(
      503,
      "affine_origin_unavailable",
      `the origin this session is pinned to ("${pin.state.originId}") is unhealthy`,
      route.id,
      pin.state.originId,
    );
    countRequest(env, route, client, colo, refused, startedAt, undefined, 0, false);
    return refused;
  }
  const affinityKeyValue = affinityHashKey(request, route, client);
  const hashKey = (pool: CompiledPool): string | undefined =>
    affinityKeyValue ??
    (pool.source.steering === "hash" ? requestHashKey(request, pool.source.hash ?? DEFAULT_HASH_KEY, client.ip) : undefined);

  const steer = (exclude: ReadonlySet<string>, view: HealthView, viewCache: SelectionCache): Selection | undefined =>
    selectOrigin({
      route,
      client,
      random: Math.random,
      memory: isolate.memory,
      health: view,
      exclude,
      signals,
      hashKey,
      affinityKey: affinityKeyValue,
      affinityStrict: affinity?.onFailure === "none",
      cache: viewCache,
    });
  const retries = route.source.retries;
  const budget = retryBudget(route.id);
  budget.recordRequest(now);
  const routeSeries = requestMetrics.route(route);
  // A drained origin keeps its pinned sessions' requests but gets no new WebSocket: a socket outlives the drain.
  const pinned = pin?.state.kind === "usable" && !(websocket && pin.state.selection.origin.weight === 0) ? pin.state.selection : undefined;
  let retried = false;

  const proxied = await proxyRequest({
    request,
    url,
    route,
    select: (exclude) => {
      const pick = pickForTry(
        exclude,
        pinned,
        (ignoreEjections) => {
          const view = ignoreEjections ? probeOnlyView() : live;
          return steer(exclude, view.view, view.cache);
        },
        live.anyEjected,
      );
      if (pick?.ejectionOverride === true) routeSeries.ejectionOverridden.inc();
      return pick?.selection;
    },
    retryAllowed: () => budget.tryAcquire(Date.now(), retries.budgetPercent, retries.minRetriesPerSecond),
    forwarded: { clientIp: client.ip, proto: url.protocol.slice(0, -1), host },
    now: Date.now,
    onTryStart: (selection) => isolate.outstanding.start(trackKeys({ selection })),
    onTry: (outcome) => {
      if (outcome.retried) retried = true;
      recordTry(routeSeries, outcome, route, latencyTracker, identity, live);
    },
    identity,
    websocket,
    extras: (selection) => originExtras(selection.pool, selection.origin, env),
    // Affinity with onFailure "none" never moves a session to another origin, not even to retry.
    mayRetry: !(affinity?.onFailure === "none" && (pin?.state.kind === "usable" || affinityKeyValue !== undefined)),
  });

  const { last, retrySkipped, tries } = proxied;
  let { response, untouched } = proxied;
  if (websocket) {
    const socket = response.status === 101 ? response.webSocket : null;
    if (socket !== null && last !== undefined) {
      const headers = clientHandshakeHeaders(response.headers);
      if (route.source.exposeOrigin) headers.set("x-edgeway-origin", last.selection.origin.id);
      response = openWebSocketSession(
        socket,
        headers,
        trackKeys(last),
        isolate.outstanding,
        routeSeries.path(last.selection.pool, last.selection.origin),
      );
      untouched = false;
    } else {
      routeSeries.path(last?.selection.pool, last?.selection.origin).websocketFailures("handshake").inc();
    }
  }
  if (retrySkipped !== undefined) routeSeries.retriesSkipped(retrySkipped).inc();
  flushTrafficReport(env, ctx);

  const servedBy = last?.kind === "response" ? last.selection.origin.id : undefined;
  if (
    pin !== undefined &&
    affinity !== undefined &&
    shouldWritePin(affinity, pin.pinned, pin.state.kind, servedBy) &&
    servedBy !== undefined
  ) {
    const value = await signPin(pin.key, route.id, servedBy, Date.now(), affinity.ttlSeconds);
    const secure = url.protocol === "https:" ? "; Secure" : "";
    // The origin's own response has headers that cannot change: copy it to add the cookie.
    if (untouched) {
      response = new Response(response.body, response);
      untouched = false;
    }
    response.headers.append("set-cookie", `${pin.name}=${value}; Path=/; Max-Age=${affinity.ttlSeconds}; HttpOnly; SameSite=Lax${secure}`);
  }
  // exposeOrigin: false passes the origin's answer on as it came (no copy): the id reached the origin, which may echo it.
  if (!untouched) response.headers.set(REQUEST_ID_HEADER, identity.requestId);
  countRequest(env, route, client, colo, response, startedAt, last, tries, retried);
  return response;
}

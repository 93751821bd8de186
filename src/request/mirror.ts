/**
 * Stage `mirror` (routes with a RequestMirror filter, Gateway API HTTPRequestMirrorFilter):
 * for `percent` (or `fraction`) of requests, a copy goes to an origin of the mirror pool,
 * picked by that pool's own steering over the colo's live health, as the steer stage picks
 * in a pool. The copy is what the tries sent — the rewritten path and host, the edited
 * headers, the same x-request-id, a new span of the trace — plus `x-edgeway-mirror: <route
 * id>`. It is sent in `waitUntil` after the client's response is in hand, never awaited
 * by the client; its answer's body is cancelled unread; it is never retried, and nothing
 * it does can fail or delay the client's request. A body goes only when it was buffered
 * (≤ `retries.maxBodyBytes`: the forward stage buffers it on a route that mirrors);
 * otherwise the copy is skipped. Every copy is counted in
 * `edgeway_mirror_requests_total{route,pool,outcome}`. WebSocket handshakes are not mirrored.
 */
import type { CompiledConfig, CompiledPool, CompiledRoute } from "../config/compile.ts";
import type { RequestMirror } from "../config/filter-schema.ts";
import type { EdgewayEnv } from "../env.ts";
import { isolate } from "../isolate.ts";
import { log } from "../observe/log.ts";
import type { CounterSeries } from "../observe/metrics.ts";
import type { MirrorOutcome } from "../observe/request-metrics.ts";
import { routeExtras } from "../proxy/route-extras.ts";
import { discardBody, startTry } from "../proxy/try-origin.ts";
import type { TryResult } from "../proxy/try-origin.ts";
import { dressTry } from "../proxy/try-dress.ts";
import { DEFAULT_HASH_KEY, requestHashKey } from "../routing/request-key.ts";
import { selectInOrder } from "../steering/select.ts";
import type { Selection } from "../steering/select.ts";
import { requestMetrics } from "./series.ts";
import type { RequestContext, Stage } from "./stage.ts";

/** The header that marks a copy as a mirror's, naming the route. */
export const MIRROR_HEADER = "x-edgeway-mirror";

/** The share of requests a mirror copies, 0–1: `percent`/100, else numerator/denominator, else all. */
export function mirrorShare(mirror: RequestMirror): number {
  if (mirror.percent !== undefined) return mirror.percent / 100;
  if (mirror.fraction !== undefined) return mirror.fraction.numerator / mirror.fraction.denominator;
  return 1;
}

/** How a mirror's copy ended, from its one try. */
export function mirrorOutcome(result: TryResult): MirrorOutcome {
  return result.kind === "response" && result.status < 500 ? "sent" : "failed";
}

/** The route's RequestMirror filters that copy any request at all. */
export function mirrorsOf(route: CompiledRoute): RequestMirror[] {
  const mirrors: RequestMirror[] = [];
  for (const filter of route.source.filters ?? [])
    if (filter.type === "RequestMirror" && mirrorShare(filter.requestMirror) > 0) mirrors.push(filter.requestMirror);
  return mirrors;
}

/** The stage, or undefined when the route mirrors nothing. */
export function mirrorStage(route: CompiledRoute, env: EdgewayEnv): Stage | undefined {
  const mirrors = mirrorsOf(route);
  if (mirrors.length === 0) return undefined;
  const series = requestMetrics.route(route);
  // A mirror's pool is none of the route's: its poolFilters do not apply, the rewritten host does.
  const extras = routeExtras(route, env, false);
  // Selection in the mirror pool alone: the route's fallback pool is not the mirror's.
  const alone: CompiledRoute = { ...route, fallback: undefined };
  const timeoutMs = route.source.retries.perTryTimeoutMs ?? route.source.timeoutMs;
  const prepared = mirrors.map((m) => ({ pool: m.pool, share: mirrorShare(m), count: series.mirrors(m.pool) }));

  function pick(context: RequestContext, pool: CompiledPool): Selection | undefined {
    const { request, client, live } = context;
    return selectInOrder([pool], {
      route: alone,
      client,
      random: Math.random,
      memory: isolate.memory,
      health: live.view,
      exclude: EMPTY,
      signals: context.signals,
      hashKey: (p) => (p.source.steering === "hash" ? requestHashKey(request, p.source.hash ?? DEFAULT_HASH_KEY, client.ip) : undefined),
      cache: live.cache,
    });
  }

  function send(context: RequestContext, pool: CompiledPool | undefined, count: (outcome: MirrorOutcome) => CounterSeries): void {
    const headers = context.sentHeaders;
    const body = context.sentBody;
    if (headers === undefined || body === undefined) {
      count("skipped_body").inc();
      return;
    }
    const selection = pool === undefined ? undefined : pick(context, pool);
    if (selection === undefined) {
      count("skipped_no_origin").inc();
      return;
    }
    const { origin } = selection;
    // The client's tries are all sent: their shared headers are the mirror's now.
    headers.set(MIRROR_HEADER, route.id);
    const dressed = dressTry(headers, origin.base, context.url, extras(selection), context.identity.trace, context.originPath);
    isolate.outstanding.startTry(origin.id, selection.pool.key);
    const copy = startTry(
      selection,
      false,
      Date.now(),
      { method: context.method, headers, body },
      dressed.url,
      dressed.fetcher,
      dressed.cf,
      timeoutMs,
    );
    dressed.undo?.();
    context.ctx.waitUntil(
      copy.result.then((result) => {
        isolate.outstanding.finishTry(origin.id, selection.pool.key);
        if (result.kind === "response") discardBody(result.response);
        count(mirrorOutcome(result)).inc();
      }),
    );
  }

  return {
    name: "mirror",
    run(context) {
      if (context.websocket) return undefined;
      for (const mirror of prepared) {
        if (mirror.share < 1 && Math.random() >= mirror.share) continue;
        try {
          send(context, poolIn(context.matchedIn, mirror.pool), mirror.count);
        } catch (error) {
          // Never the client's problem: counted and said.
          mirror.count("failed").inc();
          log("warn", "mirror_failed", { route: route.id, pool: mirror.pool, requestId: context.identity.requestId, error: String(error) });
        }
      }
      return undefined;
    },
  };
}

const EMPTY: ReadonlySet<string> = new Set();

function poolIn(config: CompiledConfig, id: string): CompiledPool | undefined {
  return config.pools.get(id);
}

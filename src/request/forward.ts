/**
 * Stage `forward`: sends the request to the origins steering picks, retrying and hedging
 * as the route allows (proxy/forward/), and keeps every try's outcome for the record
 * stage. Requests in flight are counted from a try's start to its end, at once, because
 * the next pick reads them; everything else a try teaches is folded in after the response.
 * What the filter stages before it prepared goes with every try: the rewritten path and
 * host, the route's request header edits, the pool's edits (proxy/route-extras.ts); on a
 * route that mirrors, the body is buffered (up to the replay limit) so the mirror can send it too.
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { EdgewayEnv } from "../env.ts";
import { isolate, retryBudget } from "../isolate.ts";
import { proxyRequestThen } from "../proxy/forward/index.ts";
import type { ProxyResult, TryOutcome } from "../proxy/forward/index.ts";
import { routeExtras } from "../proxy/route-extras.ts";
import type { Selection } from "../steering/select.ts";
import type { RequestContext, Stage } from "./stage.ts";

export function forwardStage(route: CompiledRoute, env: EdgewayEnv): Stage {
  const { retries, forwarded: rfc7239 } = route.source;
  const budget = retryBudget(route.id);
  const retryAllowed = (): boolean => budget.tryAcquire(Date.now(), retries.budgetPercent, retries.minRetriesPerSecond);
  const extras = routeExtras(route, env);
  const mirrors = route.source.filters?.some((f) => f.type === "RequestMirror") === true;
  const onTryStart = (selection: Selection): void => isolate.outstanding.startTry(selection.origin.id, selection.pool.key);
  // Affinity with onFailure "none" never moves a session to another origin, not even to retry.
  const strictAffinity = route.source.affinity?.onFailure === "none";

  function settled(context: RequestContext, proxied: ProxyResult): undefined {
    context.response = proxied.response;
    context.untouched = proxied.untouched;
    context.last = proxied.last;
    context.sent = proxied.tries;
    context.retrySkipped = proxied.retrySkipped;
    context.sentHeaders = proxied.headers;
    context.sentBody = proxied.body;
    return undefined;
  }

  return {
    name: "forward",
    run(context) {
      const { request, identity, tries } = context;
      const onTry = (outcome: TryOutcome): void => {
        isolate.outstanding.finishTry(outcome.selection.origin.id, outcome.selection.pool.key);
        if (outcome.retried) context.retried = true;
        tries.push(outcome);
      };
      return proxyRequestThen(
        {
          request,
          method: context.method,
          headers: context.headers,
          url: context.url,
          route,
          select: context.select,
          retryAllowed,
          forwarded: {
            clientIp: context.client.ip,
            proto: context.proto,
            host: context.host,
            rfc7239,
            absent: { upgrade: context.upgradeAbsent, debugGeo: context.debugGeoAbsent },
          },
          now: Date.now,
          onTryStart,
          onTry,
          identity,
          websocket: context.websocket,
          extras,
          path: context.originPath,
          requestEdits: context.requestEdits,
          bufferBody: mirrors,
          mayRetry: !(strictAffinity && (context.pin?.state.kind === "usable" || context.affinityKey !== undefined)),
        },
        (proxied) => settled(context, proxied),
      );
    },
  };
}

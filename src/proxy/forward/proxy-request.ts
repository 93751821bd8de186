/**
 * Forwards a request to the origin steering picks, and retries on the next origin when
 * the try fails in a way the route retries on (`retries.on`: connect failures, timeouts,
 * status codes or classes), for the methods the route allows (`retries.methods`, by
 * default the idempotent ones, RFC 9110 §9.2.2), within the route's deadline and the
 * retry budget the caller keeps. A GET or HEAD on a route with `hedge` also races a
 * second try when the first is slow. Timeouts bound the wait for response headers; the
 * body then streams.
 */
import { edgewayError } from "../errors.ts";
import { plan } from "./plan.ts";
import { RequestTries } from "./request-tries.ts";
import { respond } from "./respond.ts";
import { retryPolicy } from "./retry-policy.ts";
import { onSettled, race } from "./try-loop.ts";
import type { Plan } from "./plan.ts";
import type { RetryPolicy } from "./retry-policy.ts";
import type { ProxyInput, ProxyResult } from "./types.ts";

const asIs = (result: ProxyResult): ProxyResult => result;

/** Proxies the request, retrying (and hedging) as the route allows; always returns a response. */
export function proxyRequest(input: ProxyInput): Promise<ProxyResult> {
  return proxyRequestThen(input, asIs);
}

/**
 * proxyRequest, handing the result to `finish` in the same step that makes it (the request
 * path's forward stage records it there: no further promise to wait for).
 */
export function proxyRequestThen<R>(input: ProxyInput, finish: (result: ProxyResult) => R): Promise<R> {
  const started = input.now();
  const policy = retryPolicy(input.route);
  const method = input.method ?? input.request.method;
  const pending = plan(input, policy, method);
  // No body to read first (most requests): no await before the first try.
  if (pending instanceof Promise) return pending.then((planned) => tryAll(input, policy, method, planned, started, finish));
  return tryAll(input, policy, method, pending, started, finish);
}

function tryAll<R>(
  input: ProxyInput,
  policy: RetryPolicy,
  method: string,
  planned: Plan,
  started: number,
  finish: (result: ProxyResult) => R,
): Promise<R> {
  const { route } = input;
  const tries = new RequestTries(input, started + route.source.timeoutMs, method, planned.body);
  const first = input.select(tries.tried);
  if (first === undefined) {
    return Promise.resolve(
      finish({
        response: edgewayError(503, "no_healthy_origin", `no healthy origin for route "${route.id}"`, route.id),
        last: undefined,
        tries: 0,
        hedged: false,
        retrySkipped: undefined,
        untouched: false,
        headers: tries.headers,
        body: tries.buffered,
      }),
    );
  }
  tries.launch(first, false);
  if (planned.hedgeDelay !== undefined && planned.maxTries >= 2)
    return race(tries, policy, planned).then((final) => finish(respond(input, tries, final, started)));
  // No hedge: one try at a time, each followed by the next only when it failed, with no race to set up.
  const next = (): Promise<R> => {
    const origin = tries.only();
    return origin.result.then((result) => {
      const final = onSettled(tries, policy, planned, origin, result);
      return final === undefined ? next() : finish(respond(input, tries, final, started));
    });
  };
  return next();
}

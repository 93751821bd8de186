/** Response shaping: the client's response for the try that decided the request — the origin's, edited or as it came, or Edgeway's 502 or 504. */
import { edgewayError } from "../errors.ts";
import { hasHopByHopToStrip, hasLoadReport, stripHopByHopForClient, stripLoadReport } from "../headers.ts";
import type { RequestTries } from "./request-tries.ts";
import type { Final } from "./try-loop.ts";
import type { ProxyInput, ProxyResult, RetrySkip } from "./types.ts";

const SKIP_REASONS: Readonly<Record<RetrySkip, (method: string) => string>> = {
  budget: () => "the route's retry budget is spent",
  "body-too-large": () => "the request body is larger than retries.maxBodyBytes",
  method: (method) => `retries.methods does not include ${method}`,
};

/** The client's response for the try that decided the request. */
export function respond(input: ProxyInput, tries: RequestTries, final: Final, started: number): ProxyResult {
  const { route, now } = input;
  const { outcome, response, retrySkipped } = final;
  const { sent } = tries;
  const origin = outcome.selection.origin.id;
  if (response === undefined) {
    const why = retrySkipped === undefined ? "" : ` (not retried: ${SKIP_REASONS[retrySkipped](input.request.method)})`;
    const error =
      outcome.kind === "timeout"
        ? edgewayError(504, "origin_timeout", `origin "${origin}" did not answer in time${why}`, route.id, origin)
        : edgewayError(502, "origin_unreachable", `could not connect to origin "${origin}"${why}`, route.id, origin);
    if (retrySkipped !== undefined) error.headers.set("x-edgeway-retry-skipped", retrySkipped);
    return result(tries, final, error, false);
  }
  // With nothing to add and nothing to strip, the origin's response goes out as it came:
  // a copy to edit costs more than the rest of the request path (bench/README.md).
  // A WebSocket's 101 carries the socket: the caller relays it; a copy would lose it.
  if (
    outcome.status === 101 ||
    (!route.source.exposeOrigin && retrySkipped === undefined && !hasHopByHopToStrip(response.headers) && !hasLoadReport(response.headers))
  ) {
    return result(tries, final, response, true);
  }
  // The upstream response as init copies its status, status text and headers in one call;
  // the copy's headers are this response's own, so they are edited in place.
  const client = new Response(response.body, response);
  const out = client.headers;
  // Read the origin's headers as they came, edit the copy only where something is there.
  const upstream = response.headers;
  stripHopByHopForClient(out, upstream);
  stripLoadReport(out, upstream);
  if (route.source.exposeOrigin) {
    out.set("x-edgeway-origin", origin);
    const timing = `edgeway;dur=${now() - started}, origin;dur=${outcome.durationMs};desc="${origin}"`;
    // Server-Timing is a list (RFC 9110 §5.3): a field line of its own joins the origin's.
    out.append("server-timing", timing);
    if (sent > 1) out.set("x-edgeway-tries", String(sent));
  }
  if (retrySkipped !== undefined) out.set("x-edgeway-retry-skipped", retrySkipped);
  return result(tries, final, client, false);
}

/** The result for the client's response and the try that decided it. */
function result(tries: RequestTries, final: Final, response: Response, untouched: boolean): ProxyResult {
  return {
    response,
    last: final.outcome,
    tries: tries.sent,
    hedged: tries.hedged,
    retrySkipped: final.retrySkipped,
    untouched,
    headers: tries.headers,
    body: tries.buffered,
  };
}

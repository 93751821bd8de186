/**
 * Forwards a request to the origin steering picks, and retries on the next origin when
 * the try fails in a way the route retries on (by default a connect failure, a timeout
 * or 502/503/504), for idempotent methods only (RFC 9110 §9.2.2), within the route's
 * deadline. Timeouts bound the wait for response headers; the body then streams.
 */
import type { CompiledRoute } from "../config/compile.ts";

import type { Selection } from "../steering/select.ts";
import { clientResponseHeaders, originRequestHeaders } from "./headers.ts";
import type { ForwardedFor } from "./headers.ts";
import { edgewayError } from "./errors.ts";
import { originUrl } from "./origin-url.ts";

/** RFC 9110 §9.2.2 idempotent methods (TRACE is never proxied to a retry). */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** Request bodies up to this size are buffered so a retry can send them again. */
export const MAX_REPLAY_BODY_BYTES = 1_048_576;

/** How one try ended. */
export type TryKind = "response" | "connect-failure" | "timeout";

export interface TryOutcome {
  readonly selection: Selection;
  readonly kind: TryKind;
  readonly status: number | undefined;
  readonly durationMs: number;
  /** Whether another try followed this one. */
  readonly retried: boolean;
}

export interface ProxyInput {
  readonly request: Request;
  readonly route: CompiledRoute;
  /** The next origin to try, given those tried so far. */
  readonly select: (exclude: ReadonlySet<string>) => Selection | undefined;
  readonly forwarded: ForwardedFor;
  readonly now: () => number;
  /** Hears a try as it is sent (to count requests in flight). */
  readonly onTryStart: (selection: Selection) => void;
  /** Hears how every try ended, for metrics, latency estimates and outlier detection. */
  readonly onTry: (outcome: TryOutcome) => void;
  /** False forbids retries whatever the route says (affinity with onFailure "none"). */
  readonly mayRetry: boolean;
}

function retryCondition(kind: TryKind, status: number | undefined): string | undefined {
  if (kind === "connect-failure" || kind === "timeout") return kind;
  if (status === 502 || status === 503 || status === 504) return String(status);
  return undefined;
}

/** Reads the body once when it may be needed again; undefined when it cannot be replayed. */
async function replayableBody(request: Request): Promise<{ body: ArrayBuffer | null } | undefined> {
  if (request.body === null) return { body: null };
  const length = Number(request.headers.get("content-length") ?? Number.NaN);
  if (!Number.isFinite(length) || length > MAX_REPLAY_BODY_BYTES) return undefined;
  return { body: await request.arrayBuffer() };
}

async function fetchWithTimeout(url: string, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no response within ${timeoutMs} ms`, "TimeoutError")), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    // Headers are in: the body streams without this deadline.
    clearTimeout(timer);
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof DOMException && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** The response for the client and the try that produced it (none when no origin could be picked). */
export interface ProxyResult {
  readonly response: Response;
  readonly last: TryOutcome | undefined;
  readonly tries: number;
}

/** Proxies the request, retrying as the route allows; always returns a response. */
export async function proxyRequest(input: ProxyInput): Promise<ProxyResult> {
  const { request, route, now } = input;
  const started = now();
  const deadline = started + route.source.timeoutMs;
  const retries = route.source.retries;
  const url = new URL(request.url);

  const replay = input.mayRetry && IDEMPOTENT.has(request.method) && retries.attempts > 0 ? await replayableBody(request) : undefined;
  const maxTries = replay === undefined ? 1 : 1 + retries.attempts;
  const headers = originRequestHeaders(request.headers, input.forwarded);
  const tried = new Set<string>();
  let last: { outcome: TryOutcome; response?: Response } | undefined;

  for (let attempt = 0; attempt < maxTries; attempt++) {
    const remaining = deadline - now();
    if (remaining <= 0) break;
    const selection = input.select(tried);
    if (selection === undefined) break;
    tried.add(selection.origin.id);
    const perTry = Math.min(retries.perTryTimeoutMs ?? route.source.timeoutMs, remaining);
    const tryStart = now();
    input.onTryStart(selection);
    let response: Response | undefined;
    let kind: TryKind = "response";
    try {
      response = await fetchWithTimeout(
        originUrl(selection.origin.base, url),
        { method: request.method, headers, body: replay === undefined ? request.body : replay.body, redirect: "manual" },
        perTry,
      );
    } catch (error) {
      kind = isTimeout(error) ? "timeout" : "connect-failure";
    }
    const condition = retryCondition(kind, response?.status);
    const willRetry = condition !== undefined && retries.on.includes(condition) && attempt + 1 < maxTries && deadline - now() > 0;
    const outcome: TryOutcome = { selection, kind, status: response?.status, durationMs: now() - tryStart, retried: willRetry };
    input.onTry(outcome);
    if (willRetry) {
      await response?.body?.cancel();
      last = { outcome };
      continue;
    }
    last = response === undefined ? { outcome } : { outcome, response };
    break;
  }

  if (last === undefined) {
    return { response: edgewayError(503, "no_healthy_origin", `no healthy origin for route "${route.id}"`, route.id), last: undefined, tries: 0 };
  }
  const { outcome, response } = last;
  if (response === undefined) {
    const origin = outcome.selection.origin.id;
    const error =
      outcome.kind === "timeout"
        ? edgewayError(504, "origin_timeout", `origin "${origin}" did not answer in time`, route.id, origin)
        : edgewayError(502, "origin_unreachable", `could not connect to origin "${origin}"`, route.id, origin);
    return { response: error, last: outcome, tries: tried.size };
  }
  const out = clientResponseHeaders(response.headers);
  if (route.source.exposeOrigin) {
    out.set("x-edgeway-origin", outcome.selection.origin.id);
    const timing = `edgeway;dur=${now() - started}, origin;dur=${outcome.durationMs};desc="${outcome.selection.origin.id}"`;
    const prior = out.get("server-timing");
    out.set("server-timing", prior === null ? timing : `${prior}, ${timing}`);
    if (tried.size > 1) out.set("x-edgeway-tries", String(tried.size));
  }
  return { response: new Response(response.body, { status: response.status, statusText: response.statusText, headers: out }), last: outcome, tries: tried.size };
}

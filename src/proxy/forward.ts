/**
 * Forwards a request to the origin steering picks, and retries on the next origin when
 * the try fails in a way the route retries on (`retries.on`: connect failures, timeouts,
 * status codes or classes), for the methods the route allows (`retries.methods`, by
 * default the idempotent ones, RFC 9110 §9.2.2), within the route's deadline and the
 * retry budget the caller keeps. A GET or HEAD on a route with `hedge` also races a
 * second try when the first is slow. Timeouts bound the wait for response headers; the
 * body then streams.
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { Selection } from "../steering/select.ts";
import { hasHopByHopToStrip, originRequestHeaders, stripHopByHop } from "./headers.ts";
import type { ForwardedFor } from "./headers.ts";
import { edgewayError } from "./errors.ts";
import { originUrl } from "../config/origin-url.ts";
import { prepareBody } from "./replay-body.ts";
import type { PreparedBody } from "./replay-body.ts";
import { discardBody, startTry } from "./try-origin.ts";
import type { OriginTry, TryKind, TryRequest, TryResult } from "./try-origin.ts";

export type { TryKind } from "./try-origin.ts";

export interface TryOutcome {
  readonly selection: Selection;
  readonly kind: TryKind;
  readonly status: number | undefined;
  readonly durationMs: number;
  /** Whether another try followed because this one failed. */
  readonly retried: boolean;
  /** True for a try started as a hedge while the first try was still running. */
  readonly hedge: boolean;
}

export interface ProxyInput {
  readonly request: Request;
  /** `request.url`, parsed once by the caller (route matching needed it already). */
  readonly url: URL;
  readonly route: CompiledRoute;
  /** The next origin to try, given those tried so far. */
  readonly select: (exclude: ReadonlySet<string>) => Selection | undefined;
  readonly forwarded: ForwardedFor;
  readonly now: () => number;
  /** Hears a try as it is sent (to count requests in flight). */
  readonly onTryStart: (selection: Selection) => void;
  /** Hears how every try ended, for metrics, latency estimates and outlier detection. */
  readonly onTry: (outcome: TryOutcome) => void;
  /** False forbids retries and hedges whatever the route says (affinity with onFailure "none"). */
  readonly mayRetry: boolean;
  /** Asked before every retry and every hedge (the route's retry budget); true counts it as spent. */
  readonly retryAllowed: () => boolean;
}

/** Why a retryable failure reached the client without a retry. */
export type RetrySkip = "budget" | "body-too-large" | "method";

/** The response for the client and the try that produced it (none when no origin could be picked). */
export interface ProxyResult {
  readonly response: Response;
  readonly last: TryOutcome | undefined;
  /** Tries actually sent, hedges and cancelled ones included. */
  readonly tries: number;
  /** Whether a hedge was sent. */
  readonly hedged: boolean;
  /** Why a retryable failure was not retried; undefined when nothing was skipped. */
  readonly retrySkipped: RetrySkip | undefined;
  /**
   * True when `response` is the origin's own, passed on as it came (a route with
   * `exposeOrigin: false` and nothing to strip): its headers cannot be changed, so a caller
   * that adds one makes a copy first.
   */
  readonly untouched: boolean;
}

const SKIP_REASONS: Readonly<Record<RetrySkip, (method: string) => string>> = {
  budget: () => "the route's retry budget is spent",
  "body-too-large": () => "the request body is larger than retries.maxBodyBytes",
  method: (method) => `retries.methods does not include ${method}`,
};

/** A route's `retries` settings in the shape a try is checked against, built once per compiled route. */
interface RetryPolicy {
  readonly onConnectFailure: boolean;
  readonly onTimeout: boolean;
  /** Indexed by status code: 1 when `on` lists the code or its class. */
  readonly onStatus: Uint8Array;
  readonly methods: ReadonlySet<string>;
}

const policies = new WeakMap<CompiledRoute, RetryPolicy>();

function retryPolicy(route: CompiledRoute): RetryPolicy {
  let policy = policies.get(route);
  if (policy === undefined) {
    const { on, methods } = route.source.retries;
    const onStatus = new Uint8Array(600);
    for (const condition of on) {
      if (condition.endsWith("xx")) {
        const first = Number(condition[0]) * 100;
        onStatus.fill(1, first, first + 100);
      } else if (/^\d{3}$/.test(condition)) {
        onStatus[Number(condition)] = 1;
      }
    }
    policy = { onConnectFailure: on.includes("connect-failure"), onTimeout: on.includes("timeout"), onStatus, methods: new Set(methods) };
    policies.set(route, policy);
  }
  return policy;
}

function isRetryable(policy: RetryPolicy, result: TryResult): boolean {
  switch (result.kind) {
    case "response":
      return policy.onStatus[result.status] === 1;
    case "connect-failure":
      return policy.onConnectFailure;
    case "timeout":
      return policy.onTimeout;
    case "cancelled":
      return false;
  }
}

/** A timer as a promise that can be called off. */
function delay(ms: number): { readonly fired: Promise<"hedge">; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fired = new Promise<"hedge">((resolve) => {
    timer = setTimeout(() => resolve("hedge"), ms);
  });
  return { fired, clear: () => clearTimeout(timer) };
}

/** The try that decided the request, and its response (none for a connect failure or timeout). */
interface Final {
  readonly outcome: TryOutcome;
  readonly response: Response | undefined;
  /** Why this try, a retryable failure, was not retried. */
  readonly retrySkipped?: RetrySkip | undefined;
}

/** The state of one client request across its tries. */
class RequestTries {
  readonly tried = new Set<string>();
  readonly running: OriginTry[] = [];
  sent = 0;
  hedged = false;
  readonly #input: ProxyInput;
  readonly #deadline: number;
  readonly #request: Omit<TryRequest, "url">;
  readonly #url: URL;

  constructor(input: ProxyInput, deadline: number, method: string, body: TryRequest["body"]) {
    this.#input = input;
    this.#deadline = deadline;
    this.#url = input.url;
    this.#request = { method, headers: originRequestHeaders(input.request.headers, input.forwarded), body };
  }

  remaining(): number {
    return this.#deadline - this.#input.now();
  }

  launch(selection: Selection, hedge: boolean): void {
    const { route } = this.#input;
    this.tried.add(selection.origin.id);
    this.sent++;
    const now = this.#input.now();
    const perTry = Math.min(route.source.retries.perTryTimeoutMs ?? route.source.timeoutMs, this.#deadline - now);
    this.#input.onTryStart(selection);
    this.running.push(startTry(selection, hedge, now, { ...this.#request, url: originUrl(selection.origin.base, this.#url) }, perTry));
  }

  /** The one try running when tries run one at a time (no hedge). */
  only(): OriginTry {
    const origin = this.running[0];
    if (origin === undefined || this.running.length !== 1) throw new Error("expected exactly one try in flight");
    return origin;
  }

  /** Reports how a try ended and drops it from the running ones. */
  settle(origin: OriginTry, result: TryResult, retried: boolean): TryOutcome {
    const index = this.running.indexOf(origin);
    if (index >= 0) this.running.splice(index, 1);
    const outcome: TryOutcome = {
      selection: origin.selection,
      kind: result.kind,
      status: result.kind === "response" ? result.status : undefined,
      durationMs: this.#input.now() - origin.startedAt,
      retried,
      hedge: origin.hedge,
    };
    this.#input.onTry(outcome);
    return outcome;
  }

  /** Aborts every try still running (a try won) and reports each as cancelled. */
  cancelRunning(): void {
    for (const origin of [...this.running]) {
      origin.cancel();
      // A response that came in just before the abort still holds a connection: let it go.
      void origin.result.then((result) => {
        if (result.kind === "response") discardBody(result.response);
      });
      this.settle(origin, { kind: "cancelled" }, false);
    }
  }

  /** The next origin for a retry or hedge, when the deadline, steering and budget allow one. */
  next(): Selection | "budget" | undefined {
    if (this.remaining() <= 0) return undefined;
    const selection = this.#input.select(this.tried);
    // Steering first: a budget token spent when there is no other origin buys nothing.
    if (selection === undefined) return undefined;
    return this.#input.retryAllowed() ? selection : "budget";
  }
}

/** What a request may do beyond its first try, decided once its body is prepared. */
interface Plan {
  readonly body: TryRequest["body"];
  /** 1 + retries.attempts when a retry may follow, else 1. */
  readonly maxTries: number;
  /** Why a retryable failure will not be retried whatever happens (method or body), if so. */
  readonly cannotRetry: RetrySkip | undefined;
  /** When to hedge the first try; undefined: no hedge. */
  readonly hedgeDelay: number | undefined;
}

/** The plan; a promise only when a body has to be read first (no body: no await). */
function plan(input: ProxyInput, policy: RetryPolicy, method: string): Plan | Promise<Plan> {
  const { request, route } = input;
  const retries = route.source.retries;
  const retriesOn = input.mayRetry && retries.attempts > 0;
  const methodAllowed = policy.methods.has(method);
  // A retry needs the body twice: buffer it only when a retry could happen at all.
  if (!(retriesOn && methodAllowed))
    return planFor(input, method, retriesOn, methodAllowed, undefined, request.body as ReadableStream<Uint8Array> | null);
  if (request.body === null) return planFor(input, method, retriesOn, methodAllowed, NO_BODY, null);
  return prepareBody(request, retries.maxBodyBytes).then((prepared) =>
    planFor(input, method, retriesOn, methodAllowed, prepared, prepared.body),
  );
}

const NO_BODY: PreparedBody = { replayable: true, body: null };

function planFor(
  input: ProxyInput,
  method: string,
  retriesOn: boolean,
  methodAllowed: boolean,
  prepared: PreparedBody | undefined,
  body: TryRequest["body"],
): Plan {
  const { route } = input;
  const retries = route.source.retries;
  const replayable = prepared?.replayable === true;
  const hedge = route.source.hedge;
  return {
    body,
    maxTries: replayable ? 1 + retries.attempts : 1,
    cannotRetry: !retriesOn ? undefined : !methodAllowed ? "method" : !replayable ? "body-too-large" : undefined,
    hedgeDelay: replayable && hedge !== undefined && (method === "GET" || method === "HEAD") ? hedge.delayMs : undefined,
  };
}

/** Proxies the request, retrying (and hedging) as the route allows; always returns a response. */
export async function proxyRequest(input: ProxyInput): Promise<ProxyResult> {
  const { route } = input;
  const started = input.now();
  const policy = retryPolicy(route);
  const method = input.request.method;
  const pending = plan(input, policy, method);
  const planned = pending instanceof Promise ? await pending : pending;
  const tries = new RequestTries(input, started + route.source.timeoutMs, method, planned.body);
  const first = input.select(tries.tried);
  if (first === undefined) {
    return {
      response: edgewayError(503, "no_healthy_origin", `no healthy origin for route "${route.id}"`, route.id),
      last: undefined,
      tries: 0,
      hedged: false,
      retrySkipped: undefined,
      untouched: false,
    };
  }
  tries.launch(first, false);
  let final: Final | undefined;
  if (planned.hedgeDelay !== undefined && planned.maxTries >= 2) {
    final = await race(tries, policy, planned);
  } else {
    // No hedge: one try at a time, each awaited in turn, with no race to set up.
    while (final === undefined) {
      const origin = tries.only();
      final = onSettled(tries, policy, planned, origin, await origin.result);
    }
  }
  return respond(input, tries, final, started);
}

/**
 * Waits for the tries of a hedged request, starting retries and at most one hedge, until
 * one try decides the request: a response that is not a retryable failure, or the last
 * failure when no further try may follow.
 */
async function race(tries: RequestTries, policy: RetryPolicy, plan: Plan): Promise<Final> {
  const { maxTries, hedgeDelay } = plan;
  let hedgeTimer = hedgeDelay === undefined || maxTries < 2 ? undefined : delay(hedgeDelay);
  try {
    for (;;) {
      const waits: Promise<"hedge" | { origin: OriginTry; result: TryResult }>[] = tries.running.map((origin) =>
        origin.result.then((result) => ({ origin, result })),
      );
      if (hedgeTimer !== undefined) waits.push(hedgeTimer.fired);
      const event = await Promise.race(waits);

      if (event === "hedge") {
        hedgeTimer = undefined;
        startHedge(tries, maxTries);
        continue;
      }
      // Only the first try is hedged: once it has settled, the timer has nothing left to do.
      hedgeTimer?.clear();
      hedgeTimer = undefined;
      const final = onSettled(tries, policy, plan, event.origin, event.result);
      if (final !== undefined) return final;
    }
  } finally {
    hedgeTimer?.clear();
  }
}

/**
 * What a settled try means for the request: the try that decides it, or undefined when
 * another try is under way (a retry just launched, or a hedge still running).
 */
function onSettled(
  tries: RequestTries,
  policy: RetryPolicy,
  { maxTries, cannotRetry }: Plan,
  origin: OriginTry,
  result: TryResult,
): Final | undefined {
  const retryable = isRetryable(policy, result);
  if (result.kind === "response" && !retryable) {
    const outcome = tries.settle(origin, result, false);
    tries.cancelRunning();
    return { outcome, response: result.response };
  }
  if (tries.running.length > 1) {
    // The other try may still answer: wait for it rather than start a third.
    tries.settle(origin, result, false);
    if (result.kind === "response") discardBody(result.response);
    return undefined;
  }
  const next = retryable ? nextTry(tries, maxTries, cannotRetry) : undefined;
  if (next === undefined || typeof next === "string") {
    return {
      outcome: tries.settle(origin, result, false),
      response: result.kind === "response" ? result.response : undefined,
      retrySkipped: next,
    };
  }
  tries.settle(origin, result, true);
  if (result.kind === "response") discardBody(result.response);
  tries.launch(next, false);
  return undefined;
}

/** The origin for a retry after a retryable failure, or why none is sent (undefined: no reason to report). */
function nextTry(tries: RequestTries, maxTries: number, cannotRetry: RetrySkip | undefined): Selection | RetrySkip | undefined {
  if (cannotRetry !== undefined) return cannotRetry;
  if (tries.sent >= maxTries) return undefined;
  return tries.next();
}

/** Sends the hedge when the first try is still alone and the tries, deadline, steering and budget allow. */
function startHedge(tries: RequestTries, maxTries: number): void {
  if (tries.running.length !== 1 || tries.sent >= maxTries) return;
  const next = tries.next();
  // A refused hedge is not a skipped retry: the first try may yet answer.
  if (next === undefined || next === "budget") return;
  tries.hedged = true;
  tries.launch(next, true);
}

/** The client's response for the try that decided the request. */
function respond(input: ProxyInput, tries: RequestTries, final: Final, started: number): ProxyResult {
  const { route, now } = input;
  const { outcome, response, retrySkipped } = final;
  const { sent, hedged } = tries;
  const origin = outcome.selection.origin.id;
  if (response === undefined) {
    const why = retrySkipped === undefined ? "" : ` (not retried: ${SKIP_REASONS[retrySkipped](input.request.method)})`;
    const error =
      outcome.kind === "timeout"
        ? edgewayError(504, "origin_timeout", `origin "${origin}" did not answer in time${why}`, route.id, origin)
        : edgewayError(502, "origin_unreachable", `could not connect to origin "${origin}"${why}`, route.id, origin);
    if (retrySkipped !== undefined) error.headers.set("x-edgeway-retry-skipped", retrySkipped);
    return { response: error, last: outcome, tries: sent, hedged, retrySkipped, untouched: false };
  }
  // With nothing to add and nothing to strip, the origin's response goes out as it came:
  // a copy to edit costs more than the rest of the request path (bench/README.md).
  if (!route.source.exposeOrigin && retrySkipped === undefined && !hasHopByHopToStrip(response.headers)) {
    return { response, last: outcome, tries: sent, hedged, retrySkipped, untouched: true };
  }
  // The upstream response as init copies its status, status text and headers in one call;
  // the copy's headers are this response's own, so they are edited in place.
  const client = new Response(response.body, response);
  const out = client.headers;
  stripHopByHop(out);
  if (route.source.exposeOrigin) {
    out.set("x-edgeway-origin", origin);
    const timing = `edgeway;dur=${now() - started}, origin;dur=${outcome.durationMs};desc="${origin}"`;
    const prior = out.get("server-timing");
    out.set("server-timing", prior === null ? timing : `${prior}, ${timing}`);
    if (sent > 1) out.set("x-edgeway-tries", String(sent));
  }
  if (retrySkipped !== undefined) out.set("x-edgeway-retry-skipped", retrySkipped);
  return { response: client, last: outcome, tries: sent, hedged, retrySkipped, untouched: false };
}

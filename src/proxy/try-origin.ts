/**
 * One try: a fetch to one origin that can end four ways (a response, a connect failure,
 * a timeout, or cancelled by Edgeway because another try won). The timeout bounds the
 * wait for response headers only; once they are in, the body streams without it.
 */
import type { TryKind } from "../health/try-kind.ts";
import type { Selection } from "../steering/select.ts";

/** How one try ended (health/try-kind.ts). */
export type { TryKind };

export type TryResult =
  | { readonly kind: "response"; readonly response: Response; readonly status: number }
  | { readonly kind: "connect-failure" | "timeout" | "cancelled" };

/** What every try of a request sends; each try adds its URL, and its fetcher and `cf` options where its origin has them. */
export interface TryRequest {
  readonly method: string;
  readonly headers: Headers;
  readonly body: ArrayBuffer | ReadableStream<Uint8Array> | null;
}

/** Sends a try instead of the global fetch (an mTLS certificate binding's fetch). */
export type Fetcher = (input: string, init: RequestInit) => Promise<Response>;

/** A try in flight. */
export interface OriginTry {
  readonly selection: Selection;
  /** True for a try started as a hedge (the first try still running). */
  readonly hedge: boolean;
  readonly startedAt: number;
  /** Settles once, never rejects. */
  readonly result: Promise<TryResult>;
  /** Aborts the try; a response that races in anyway has its body cancelled. */
  cancel(): void;
}

/** Reasons this module aborts with, told apart by identity rather than by error name. */
const TIMED_OUT = Symbol("timed out");
const CANCELLED = Symbol("cancelled");

/**
 * Starts a fetch of `url` that waits at most `timeoutMs` for response headers. `cf`: the
 * Cloudflare fetch options (`resolveOverride` for an origin's `host`; ignored locally).
 */
export function startTry(
  selection: Selection,
  hedge: boolean,
  startedAt: number,
  request: TryRequest,
  url: string,
  fetcher: Fetcher | undefined,
  cf: { readonly resolveOverride: string } | undefined,
  timeoutMs: number,
): OriginTry {
  const controller = new AbortController();
  // Why this module aborted the try, kept here too so reading it costs no runtime call.
  let abortedBy: typeof TIMED_OUT | typeof CANCELLED | undefined;
  const abort = (reason: typeof TIMED_OUT | typeof CANCELLED): void => {
    if (abortedBy !== undefined) return;
    abortedBy = reason;
    controller.abort(reason);
  };
  const timer = setTimeout(() => abort(TIMED_OUT), timeoutMs);
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: "manual",
    signal: controller.signal,
  };
  if (cf !== undefined) init.cf = cf;
  // Node's fetch insists on it for a stream body (the request is sent before the response
  // is read); Workers ignore the member.
  if (request.body !== null && !(request.body instanceof ArrayBuffer)) init.duplex = "half";
  const result = (fetcher ?? fetch)(url, init).then(
    (response): TryResult => {
      clearTimeout(timer);
      if (abortedBy === CANCELLED) {
        discardBody(response);
        return { kind: "cancelled" };
      }
      return { kind: "response", response, status: response.status };
    },
    (): TryResult => {
      clearTimeout(timer);
      if (abortedBy === CANCELLED) return { kind: "cancelled" };
      return { kind: abortedBy === TIMED_OUT ? "timeout" : "connect-failure" };
    },
  );
  return {
    selection,
    hedge,
    startedAt,
    result,
    cancel() {
      clearTimeout(timer);
      abort(CANCELLED);
    },
  };
}

/** Lets go of a response nobody will read, without waiting and without an unhandled rejection. */
export function discardBody(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

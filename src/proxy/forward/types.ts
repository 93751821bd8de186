/** What forwarding is given (the request, its route, steering and the hooks that hear each try) and what it returns. */
import type { CompiledRoute } from "../../config/compile.ts";
import type { Selection } from "../../steering/select.ts";
import type { HeaderEdits } from "../header-edits.ts";
import type { ForwardedFor } from "../headers.ts";
import type { OriginExtras } from "../origin-extras.ts";
import type { RequestIdentity } from "../request-identity.ts";
import type { TryKind } from "../try-origin.ts";

/** How one try ended, as the hooks hear it. */
export interface TryOutcome {
  readonly selection: Selection;
  readonly kind: TryKind;
  readonly status: number | undefined;
  readonly durationMs: number;
  /** When the try ended (its response headers, its failure or its cancellation), on the request's clock. */
  readonly endedAt: number;
  /** Whether another try followed because this one failed. */
  readonly retried: boolean;
  /** True for a try started as a hedge while the first try was still running. */
  readonly hedge: boolean;
  /** The origin's load report (`endpoint-load-metrics`); read only for a load-aware pool's tries, else null. */
  readonly loadReport: string | null;
}

/** The request, its route, how to pick origins and who hears the tries. */
export interface ProxyInput {
  readonly request: Request;
  /** The request's method and headers when the caller has read them already (else read from `request`). */
  readonly method?: string | undefined;
  readonly headers?: Headers | undefined;
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
  /** The request's id and trace: each try gets a new span of it. Absent: no request id or trace headers. */
  readonly identity?: RequestIdentity | undefined;
  /** A WebSocket handshake: no hedge, no body, the Upgrade field kept, the origin's 101 returned as it came. */
  readonly websocket?: boolean | undefined;
  /** What an origin adds to its tries (configured headers, `host`, mTLS). Absent: nothing. */
  readonly extras?: ((selection: Selection) => OriginExtras) | undefined;
  /** The path and query every try sends (a URLRewrite's), after the origin URL's path. Absent: the request's. */
  readonly path?: string | undefined;
  /** The route's request header edits (RequestHeaderModifier), made as the origin's headers are built. Absent: none. */
  readonly requestEdits?: HeaderEdits | undefined;
  /** Buffer a body up to `retries.maxBodyBytes` even when no retry could send it again (a mirror sends it too). */
  readonly bufferBody?: boolean | undefined;
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
  /** The request's headers as the tries sent them (before each try's own fields): a mirror sends them too. */
  readonly headers: Headers;
  /** The request body as buffered in memory (null: none); undefined when it streamed to the origin instead. */
  readonly body: ArrayBuffer | null | undefined;
}

/** What a request may do beyond its first try — retries, a hedge — decided once its body is known. */
import type { PreparedBody } from "../replay-body.ts";
import { prepareBody } from "../replay-body.ts";
import type { TryRequest } from "../try-origin.ts";
import type { RetryPolicy } from "./retry-policy.ts";
import type { ProxyInput, RetrySkip } from "./types.ts";

/** What a request may do beyond its first try, decided once its body is prepared. */
export interface Plan {
  readonly body: TryRequest["body"];
  /** 1 + retries.attempts when a retry may follow, else 1. */
  readonly maxTries: number;
  /** Why a retryable failure will not be retried whatever happens (method or body), if so. */
  readonly cannotRetry: RetrySkip | undefined;
  /** When to hedge the first try; undefined: no hedge. */
  readonly hedgeDelay: number | undefined;
}

/** The plan; a promise only when a body has to be read first (no body: no await). */
export function plan(input: ProxyInput, policy: RetryPolicy, method: string): Plan | Promise<Plan> {
  const { request, route } = input;
  const retries = route.source.retries;
  const retriesOn = input.mayRetry && retries.attempts > 0;
  const methodAllowed = policy.methods.has(method);
  // A retry (or a mirror) needs the body twice: buffer it only when one could happen at all.
  if (!(retriesOn && methodAllowed) && input.bufferBody !== true)
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
  // A body buffered only for a mirror does not make a request retryable.
  const replayable = retriesOn && methodAllowed && prepared?.replayable === true;
  const hedge = route.source.hedge;
  return {
    body,
    maxTries: replayable ? 1 + retries.attempts : 1,
    cannotRetry: !retriesOn ? undefined : !methodAllowed ? "method" : !replayable ? "body-too-large" : undefined,
    hedgeDelay:
      replayable && hedge !== undefined && input.websocket !== true && (method === "GET" || method === "HEAD") ? hedge.delayMs : undefined,
  };
}

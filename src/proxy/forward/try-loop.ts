/**
 * The try loop: what each settled try means for the request — it decides it, a retry on
 * the next origin follows, or a hedge still running may answer — and the race of a hedged
 * request.
 */
import type { Selection } from "../../steering/select.ts";
import { discardBody } from "../try-origin.ts";
import type { OriginTry, TryResult } from "../try-origin.ts";
import type { Plan } from "./plan.ts";
import type { RequestTries } from "./request-tries.ts";
import { isRetryable } from "./retry-policy.ts";
import type { RetryPolicy } from "./retry-policy.ts";
import type { RetrySkip, TryOutcome } from "./types.ts";

/** The try that decided the request, and its response (none for a connect failure or timeout). */
export interface Final {
  readonly outcome: TryOutcome;
  readonly response: Response | undefined;
  /** Why this try, a retryable failure, was not retried. */
  readonly retrySkipped?: RetrySkip | undefined;
}

/** A timer as a promise that can be called off. */
function delay(ms: number): { readonly fired: Promise<"hedge">; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fired = new Promise<"hedge">((resolve) => {
    timer = setTimeout(() => resolve("hedge"), ms);
  });
  return { fired, clear: () => clearTimeout(timer) };
}

/**
 * Waits for the tries of a hedged request, starting retries and at most one hedge, until
 * one try decides the request: a response that is not a retryable failure, or the last
 * failure when no further try may follow.
 */
export async function race(tries: RequestTries, policy: RetryPolicy, plan: Plan): Promise<Final> {
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
export function onSettled(
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

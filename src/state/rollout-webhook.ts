/**
 * A rollout's webhooks (docs/rollouts.md, as in Flagger): `preStep` is called before each
 * step the analysis advances to — a non-2xx answer, or none within the time allowed, holds
 * the step — and `rollback` when the rollout rolls back or is aborted (its answer is only
 * logged). A webhook URL obeys registration's dangerous-address rules
 * (discovery/dangerous-address.ts): no cloud metadata endpoint, link-local or unspecified
 * address, and loopback only under the local-development switch; redirects are not
 * followed, so an answer cannot send the call elsewhere.
 */
import { dangerOf, DANGER_DESCRIPTIONS } from "../discovery/dangerous-address.ts";
import { LOOPBACK_SWITCH } from "../discovery/registration-policy.ts";
import type { RolloutStatus } from "../rollout/types.ts";
import { errorMessage } from "../observe/log.ts";

/** The longest any webhook may take, whatever the rollout asks. */
export const MAX_WEBHOOK_TIMEOUT_MS = 30_000;

/** Why a webhook URL may not be called, or undefined when it may. */
export function webhookUrlProblem(url: string, allowLoopback: boolean): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `${url} is not a URL`;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return `${url}: only http and https webhooks are called`;
  if (parsed.username !== "" || parsed.password !== "") return `${url}: credentials in the URL are not accepted`;
  const danger = dangerOf(parsed.hostname);
  if (danger === undefined || (danger.kind === "loopback" && allowLoopback)) return undefined;
  const hint = danger.kind === "loopback" ? ` (accepted only with ${LOOPBACK_SWITCH}="true", for local development)` : "";
  return `${parsed.hostname} is ${DANGER_DESCRIPTIONS[danger.kind]} (${danger.rule})${hint}`;
}

/** What a webhook is told. */
export interface WebhookPayload {
  readonly phase: "pre-step" | "rollback";
  readonly rollout: string;
  readonly route: string;
  readonly target: string;
  readonly state: string;
  readonly step: number;
  /** Percent to the target the step would set (pre-step) or had (rollback). */
  readonly weight: number;
  readonly reason: string | undefined;
}

/** The payload for a rollout about to take `next`'s step, or rolled back to `next`. */
export function payloadOf(phase: WebhookPayload["phase"], next: RolloutStatus, weight: number): WebhookPayload {
  return { phase, rollout: next.id, route: next.route, target: next.to, state: next.state, step: next.step, weight, reason: next.reason };
}

/**
 * POSTs the payload as JSON; undefined when the webhook answered 2xx in time, otherwise
 * why not ("HTTP 503", "no answer within 2000 ms", the refused address).
 */
export async function callWebhook(
  url: string,
  payload: WebhookPayload,
  timeoutMs: number,
  allowLoopback: boolean,
): Promise<string | undefined> {
  const problem = webhookUrlProblem(url, allowLoopback);
  if (problem !== undefined) return problem;
  const limit = Math.min(Math.max(timeoutMs, 1), MAX_WEBHOOK_TIMEOUT_MS);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "Edgeway-rollout" },
      body: JSON.stringify(payload),
      redirect: "manual",
      signal: AbortSignal.timeout(limit),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status}`;
  } catch (error) {
    return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")
      ? `no answer within ${limit} ms`
      : errorMessage(error);
  }
}

/**
 * Why a registration was refused: a reason (the `reason` label of
 * `edgeway_registrations_refused_total`, one of a fixed set so the metric stays small),
 * the HTTP status and error code the caller gets, the rule it broke and a message that
 * names it.
 */

export const REFUSAL_REASONS = [
  "invalid",
  "no_config",
  "unknown_pool",
  "id_taken",
  "no_policy",
  "address",
  "dangerous_address",
  "loopback",
  "scheme",
  "port",
  "region",
  "weight",
  "token_scope",
  "registrant",
  "secret",
  "pool_full",
  "global_limit",
  "rate_limited",
] as const;

export type RefusalReason = (typeof REFUSAL_REASONS)[number];

export interface Refusal {
  readonly reason: RefusalReason;
  /** 400 malformed, 403 outside the policy or the token's scope, 409 in conflict with what is held, 429 too many calls. */
  readonly status: 400 | 403 | 409 | 429;
  /** Stable machine-readable code, e.g. `registration_not_allowed`. */
  readonly code: string;
  /** The rule broken, as the config or the environment names it, e.g. `registration.addresses`. */
  readonly rule: string;
  readonly message: string;
  /** For 429: when to try again. */
  readonly retryAfterSeconds?: number;
}

/** A refusal (a plain object, so it crosses the Durable Object's RPC boundary as it is). */
export function refusal(
  reason: RefusalReason,
  status: Refusal["status"],
  code: string,
  rule: string,
  message: string,
  retryAfterSeconds?: number,
): Refusal {
  return { reason, status, code, rule, message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
}

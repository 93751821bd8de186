/**
 * The per-token limit on registration calls, as a token bucket: a token may make
 * `perMinute` calls in a burst, and earns them back at `perMinute` a minute. Pure: the
 * clock comes in as `now`. The Durable Object keeps one bucket per token name in memory
 * (an evicted object starts with full buckets, which errs on the side of the caller).
 */
import { refusal } from "./refusal.ts";
import type { Refusal } from "./refusal.ts";

/** Calls a minute a registration token may make when REGISTER_TOKENS does not say (heartbeats included). */
export const DEFAULT_REGISTRATIONS_PER_MINUTE = 600;

export interface Bucket {
  readonly tokens: number;
  readonly at: number;
}

export interface Take {
  readonly bucket: Bucket;
  readonly allowed: boolean;
  /** Whole seconds until one call is allowed again (0 when allowed). */
  readonly retryAfterSeconds: number;
}

/** Takes one call from `bucket` (full when undefined) at `now`. */
export function takeCall(bucket: Bucket | undefined, perMinute: number, now: number): Take {
  const ratePerMs = perMinute / 60_000;
  const elapsed = bucket === undefined ? 0 : Math.max(0, now - bucket.at);
  const tokens = bucket === undefined ? perMinute : Math.min(perMinute, bucket.tokens + elapsed * ratePerMs);
  if (tokens >= 1) return { bucket: { tokens: tokens - 1, at: now }, allowed: true, retryAfterSeconds: 0 };
  return { bucket: { tokens, at: now }, allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / ratePerMs / 1_000)) };
}

/** The 429 for a token past its rate. */
export function rateRefusal(token: string, perMinute: number, retryAfterSeconds: number): Refusal {
  return refusal(
    "rate_limited",
    429,
    "rate_limited",
    "REGISTER_TOKENS.ratePerMinute",
    `token "${token}" made more than ${perMinute} registration calls in a minute; retry in ${retryAfterSeconds} s`,
    retryAfterSeconds,
  );
}

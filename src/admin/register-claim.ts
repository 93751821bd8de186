/**
 * The shell's side of a registration call: the registration secret (made here, hashed
 * before it reaches the Durable Object, which keeps only the hash), the bounds from the
 * environment, the optional Workers rate limiting binding, and refusals as answers,
 * each counted in `edgeway_registrations_refused_total{reason}`.
 */
import { isolate } from "../isolate.ts";
import { MAX_REGISTRATIONS } from "../config/registration-schema.ts";
import type { Refusal, RefusalReason } from "../discovery/refusal.ts";
import { log } from "../observe/log.ts";
import type { EdgewayEnv } from "../env.ts";
import { jsonError } from "./errors.ts";

const encoder = new TextEncoder();

/** SHA-256 of a secret, as hex. */
export async function secretHash(secret: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(secret)));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A fresh registration secret: 192 random bits, base64url. */
export function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** The global maximum of registered origins: MAX_REGISTRATIONS, or lower when EDGEWAY_MAX_REGISTRATIONS says so. */
export function maxRegistrations(env: EdgewayEnv): number {
  const text = env.EDGEWAY_MAX_REGISTRATIONS?.trim() ?? "";
  const given = Number(text);
  return text !== "" && Number.isInteger(given) && given >= 0 ? Math.min(given, MAX_REGISTRATIONS) : MAX_REGISTRATIONS;
}

/** Whether the local-development switch lets loopback registrations through. */
export function loopbackAllowed(env: EdgewayEnv): boolean {
  // wrangler.toml keeps it "false"; .dev.vars and the test bindings set it "true".
  return env.EDGEWAY_ALLOW_LOOPBACK_REGISTRATION === "true";
}

/** Counts a refused registration call. */
export function countRefusal(reason: RefusalReason): void {
  isolate.metrics.inc(
    "edgeway_registrations_refused_total",
    "Registration calls refused, by reason (policy rule, ownership, limit, rate).",
    {
      reason,
    },
  );
}

/** The answer for a refusal, counted and logged. */
export function refused(r: Refusal, detail: Record<string, unknown> = {}): Response {
  countRefusal(r.reason);
  log("warn", "registration_refused", { reason: r.reason, rule: r.rule, message: r.message, ...detail });
  const response = jsonError(r.status, r.code, r.message, { rule: r.rule, reason: r.reason });
  if (r.retryAfterSeconds !== undefined) response.headers.set("retry-after", String(r.retryAfterSeconds));
  return response;
}

/** The Workers rate limiting binding's verdict for a token, when one is bound (a deployed worker); true otherwise. */
export async function bindingAllows(env: EdgewayEnv, token: string): Promise<boolean> {
  const limiter = env.REGISTER_RATE_LIMITER;
  if (limiter === undefined) return true;
  try {
    return (await limiter.limit({ key: token })).success;
  } catch (error) {
    // The binding failing is no reason to refuse: the in-object limit still holds.
    log("warn", "rate_limiter_failed", { message: error instanceof Error ? error.message : String(error) });
    return true;
  }
}

/**
 * Bearer-token auth for the admin API. The token is compared in constant time (both
 * sides hashed to equal length, then crypto.subtle.timingSafeEqual), so response timing
 * says nothing about how much of a guess was right.
 */
import type { MiddlewareHandler } from "hono";
import type { EdgewayEnv } from "../env.ts";

const encoder = new TextEncoder();

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

/** Constant-time string equality. */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b) && given.length === expected.length;
}

function unauthorized(message: string): Response {
  return new Response(`${JSON.stringify({ error: message, code: "unauthorized" })}\n`, {
    status: 401,
    headers: { "content-type": "application/json; charset=utf-8", "www-authenticate": 'Bearer realm="edgeway"' },
  });
}

/** Whether a request path is a registration call (which REGISTER_TOKEN may also make). */
function isRegistration(path: string): boolean {
  return /\/_edgeway\/register(\/|$)/.test(path);
}

/**
 * Rejects every request without `Authorization: Bearer <ADMIN_TOKEN>` with 401;
 * registration calls may carry REGISTER_TOKEN instead.
 */
export function adminAuth(): MiddlewareHandler<{ Bindings: EdgewayEnv }> {
  return async function adminAuthMiddleware(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (expected === undefined || expected === "") return unauthorized("the admin API is disabled: ADMIN_TOKEN is not set");
    const header = c.req.header("authorization");
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null || match[1] === undefined) return unauthorized("missing bearer token: send Authorization: Bearer <token>");
    const register = c.env.REGISTER_TOKEN;
    const ok = (await tokensEqual(match[1], expected)) || (register !== undefined && register !== "" && isRegistration(c.req.path) && (await tokensEqual(match[1], register)));
    if (!ok) return unauthorized("wrong bearer token");
    await next();
  };
}

/**
 * Who may call the admin API, and as whom. Three tokens, each a secret:
 * - ADMIN_TOKEN: everything;
 * - ADMIN_READ_TOKEN (optional): reads only — GET and HEAD, and the dry-run
 *   POST /config/validate — for dashboards and the status page; a change answers 403;
 * - REGISTER_TOKEN (optional): /register calls only, into any pool with a registration
 *   policy (and the Consul-compatible surface under /v1/, which also reads X-Consul-Token),
 *   so origins need not hold ADMIN_TOKEN;
 * - REGISTER_TOKENS (optional): named registration tokens, each limited to some pools
 *   (src/admin/register-tokens.ts); a malformed value answers 503 naming the problem.
 * A token comes as `Authorization: Bearer <token>`, or as the password of HTTP Basic
 * auth so a browser can open /_edgeway/status (any user name). Tokens are compared in
 * constant time (both sides hashed to equal length, then crypto.subtle.timingSafeEqual),
 * so response timing says nothing about how much of a guess was right.
 *
 * The caller's name for the audit trail comes from `x-edgeway-actor` (the CLI sends
 * user@host); without it, the token's name stands in. The token's name is recorded too.
 */
import type { MiddlewareHandler } from "hono";
import type { AdminEnv, AdminVariables } from "./openapi.ts";
import { jsonError } from "./errors.ts";
import { parseRegisterTokens } from "./register-tokens.ts";
import type { RegisterScope } from "./register-tokens.ts";
import { DEFAULT_REGISTRATIONS_PER_MINUTE } from "../discovery/rate-limit.ts";
import { log } from "../observe/log.ts";

/** Where the Consul-compatible registration surface lives (src/admin/consul/), when it is on. */
export const CONSUL_PREFIX = "/v1/";

const encoder = new TextEncoder();

async function digest(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

/** Constant-time string equality. */
export async function tokensEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b) && given.length === expected.length;
}

/** Longest accepted x-edgeway-actor. */
export const MAX_ACTOR_LENGTH = 128;
const PRINTABLE = /^[^\p{Cc}]+$/u;

function unauthorized(message: string, browser: boolean): Response {
  const response = jsonError(401, "unauthorized", message);
  // A browser shows a login prompt for Basic; API clients read the Bearer challenge.
  response.headers.set("www-authenticate", browser ? 'Basic realm="edgeway", charset="UTF-8"' : 'Bearer realm="edgeway"');
  return response;
}

/** Whether a request path is a registration call (which REGISTER_TOKEN may also make). */
function isRegistration(path: string): boolean {
  return /\/_edgeway\/register(\/|$)/.test(path) || path.startsWith(CONSUL_PREFIX);
}

/** Whether the call only reads (what ADMIN_READ_TOKEN may do). */
export function isReadOnly(method: string, path: string): boolean {
  return method === "GET" || method === "HEAD" || (method === "POST" && /\/_edgeway\/config\/validate\/?$/.test(path));
}

/** The token in an Authorization header (Bearer, or Basic's password); undefined when absent or malformed. */
export function presentedToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (bearer !== null) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (basic === null || basic[1] === undefined) return undefined;
  let decoded: string;
  try {
    decoded = new TextDecoder().decode(Uint8Array.from(atob(basic[1]), (ch) => ch.charCodeAt(0)));
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  const password = colon < 0 ? "" : decoded.slice(colon + 1);
  return password === "" ? undefined : password;
}

const TOKEN_NAMES = { admin: "admin-token", read: "read-token", register: "register-token" } as const;

/** What a token grants on a path: its scope, its name, and for registration tokens what they may register. */
interface Grant {
  readonly scope: AdminVariables["scope"];
  readonly name: string;
  readonly register?: RegisterScope;
}

/** The grant a token gives on this path; undefined when none; a string when REGISTER_TOKENS is malformed. */
async function grantOf(token: string, env: AdminEnv["Bindings"], path: string): Promise<Grant | string | undefined> {
  const { ADMIN_TOKEN: admin, ADMIN_READ_TOKEN: read, REGISTER_TOKEN: register } = env;
  if (admin !== undefined && admin !== "" && (await tokensEqual(token, admin))) return { scope: "admin", name: TOKEN_NAMES.admin };
  if (read !== undefined && read !== "" && (await tokensEqual(token, read))) return { scope: "read", name: TOKEN_NAMES.read };
  if (!isRegistration(path)) return undefined;
  if (register !== undefined && register !== "" && (await tokensEqual(token, register))) {
    const name = TOKEN_NAMES.register;
    return { scope: "register", name, register: { name, pools: "*", ratePerMinute: DEFAULT_REGISTRATIONS_PER_MINUTE } };
  }
  const scoped = parseRegisterTokens(env.REGISTER_TOKENS);
  if (!scoped.ok) return scoped.problem;
  // Every entry is compared, so the time taken does not say which one matched.
  const matches = await Promise.all(scoped.tokens.map((t) => tokensEqual(token, t.token)));
  const hit = scoped.tokens.find((_, i) => matches[i] === true);
  return hit === undefined ? undefined : { scope: "register", name: hit.name, register: hit };
}

/** Rejects a request without a token good for it: 401 (no or wrong token), 403 (read-only token, changing call), 400 (bad actor header). */
export function adminAuth(): MiddlewareHandler<AdminEnv> {
  return async function adminAuthMiddleware(c, next) {
    const browser = c.req.method === "GET" && (c.req.header("accept") ?? "").includes("text/html");
    if ((c.env.ADMIN_TOKEN ?? "") === "") return unauthorized("the admin API is disabled: ADMIN_TOKEN is not set", browser);
    // Consul clients send their ACL token as X-Consul-Token; only the Consul surface reads it.
    const consulToken = c.req.path.startsWith(CONSUL_PREFIX) ? c.req.header("x-consul-token") : undefined;
    const token = presentedToken(c.req.header("authorization")) ?? (consulToken === "" ? undefined : consulToken);
    if (token === undefined)
      return unauthorized(
        "missing bearer token: send Authorization: Bearer <token> (or HTTP Basic with the token as the password)",
        browser,
      );
    const grant = await grantOf(token, c.env, c.req.path);
    if (typeof grant === "string") {
      log("error", "register_tokens_invalid", { problem: grant });
      return jsonError(503, "register_tokens_invalid", `registration tokens cannot be checked: ${grant}`);
    }
    if (grant === undefined) return unauthorized("wrong token", browser);
    const scope = grant.scope;
    if (scope === "read" && !isReadOnly(c.req.method, c.req.path)) {
      return jsonError(403, "read_only_token", `the read-only token may not ${c.req.method} ${c.req.path}: use ADMIN_TOKEN for changes`);
    }
    const actor = c.req.header("x-edgeway-actor");
    if (actor !== undefined && (actor.length > MAX_ACTOR_LENGTH || !PRINTABLE.test(actor))) {
      return jsonError(400, "invalid_actor", `x-edgeway-actor: must be 1–${MAX_ACTOR_LENGTH} printable characters`);
    }
    c.set("scope", scope);
    c.set("token", grant.name);
    if (grant.register !== undefined) c.set("registerScope", grant.register);
    c.set("actor", actor?.trim() || grant.name);
    await next();
  };
}

/**
 * The admin API's route modules are OpenAPIHono apps: each endpoint is declared with
 * `createRoute` (its query, params, body and responses as zod schemas), and the same
 * schemas validate the requests, so `/_edgeway/openapi.json` cannot drift from what the
 * code accepts. A request that fails validation gets the admin API's JSON error: 400,
 * code `invalid_request`, every offending field named.
 *
 * A body declared optional (`required` not true, e.g. drain's `{ reason? }`) may be sent
 * empty whatever its content type: what `curl -X POST -H 'content-type: application/json'`
 * and many HTTP clients send is a call without a body, not malformed JSON. A non-empty
 * body is checked as before (JSON content type, then the schema).
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Hook, RouteConfig } from "@hono/zod-openapi";
import type { Env as HonoEnv, MiddlewareHandler } from "hono";
import type { EdgewayEnv } from "../env.ts";
import type { RegisterScope } from "./register-tokens.ts";
import { formatPath } from "../config/validate.ts";
import { jsonError } from "./errors.ts";

/** What the admin middleware tells handlers about the caller. */
export interface AdminVariables {
  /** "admin" (ADMIN_TOKEN), "read" (ADMIN_READ_TOKEN) or "register" (REGISTER_TOKEN, REGISTER_TOKENS). */
  scope: "admin" | "read" | "register";
  /** Who made the call: the x-edgeway-actor header, or the token's name. */
  actor: string;
  /** The name of the token used: admin-token, read-token, register-token, or a REGISTER_TOKENS name. */
  token: string;
  /** For a registration token: its name, the pools it may register into and its call rate. */
  registerScope: RegisterScope;
  /** What an accepted change did, for the audit trail; a handler may set it. */
  auditSummary: string;
  /** Set by a handler for calls that change nothing worth auditing (a heartbeat). */
  auditSkip: boolean;
}

export type AdminEnv = { Bindings: EdgewayEnv; Variables: AdminVariables };

/** 400 naming every field that failed validation. */
export const validationHook: Hook<unknown, HonoEnv, string, unknown> = (result) => {
  if (result.success) return undefined;
  const issues = result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  const where = result.target === "json" ? "body" : result.target;
  return jsonError(400, "invalid_request", `${where} rejected: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, { issues });
};

/**
 * For a route whose body is optional: a request with an empty body (no bytes, whatever the
 * content type says) goes on as a request without one, so the route sees `{}`. Only a body
 * that may be empty is read here (no content-length, or 0); hono caches what it read for the
 * validator, and a non-empty body goes on unchanged.
 */
export const emptyBodyIsNoBody: MiddlewareHandler = async (c, next) => {
  const raw = c.req.raw;
  const length = raw.headers.get("content-length");
  const empty = raw.body === null || ((length === null || Number(length) === 0) && (await c.req.arrayBuffer()).byteLength === 0);
  if (empty && (raw.body !== null || raw.headers.has("content-type"))) {
    const headers = new Headers(raw.headers);
    headers.delete("content-type");
    headers.delete("content-length");
    // Everything else of the request stays: method, the other headers, the signal, and request.cf.
    c.req.raw = new Request(raw.url, { method: raw.method, headers, signal: raw.signal, cf: raw.cf });
  }
  await next();
};

/** The route with emptyBodyIsNoBody first when its body is optional. */
function withOptionalBody<R extends RouteConfig>(route: R): R {
  const body = route.request?.body;
  if (body === undefined || body.required === true) return route;
  const own = route.middleware === undefined ? [] : Array.isArray(route.middleware) ? route.middleware : [route.middleware];
  return { ...route, middleware: [emptyBodyIsNoBody, ...own] };
}

/** A new admin route module; every route it declares with an optional body takes an empty one. */
export function adminRoutes(): OpenAPIHono<AdminEnv> {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook: validationHook as Hook<unknown, AdminEnv, string, unknown> });
  const declare = app.openapi;
  app.openapi = ((route: RouteConfig, handler: never, hook?: never) => declare(withOptionalBody(route), handler, hook)) as typeof declare;
  return app;
}

/** The admin API's error body. */
export const ErrorSchema = z
  .object({
    error: z.string().describe("What went wrong, naming the offending field or value."),
    code: z.string().describe("A stable machine-readable code, e.g. invalid_config, unknown_origin."),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("Error");

/** Error responses shared by every endpoint. */
export const errorResponses = {
  400: { description: "The request is malformed; the body names the field.", content: { "application/json": { schema: ErrorSchema } } },
  401: { description: "No token, or a wrong one.", content: { "application/json": { schema: ErrorSchema } } },
  403: { description: "The read-only token tried to change something.", content: { "application/json": { schema: ErrorSchema } } },
} as const;

/** A JSON body declaration for createRoute. */
export function jsonBody<T extends z.ZodType>(schema: T, description: string) {
  return { required: true, description, content: { "application/json": { schema } } } as const;
}

/** An optional JSON body for createRoute: none, or an empty one whatever its content type, is `{}`. */
export function optionalJsonBody<T extends z.ZodType>(schema: T, description: string) {
  return {
    required: false,
    description: `${description} Optional: no body, or an empty one whatever its content type, is \`{}\`.`,
    content: { "application/json": { schema } },
  } as const;
}

/** A JSON response declaration for createRoute. */
export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } } as const;
}

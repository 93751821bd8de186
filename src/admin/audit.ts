/**
 * Every admin change is logged: one `admin_change` JSON line per changing call (accepted
 * or refused) with who, what and the outcome, and each accepted one is also kept in the
 * Durable Object's audit trail (GET /_edgeway/audit), naming the token used. Reads are not audited; neither are
 * registration heartbeats, which only say an origin is still there.
 */
import type { MiddlewareHandler } from "hono";
import type { AdminEnv } from "./openapi.ts";
import { isReadOnly } from "./auth.ts";
import { originStateStub } from "../state/origin-state.ts";
import { failStatic } from "../isolate.ts";
import { errorMessage, log } from "../observe/log.ts";
import { requestIdentity } from "../proxy/request-identity.ts";
import { REQUEST_ID_HEADER } from "../routing/request-id.ts";

export function adminAudit(): MiddlewareHandler<AdminEnv> {
  return async function adminAuditMiddleware(c, next) {
    // Admin calls have request ids too: returned to the caller, in the log line and the audit entry.
    const requestId = requestIdentity(c.req.raw.headers).requestId;
    await next();
    try {
      c.res.headers.set(REQUEST_ID_HEADER, requestId);
    } catch {
      // A response with immutable headers (none today) goes out without the id rather than fail.
    }
    const method = c.req.method;
    const path = c.req.path;
    if (isReadOnly(method, path) || c.get("auditSkip") === true) return;
    const status = c.res.status;
    const actor = c.get("actor") ?? "unknown";
    const summary = c.get("auditSummary") ?? `${method} ${path}`;
    const token = c.get("token");
    log(status < 400 ? "info" : "warn", "admin_change", { actor, token, scope: c.get("scope"), method, path, status, summary, requestId });
    if (status >= 400) return;
    // The trail names the token behind every change, also when x-edgeway-actor named a person.
    const recorded = token === undefined || token === actor ? summary : `${summary} (token ${token})`;
    c.executionCtx.waitUntil(
      originStateStub(c.env)
        .recordAudit({ at: Date.now(), actor, method, path, status, summary: recorded, requestId })
        .catch((error: unknown) => failStatic("durable_object", "audit_record_failed", { message: errorMessage(error) })),
    );
  };
}

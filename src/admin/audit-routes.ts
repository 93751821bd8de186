/** GET /_edgeway/audit: the accepted admin changes the Durable Object keeps, newest first. */
import { createRoute, z } from "@hono/zod-openapi";
import { adminRoutes, errorResponses, jsonResponse } from "./openapi.ts";
import { originStateStub } from "../state/origin-state.ts";
import { AUDIT_ENTRIES } from "../state/audit-store.ts";
import { jsonError } from "./errors.ts";
import { errorMessage } from "../observe/log.ts";

const AuditEntrySchema = z
  .object({
    at: z.number().describe("Epoch ms."),
    actor: z.string(),
    method: z.string(),
    path: z.string(),
    status: z.number(),
    summary: z.string(),
    requestId: z.string().optional().describe("The admin request's x-request-id (given, or made by Edgeway)."),
  })
  .openapi("AuditEntry");

export const auditRoutes = adminRoutes();

auditRoutes.openapi(
  createRoute({
    method: "get",
    path: "/audit",
    tags: ["Audit"],
    summary: "Recent admin changes",
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(AUDIT_ENTRIES).default(100) }) },
    responses: {
      200: jsonResponse(z.object({ entries: z.array(AuditEntrySchema) }), "Accepted admin changes, newest first."),
      ...errorResponses,
      503: jsonResponse(z.object({ error: z.string(), code: z.string() }), "The Durable Object could not be reached."),
    },
  }),
  async (c) => {
    try {
      return c.json({ entries: await originStateStub(c.env).audit(c.req.valid("query").limit) }, 200);
    } catch (error) {
      return jsonError(503, "state_unavailable", `could not read the audit trail: ${errorMessage(error)}`) as never;
    }
  },
);

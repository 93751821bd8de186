/**
 * The config document through the admin API: PUT (validate in full, then store), a
 * dry-run validate that also shows the diff against the config in force, GET, the
 * history of versions with who/when/why/what changed, and rollback. A rejected document
 * changes nothing anywhere: it is validated before a version is allocated or KV written,
 * and the error names every offending field.
 *
 * PUT and validate read their body themselves (size limit, JSON errors, then the full
 * validation with cross-references) and declare it in the OpenAPI document with the
 * same ConfigSchema they validate against.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { failStatic, isolate, reportConfigProblem } from "../isolate.ts";
import { validateConfig } from "../config/validate.ts";
import type { ValidationResult } from "../config/validate.ts";
import { bindingIssues } from "../config/origin-headers.ts";
import type { BindingLookup } from "../config/origin-headers.ts";
import type { ConfigIssue } from "../config/validate.ts";
import { ConfigSchema } from "../config/schema.ts";
import type { Config } from "../config/schema.ts";
import { compileConfig } from "../config/compile.ts";
import { writeConfig } from "../config/store.ts";
import type { ConfigEnvelope } from "../config/store.ts";
import { HISTORY_KEEP, listHistory, previousVersion, pruneHistory, readVersion } from "../config/history.ts";
import { countChanges, diffConfigs } from "../config/diff.ts";
import { originStateStub } from "../state/origin-state.ts";
import { errorMessage, log } from "../observe/log.ts";
import { jsonError } from "./errors.ts";
import { adminRoutes, ErrorSchema, errorResponses, jsonBody, jsonResponse } from "./openapi.ts";
import type { AdminEnv } from "./openapi.ts";
import { putStaged, refuseWhileStaged, StagedQueryDoc, StagedView } from "./staged-routes.ts";

/** Config documents larger than this are refused with 413. */
export const MAX_CONFIG_BYTES = 1_048_576;
/** Longest accepted x-edgeway-reason / rollback reason. */
export const MAX_REASON_LENGTH = 500;

export const configRoutes = adminRoutes();

const ChangeSchema = z
  .object({
    op: z.enum(["add", "remove", "change"]),
    path: z.string().describe("Collections are keyed by id: origins.aws-use1.weight, routes.api.pools[2]."),
    from: z.unknown().optional(),
    to: z.unknown().optional(),
  })
  .openapi("Change");
const ChangeCounts = z.object({ added: z.number(), removed: z.number(), changed: z.number() });
const VersionSchema = z
  .object({
    version: z.number(),
    updatedAt: z.string(),
    actor: z.string().nullable(),
    reason: z.string().nullable(),
    rollbackOf: z.number().nullable(),
    changes: ChangeCounts.nullable(),
  })
  .openapi("ConfigVersion");
const VersionParam = z.object({
  version: z.coerce
    .number()
    .int()
    .positive()
    .openapi({ param: { name: "version", in: "path" } }),
});
const ConfigDocument = ConfigSchema.openapi("ConfigDocument");
const tooLarge = { 413: jsonResponse(ErrorSchema, `The body is larger than ${MAX_CONFIG_BYTES} bytes.`) };
const unavailable = { 503: jsonResponse(ErrorSchema, "KV or the Durable Object could not be reached; nothing was stored.") };

const limitBody = bodyLimit({
  maxSize: MAX_CONFIG_BYTES,
  onError: () => jsonError(413, "body_too_large", `config document is larger than ${MAX_CONFIG_BYTES} bytes`),
});

/** The Worker's bindings as the secret and mTLS checks read them. */
function workerBindings(env: object): BindingLookup {
  const bindings = env as Record<string, unknown>;
  return {
    secret: (name) => {
      const value = bindings[name];
      return typeof value === "string" ? value : undefined;
    },
    hasMtlsCertificate: (name) => {
      const value = bindings[name];
      return typeof value === "object" && value !== null && typeof (value as { fetch?: unknown }).fetch === "function";
    },
  };
}

/** The schema and cross-references, then the secrets and mTLS bindings the document names. */
function validateWithBindings(document: unknown, env: object): ValidationResult {
  const result = validateConfig(document);
  if (!result.ok) return result;
  const issues = bindingIssues(result.config, workerBindings(env));
  return issues.length === 0 ? result : { ok: false, issues };
}

/** The body parsed and fully validated, or the 400 that says why not. */
async function readDocument(
  c: Context<AdminEnv>,
): Promise<{ document: unknown; config: Config } | { error: Response; issues?: readonly ConfigIssue[] }> {
  const text = await c.req.text();
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { error: jsonError(400, "invalid_json", `body is not valid JSON: ${errorMessage(error)}`) };
  }
  const result = validateWithBindings(document, c.env);
  if (!result.ok)
    return {
      error: jsonError(400, "invalid_config", `config rejected: ${result.issues.length} problem(s), nothing was stored`, {
        issues: result.issues,
      }),
      issues: result.issues,
    };
  return { document, config: result.config };
}

function reasonFrom(c: Context<AdminEnv>): string | undefined | Response {
  const reason = c.req.header("x-edgeway-reason")?.trim();
  if (reason === undefined || reason === "") return undefined;
  if (reason.length > MAX_REASON_LENGTH || /\p{Cc}/u.test(reason))
    return jsonError(400, "invalid_reason", `x-edgeway-reason: at most ${MAX_REASON_LENGTH} printable characters`);
  return reason;
}

/**
 * Stores a validated document as a new version and puts it in force in this isolate.
 * Order: allocate the version (Durable Object), write the versioned copy, then the
 * pointer; any failure before the pointer leaves the config in force as it was.
 */
async function storeVersion(
  c: Context<AdminEnv>,
  document: unknown,
  config: Config,
  provenance: { reason?: string | undefined; rollbackOf?: number },
): Promise<Response> {
  const staged = await refuseWhileStaged(c);
  if (staged !== undefined) return staged;
  await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem);
  const inForce = isolate.config.current?.envelope;
  let version: number;
  try {
    version = await originStateStub(c.env).allocateConfigVersion(inForce?.version ?? 0);
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not allocate a config version, nothing was stored: ${errorMessage(error)}`);
  }
  const changes = countChanges(diffConfigs(inForce?.document, document));
  const envelope: ConfigEnvelope = {
    version,
    updatedAt: new Date().toISOString(),
    document,
    actor: c.get("actor"),
    ...(provenance.reason === undefined ? {} : { reason: provenance.reason }),
    ...(provenance.rollbackOf === undefined ? {} : { rollbackOf: provenance.rollbackOf }),
    changes,
  };
  try {
    await writeConfig(c.env.CONFIG, envelope);
  } catch (error) {
    return jsonError(503, "kv_unavailable", `could not store the config: ${errorMessage(error)}`);
  }
  isolate.config.install({ compiled: compileConfig(config, version), envelope }, Date.now());
  const stub = originStateStub(c.env);
  // Start the alarm loop now, so sub-minute monitors in this config run without waiting for the cron tick.
  c.executionCtx.waitUntil(
    stub.ensureAlarm().catch((error: unknown) => failStatic("durable_object", "alarm_start_failed", { message: errorMessage(error) })),
  );
  c.executionCtx.waitUntil(
    pruneHistory(c.env.CONFIG, version).catch((error: unknown) =>
      log("warn", "config_history_prune_failed", { message: errorMessage(error) }),
    ),
  );
  const what = provenance.rollbackOf === undefined ? "stored" : `restored from version ${provenance.rollbackOf}`;
  c.set(
    "auditSummary",
    `config version ${version} ${what} (+${changes.added} -${changes.removed} ~${changes.changed})${provenance.reason === undefined ? "" : `: ${provenance.reason}`}`,
  );
  log("info", "config_changed", {
    version,
    previous: inForce?.version ?? null,
    actor: envelope.actor,
    reason: envelope.reason ?? null,
    rollbackOf: envelope.rollbackOf ?? null,
    changes,
    origins: config.origins.length,
    pools: config.pools.length,
    routes: config.routes.length,
  });
  return c.json({ version, ...(provenance.rollbackOf === undefined ? {} : { rolledBackTo: provenance.rollbackOf }) }, 200);
}

configRoutes.openAPIRegistry.registerPath({
  method: "put",
  path: "/config",
  tags: ["Config"],
  summary: "Validate a config document and put it in force",
  description:
    "Validated in full first; a rejected document stores nothing. Optional headers: x-edgeway-reason (why, kept in history), x-edgeway-actor (who). With staged=true the version goes into force in a share of colos first and is promoted or rolled back by itself (GET /config/staged); while a staged change is in flight any other push is a 409.",
  request: {
    query: StagedQueryDoc,
    body: jsonBody(
      ConfigDocument,
      'The config document (a top-level "$schema" string naming its JSON Schema is also accepted, and ignored).',
    ),
  },
  responses: {
    200: jsonResponse(z.union([z.object({ version: z.number() }), StagedView]), "In force; staged=true: the staged change."),
    ...errorResponses,
    409: jsonResponse(ErrorSchema, "A staged change is in flight (promote or abort it first)."),
    ...tooLarge,
    ...unavailable,
  },
});
configRoutes.put("/config", limitBody, async (c) => {
  const reason = reasonFrom(c);
  if (reason instanceof Response) return reason;
  const read = await readDocument(c);
  if ("error" in read) return read.error;
  if (c.req.query("staged") === "true") return putStaged(c, read.document, reason);
  return storeVersion(c, read.document, read.config, { reason });
});

configRoutes.openAPIRegistry.registerPath({
  method: "post",
  path: "/config/validate",
  tags: ["Config"],
  summary: "Dry run: validate a document and show what it would change",
  request: { body: jsonBody(ConfigDocument, "The config document to check.") },
  responses: {
    200: jsonResponse(
      z.object({
        valid: z.literal(true),
        version: z.number().nullable(),
        summary: z.object({ origins: z.number(), pools: z.number(), routes: z.number() }),
        diff: z.array(ChangeSchema),
      }),
      "Valid; `diff` is against the config in force (`version`).",
    ),
    ...errorResponses,
    ...tooLarge,
  },
});
configRoutes.post("/config/validate", limitBody, async (c) => {
  const read = await readDocument(c);
  if ("error" in read) {
    if (read.issues === undefined) return read.error;
    return jsonError(400, "invalid_config", `config rejected: ${read.issues.length} problem(s)`, { valid: false, issues: read.issues });
  }
  await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem);
  const inForce = isolate.config.current?.envelope;
  const { config } = read;
  return c.json({
    valid: true,
    version: inForce?.version ?? null,
    summary: { origins: config.origins.length, pools: config.pools.length, routes: config.routes.length },
    diff: diffConfigs(inForce?.document, read.document),
  });
});

configRoutes.openAPIRegistry.registerPath({
  method: "get",
  path: "/config",
  tags: ["Config"],
  summary: "The config document in force",
  responses: {
    200: jsonResponse(ConfigDocument, "The document as stored; headers x-edgeway-config-version and x-edgeway-config-updated-at."),
    ...errorResponses,
    404: jsonResponse(ErrorSchema, "No config stored yet."),
  },
});
configRoutes.get("/config", async (c) => {
  await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem);
  const current = isolate.config.current;
  if (current === undefined) return jsonError(404, "no_config", "no config has been stored yet");
  c.header("x-edgeway-config-version", String(current.envelope.version));
  c.header("x-edgeway-config-updated-at", current.envelope.updatedAt);
  return c.json(current.envelope.document);
});

function versionView(m: Omit<ConfigEnvelope, "document">): z.infer<typeof VersionSchema> {
  return {
    version: m.version,
    updatedAt: m.updatedAt,
    actor: m.actor ?? null,
    reason: m.reason ?? null,
    rollbackOf: m.rollbackOf ?? null,
    changes: m.changes ?? null,
  };
}

configRoutes.openapi(
  createRoute({
    method: "get",
    path: "/config/history",
    tags: ["Config"],
    summary: "Stored config versions, newest first",
    request: { query: z.object({ limit: z.coerce.number().int().min(1).max(HISTORY_KEEP).default(20) }) },
    responses: {
      200: jsonResponse(
        z.object({ current: z.number().nullable(), versions: z.array(VersionSchema) }),
        `The newest versions (up to ${HISTORY_KEEP} are kept).`,
      ),
      ...errorResponses,
      ...unavailable,
    },
  }),
  async (c) => {
    await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem);
    try {
      const history = await listHistory(c.env.CONFIG);
      return c.json(
        {
          current: isolate.config.current?.envelope.version ?? null,
          versions: history.slice(0, c.req.valid("query").limit).map(versionView),
        },
        200,
      );
    } catch (error) {
      return jsonError(503, "kv_unavailable", `could not list config history: ${errorMessage(error)}`) as never;
    }
  },
);

configRoutes.openapi(
  createRoute({
    method: "get",
    path: "/config/history/{version}",
    tags: ["Config"],
    summary: "One stored version: its document and what it changed from the version before",
    request: { params: VersionParam },
    responses: {
      200: jsonResponse(
        VersionSchema.extend({ document: z.unknown(), diff: z.array(ChangeSchema), previous: z.number().nullable() }),
        "The version, and its diff against `previous`.",
      ),
      ...errorResponses,
      404: jsonResponse(ErrorSchema, "No such version is kept."),
    },
  }),
  async (c) => {
    const { version } = c.req.valid("param");
    const envelope = await readVersion(c.env.CONFIG, version);
    if (envelope === undefined)
      return jsonError(404, "unknown_version", `version: ${version} is not stored (the newest ${HISTORY_KEEP} versions are kept)`) as never;
    const before = await previousVersion(c.env.CONFIG, version);
    return c.json(
      {
        ...versionView(envelope),
        document: envelope.document,
        previous: before?.version ?? null,
        diff: diffConfigs(before?.document, envelope.document),
      },
      200,
    );
  },
);

configRoutes.openapi(
  createRoute({
    method: "post",
    path: "/config/rollback",
    tags: ["Config"],
    summary: "Put an earlier version back in force (stored as a new version)",
    request: {
      body: jsonBody(
        z.object({ version: z.number().int().positive(), reason: z.string().trim().min(1).max(MAX_REASON_LENGTH).optional() }).strict(),
        "The version to restore, and why.",
      ),
    },
    responses: {
      200: jsonResponse(z.object({ version: z.number(), rolledBackTo: z.number() }), "Restored, as a new version."),
      ...errorResponses,
      404: jsonResponse(ErrorSchema, "No such version is kept."),
      409: jsonResponse(ErrorSchema, "The version no longer validates (the schema has moved on)."),
      ...unavailable,
    },
  }),
  async (c) => {
    const { version, reason } = c.req.valid("json");
    const envelope = await readVersion(c.env.CONFIG, version);
    if (envelope === undefined)
      return jsonError(404, "unknown_version", `version: ${version} is not stored (the newest ${HISTORY_KEEP} versions are kept)`) as never;
    const result = validateWithBindings(envelope.document, c.env);
    if (!result.ok)
      return jsonError(
        409,
        "invalid_config",
        `version ${version} no longer validates: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
        { issues: result.issues },
      ) as never;
    return (await storeVersion(c, envelope.document, result.config, { reason, rollbackOf: version })) as never;
  },
);

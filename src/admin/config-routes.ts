/**
 * PUT and GET /_edgeway/config. A PUT is validated in full before anything is written; a
 * rejected document leaves KV and the config in force untouched, and the error names
 * every offending field.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { EdgewayEnv } from "../env.ts";
import { failStatic, isolate, reportConfigProblem } from "../isolate.ts";
import { validateConfig } from "../config/validate.ts";
import { compileConfig } from "../config/compile.ts";
import { writeConfig } from "../config/store.ts";
import { originStateStub } from "../state/origin-state.ts";
import { errorMessage, log } from "../observe/log.ts";
import { jsonError } from "./errors.ts";

/** Config documents larger than this are refused with 413. */
export const MAX_CONFIG_BYTES = 1_048_576;

export const configRoutes = new Hono<{ Bindings: EdgewayEnv }>();

configRoutes.put(
  "/config",
  bodyLimit({ maxSize: MAX_CONFIG_BYTES, onError: () => jsonError(413, "body_too_large", `config document is larger than ${MAX_CONFIG_BYTES} bytes`) }),
  async (c) => {
    const text = await c.req.text();
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      return jsonError(400, "invalid_json", `body is not valid JSON: ${errorMessage(error)}`);
    }
    const result = validateConfig(document);
    if (!result.ok) return jsonError(400, "invalid_config", `config rejected: ${result.issues.length} problem(s), nothing was stored`, { issues: result.issues });

    const inKv = await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem).then(() => isolate.config.current?.envelope.version ?? 0);
    let version: number;
    try {
      version = await originStateStub(c.env).allocateConfigVersion(inKv);
    } catch (error) {
      return jsonError(503, "state_unavailable", `could not allocate a config version, nothing was stored: ${errorMessage(error)}`);
    }
    const envelope = { version, updatedAt: new Date().toISOString(), document };
    try {
      await writeConfig(c.env.CONFIG, envelope);
    } catch (error) {
      return jsonError(503, "kv_unavailable", `could not store the config: ${errorMessage(error)}`);
    }
    isolate.config.install({ compiled: compileConfig(result.config, version), envelope }, Date.now());
    // Start the alarm loop now, so sub-minute monitors in this config run without waiting for the cron tick.
    c.executionCtx.waitUntil(
      originStateStub(c.env)
        .ensureAlarm()
        .catch((error: unknown) => failStatic("durable_object", "alarm_start_failed", { message: errorMessage(error) })),
    );
    log("info", "config_changed", { version, origins: result.config.origins.length, pools: result.config.pools.length, routes: result.config.routes.length });
    return c.json({ version });
  },
);

configRoutes.get("/config", async (c) => {
  await isolate.config.refresh(c.env.CONFIG, Date.now(), reportConfigProblem);
  const current = isolate.config.current;
  if (current === undefined) return jsonError(404, "no_config", "no config has been stored yet");
  c.header("x-edgeway-config-version", String(current.envelope.version));
  c.header("x-edgeway-config-updated-at", current.envelope.updatedAt);
  return c.json(current.envelope.document);
});

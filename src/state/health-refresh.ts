/**
 * Keeps the isolate's health snapshot fresh without making requests wait: a stale
 * snapshot is refreshed in waitUntil; only an isolate that has never had one waits, and
 * then at most COLD_WAIT_MS before serving with every origin assumed healthy.
 */
import type { WaitUntil } from "../env.ts";
import { isolate, failStatic } from "../isolate.ts";
import { originStateStub } from "./origin-state.ts";

/** The longest a cold isolate waits for its first snapshot. */
export const COLD_WAIT_MS = 100;

function startRefresh(env: Env): Promise<void> {
  return isolate.health.refresh(
    () => originStateStub(env).snapshot(),
    Date.now,
    (error) => failStatic("durable_object", "snapshot_refresh_failed", { message: error instanceof Error ? error.message : String(error) }),
  );
}

/** Call once per request before steering. */
export async function ensureFreshHealth(env: Env, ctx: WaitUntil): Promise<void> {
  const now = Date.now();
  if (!isolate.health.isStale(now)) return;
  const refresh = startRefresh(env);
  ctx.waitUntil(refresh);
  if (isolate.health.current === undefined) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([refresh, new Promise<void>((resolve) => (timer = setTimeout(resolve, COLD_WAIT_MS)))]);
    clearTimeout(timer);
  }
}

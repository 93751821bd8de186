/**
 * Structured JSON logs for decisions that matter (health transitions, ejections, config
 * changes, fail-static, admin changes), one object per line with `ts` (ISO 8601), `level`
 * and `event` first, so `wrangler tail` and Workers Logs can filter them. Never per request.
 */
export { errorMessage } from "../util/error-message.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Writes one JSON line. `fields` cannot replace `ts`, `level` or `event`. */
export function log(level: LogLevel, event: string, fields: Record<string, unknown> = {}): void {
  const head = { ts: new Date().toISOString(), level, event };
  // The head goes first (key order is insertion order) and is written again last, so it wins.
  const line = JSON.stringify(Object.assign({ ...head }, fields, head));
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}

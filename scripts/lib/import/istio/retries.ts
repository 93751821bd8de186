/** Istio `retries` and `timeout` of an http entry as Edgeway's route `retries` and `timeoutMs`. */
import type { ConfigInput } from "../../../../src/config/schema.ts";
import { durationMs } from "../duration.ts";
import { dropUnhandled, num, text } from "../model.ts";
import type { DropLog } from "../model.ts";

type RouteIn = ConfigInput["routes"][number];

/** Istio `retryOn` conditions as Edgeway's `retries.on`. */
const RETRY_ON: Record<string, readonly string[]> = {
  "5xx": ["5xx"],
  "gateway-error": ["502", "503", "504"],
  "connect-failure": ["connect-failure"],
  "refused-stream": ["connect-failure"],
  reset: ["connect-failure"],
  unavailable: ["503"],
  "retriable-status-codes": [],
};

/** The route's timeoutMs for an Istio `timeout`, within Edgeway's bounds; undefined (reported) when not a duration. */
export function mapTimeout(value: unknown, source: string, path: string, log: DropLog): number | undefined {
  const ms = durationMs(value);
  if (ms === undefined) {
    log.drop(source, path, `not a duration: ${JSON.stringify(value)}`);
    return undefined;
  }
  return Math.min(300_000, Math.max(50, ms));
}

export function mapRetries(retries: Record<string, unknown>, source: string, path: string, log: DropLog): RouteIn["retries"] {
  dropUnhandled(log, source, path, retries, ["attempts", "perTryTimeout", "retryOn"]);
  const out: Record<string, unknown> = {};
  const attempts = num(retries["attempts"]);
  if (attempts !== undefined) {
    if (attempts > 5) log.drop(source, `${path}.attempts`, `${attempts} capped at Edgeway's maximum of 5`);
    out["attempts"] = Math.min(5, Math.max(0, Math.round(attempts)));
  }
  if (retries["perTryTimeout"] !== undefined) {
    const ms = durationMs(retries["perTryTimeout"]);
    if (ms === undefined) log.drop(source, `${path}.perTryTimeout`, `not a duration: ${JSON.stringify(retries["perTryTimeout"])}`);
    else out["perTryTimeoutMs"] = Math.min(300_000, Math.max(50, ms));
  }
  const retryOn = text(retries["retryOn"]);
  if (retryOn !== undefined) {
    const on = new Set<string>();
    for (const part of retryOn.split(",").map((s) => s.trim())) {
      if (/^[45]\d\d$/.test(part)) on.add(part);
      else if (RETRY_ON[part] !== undefined) for (const c of RETRY_ON[part] ?? []) on.add(c);
      else log.drop(source, `${path}.retryOn`, `condition "${part}" has no Edgeway equivalent`);
    }
    if (on.size > 0) out["on"] = [...on];
  }
  return out as RouteIn["retries"];
}

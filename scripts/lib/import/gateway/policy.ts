/**
 * A Gateway API rule's `timeouts`, `retry` and `sessionPersistence` as the route's
 * `timeoutMs`, `retries` and `affinity`.
 *
 * - timeouts.request → timeoutMs; "0s" (no timeout) is Edgeway's longest, 300 s, as the
 *   spec asks of implementations that cannot turn it off.
 * - timeouts.backendRequest → retries.perTryTimeoutMs ("0s": no per-try deadline).
 * - retry.attempts and retry.codes → retries.attempts and retries.on, with connect
 *   failures (the spec's SHOULD) and, when a backendRequest timeout is set, a try that
 *   timed out; `backoff` is reported (Edgeway retries at once, on another origin).
 * - sessionPersistence of type Cookie → cookie affinity under its name, its
 *   absoluteTimeout the cookie's lifetime; a Header session, idleTimeout and a session
 *   (browser-lifetime) cookie are reported.
 */
import type { ConfigInput } from "../../../../src/config/schema.ts";
import { dropUnhandled, list, num, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";
import { gatewayDurationMs } from "./duration.ts";

type RouteIn = ConfigInput["routes"][number];

const MIN_MS = 50;
const MAX_MS = 300_000;

/** A duration field within Edgeway's bounds (50 ms – 300 s); "0s" is `zero`; undefined (reported) when not a duration. */
function bounded(value: unknown, zero: number | undefined, source: string, path: string, log: DropLog): number | undefined {
  const ms = gatewayDurationMs(value);
  if (ms === undefined) {
    log.drop(source, path, `not a Gateway API duration (GEP-2257, e.g. "10s", "1m30s"): ${JSON.stringify(value)}`);
    return undefined;
  }
  if (ms === 0) return zero;
  const kept = Math.min(MAX_MS, Math.max(MIN_MS, ms));
  if (kept !== ms) log.drop(source, path, `${String(value)} is outside Edgeway's ${MIN_MS} ms – ${MAX_MS / 1000} s: ${kept} ms is used`);
  return kept;
}

export function rulePolicy(rule: Record<string, unknown>, source: string, path: string, log: DropLog): Partial<RouteIn> {
  const out: Record<string, unknown> = {};
  const retries: Record<string, unknown> = {};
  const timeouts = record(rule["timeouts"]);
  if (timeouts !== undefined) {
    dropUnhandled(log, source, `${path}.timeouts`, timeouts, ["request", "backendRequest"]);
    if (timeouts["request"] !== undefined) {
      const ms = bounded(timeouts["request"], MAX_MS, source, `${path}.timeouts.request`, log);
      if (ms !== undefined) out["timeoutMs"] = ms;
    }
    if (timeouts["backendRequest"] !== undefined) {
      const ms = bounded(timeouts["backendRequest"], undefined, source, `${path}.timeouts.backendRequest`, log);
      if (ms !== undefined) retries["perTryTimeoutMs"] = ms;
    }
  }
  const retry = record(rule["retry"]);
  if (retry !== undefined) {
    dropUnhandled(log, source, `${path}.retry`, retry, ["codes", "attempts", "backoff"]);
    const attempts = num(retry["attempts"]);
    if (attempts !== undefined) {
      if (attempts > 5) log.drop(source, `${path}.retry.attempts`, `${attempts} capped at Edgeway's maximum of 5`);
      retries["attempts"] = Math.min(5, Math.max(0, Math.round(attempts)));
    }
    const on = ["connect-failure", ...(retries["perTryTimeoutMs"] === undefined ? [] : ["timeout"])];
    for (const code of list(retry["codes"])) if (typeof code === "number" && code >= 400 && code <= 599) on.push(String(code));
    retries["on"] = on;
    if (retry["backoff"] !== undefined)
      log.drop(source, `${path}.retry.backoff`, "Edgeway retries at once, on the next origin steering picks, within its retry budget");
  }
  if (Object.keys(retries).length > 0) out["retries"] = retries;
  const session = record(rule["sessionPersistence"]);
  if (session !== undefined) {
    const affinity = sessionAffinity(session, source, `${path}.sessionPersistence`, log);
    if (affinity !== undefined) out["affinity"] = affinity;
  }
  return out as Partial<RouteIn>;
}

function sessionAffinity(session: Record<string, unknown>, source: string, path: string, log: DropLog): RouteIn["affinity"] {
  dropUnhandled(log, source, path, session, ["sessionName", "absoluteTimeout", "idleTimeout", "type", "cookieConfig"]);
  if ((text(session["type"]) ?? "Cookie") !== "Cookie") {
    log.drop(
      source,
      `${path}.type`,
      "Edgeway's header affinity hashes a header the client sends; it issues no session header: not imported",
    );
    return undefined;
  }
  const out: Record<string, unknown> = { type: "cookie" };
  const name = text(session["sessionName"]);
  if (name !== undefined && /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/.test(name)) out["name"] = name;
  else if (name !== undefined)
    log.drop(source, `${path}.sessionName`, "not a cookie name (RFC 6265 token): Edgeway's default name is used");
  const lifetime = text(record(session["cookieConfig"])?.["lifetimeType"]) ?? "Session";
  const absolute = gatewayDurationMs(session["absoluteTimeout"]);
  if (lifetime === "Permanent" && absolute !== undefined && absolute >= 1_000) out["ttlSeconds"] = Math.round(absolute / 1_000);
  else
    log.drop(
      source,
      `${path}.cookieConfig`,
      "Edgeway's affinity cookie always has a lifetime (23 h unless an absoluteTimeout is given with lifetimeType Permanent)",
    );
  if (session["idleTimeout"] !== undefined)
    log.drop(source, `${path}.idleTimeout`, "Edgeway's affinity cookie lasts its lifetime whether or not it is used");
  return out as RouteIn["affinity"];
}

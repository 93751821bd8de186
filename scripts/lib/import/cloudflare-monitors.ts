/** Cloudflare monitors as Edgeway monitors (part of `import --from cloudflare`). */
import { MonitorSchema } from "../../../src/config/schema.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import { IdAllocator } from "./ids.ts";
import { dropUnhandled, list, num, record, text } from "./model.ts";
import type { DropLog } from "./model.ts";

type MonitorIn = NonNullable<ConfigInput["monitors"]>[number];

/** One Cloudflare API object found in the input, with where it was. */
export interface CloudflareItem<K extends string = string> {
  readonly kind: K;
  readonly source: string;
  readonly path: string;
  readonly value: Record<string, unknown>;
}

/** Fields Cloudflare's API adds that say nothing about routing. */
export const BOOKKEEPING = ["id", "created_on", "modified_on", "description", "name"];

/** The monitors, and each Cloudflare monitor id's Edgeway id and type (pools refer to monitors by id). */
export function importMonitors(
  items: readonly CloudflareItem[],
  log: DropLog,
): { monitors: MonitorIn[]; monitorById: Map<string, { id: string; type: string }> } {
  const monitors: MonitorIn[] = [];
  const monitorById = new Map<string, { id: string; type: string }>();
  const monitorIds = new IdAllocator();
  for (const item of items) {
    const m = item.value;
    const cfId = text(m["id"]) ?? text(m["description"]) ?? `monitor-${monitors.length + 1}`;
    const id = monitorIds.take(text(m["description"]) ?? cfId);
    const type = text(m["type"]) ?? "http";
    const out: Record<string, unknown> = { id };
    if (["http", "https", "tcp"].includes(type)) out["type"] = type;
    else log.drop(item.source, `${item.path}.type`, `monitor type ${type} has no Edgeway equivalent (http, https, tcp): probed as http`);
    if (text(m["method"]) !== undefined) {
      const method = (text(m["method"]) ?? "GET").toUpperCase();
      if ((MonitorSchema.shape.method.unwrap().options as readonly string[]).includes(method)) out["method"] = method;
      else log.drop(item.source, `${item.path}.method`, `${method} is not a probe method Edgeway sends`);
    }
    if (text(m["path"]) !== undefined) out["path"] = text(m["path"]);
    const port = num(m["port"]);
    if (port !== undefined && port > 0) out["port"] = port;
    const headers = record(m["header"]);
    if (headers !== undefined) {
      const h: Record<string, string> = {};
      for (const [name, values] of Object.entries(headers)) {
        const all = list(values).map(String);
        if (all.length > 1) log.drop(item.source, `${item.path}.header.${name}`, "only the first value is sent");
        if (all[0] !== undefined) h[name] = all[0];
      }
      out["headers"] = h;
    }
    const timeout = num(m["timeout"]);
    if (timeout !== undefined) out["timeoutMs"] = Math.round(timeout * 1000);
    const interval = num(m["interval"]);
    if (interval !== undefined) out["intervalSeconds"] = interval;
    if (text(m["expected_codes"]) !== undefined) out["expectedCodes"] = text(m["expected_codes"]);
    if (text(m["expected_body"]) !== undefined && text(m["expected_body"]) !== "") out["expectedBody"] = text(m["expected_body"]);
    if (typeof m["follow_redirects"] === "boolean") out["followRedirects"] = m["follow_redirects"];
    if (num(m["consecutive_down"]) !== undefined) out["unhealthyThreshold"] = Math.max(1, num(m["consecutive_down"]) ?? 1);
    if (num(m["consecutive_up"]) !== undefined) out["healthyThreshold"] = Math.max(1, num(m["consecutive_up"]) ?? 1);
    if ((num(m["retries"]) ?? 0) > 0)
      log.drop(
        item.source,
        `${item.path}.retries`,
        "Edgeway does not resend a timed-out probe at once; unhealthyThreshold counts failures",
      );
    dropUnhandled(log, item.source, item.path, m, [
      ...BOOKKEEPING,
      "type",
      "method",
      "path",
      "port",
      "header",
      "timeout",
      "interval",
      "expected_codes",
      "expected_body",
      "follow_redirects",
      "consecutive_down",
      "consecutive_up",
      "retries",
    ]);
    monitors.push(out as MonitorIn);
    monitorById.set(cfId, { id, type: typeof out["type"] === "string" ? out["type"] : "http" });
  }

  return { monitors, monitorById };
}

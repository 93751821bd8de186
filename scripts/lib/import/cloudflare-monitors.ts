/**
 * Cloudflare monitors as Edgeway monitors (part of `import --from cloudflare`). Cloudflare
 * sets the regions a monitor probes from on each pool (`check_regions`), Edgeway on the
 * monitor (`regions`): a monitor that pools use with different regions becomes one
 * Edgeway monitor per set of regions, the first keeping its name.
 */
import { MonitorSchema } from "../../../src/config/schema.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import type { ProbeRegion } from "../../../src/config/probe-regions.ts";
import { BOOKKEEPING, dropUnset, str } from "./cloudflare-fields.ts";
import type { CloudflareItem } from "./cloudflare-fields.ts";
import { IdAllocator } from "./ids.ts";
import { list, num, record } from "./model.ts";
import type { DropLog } from "./model.ts";

export { BOOKKEEPING } from "./cloudflare-fields.ts";
export type { CloudflareItem } from "./cloudflare-fields.ts";

type MonitorIn = NonNullable<ConfigInput["monitors"]>[number];

/** What a pool needs of its monitor: the Edgeway id, and the type its origins' scheme follows. */
export interface MonitorRef {
  readonly id: string;
  readonly type: string;
}

/** Cloudflare monitor types Edgeway cannot send, probed with a TCP connection (the nearest check it has). */
const CONNECT_ONLY = ["udp_icmp", "icmp_ping", "smtp"];

const MONITOR_FIELDS = [
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
  "allow_insecure",
];

/** Fields of an HTTP request, which a TCP check does not send (follow_redirects: only when true). */
const HTTP_ONLY = ["path", "header", "expected_codes", "expected_body"];

const TCP_ONLY = "a TCP connection check sends no HTTP request";

/** One Cloudflare monitor as an Edgeway monitor (without regions). */
function readMonitor(item: CloudflareItem, id: string, log: DropLog): MonitorIn {
  const m = item.value;
  const type = str(m["type"]) ?? "http";
  const out: Record<string, unknown> = { id };
  if (["http", "https", "tcp"].includes(type)) out["type"] = type;
  else if (CONNECT_ONLY.includes(type)) {
    out["type"] = "tcp";
    log.drop(item.source, `${item.path}.type`, `Edgeway sends no ${type} probe: probed by opening a TCP connection`);
  } else log.drop(item.source, `${item.path}.type`, `monitor type ${type} has no Edgeway equivalent (http, https, tcp): probed as http`);
  const http = out["type"] !== "tcp";
  // A TCP monitor's method is "connection_established" and its HTTP fields are unset: nothing to carry.
  if (http && str(m["method"]) !== undefined) {
    const method = (str(m["method"]) ?? "GET").toUpperCase();
    if ((MonitorSchema.shape.method.unwrap().options as readonly string[]).includes(method)) out["method"] = method;
    else log.drop(item.source, `${item.path}.method`, `${method} is not a probe method Edgeway sends`);
  }
  if (http && str(m["path"]) !== undefined) out["path"] = str(m["path"]);
  const port = num(m["port"]);
  if (port !== undefined && port > 0) out["port"] = port;
  const headers = record(m["header"]);
  if (http && headers !== undefined) {
    const h: Record<string, string> = {};
    for (const [name, values] of Object.entries(headers)) {
      const all = list(values).map(String);
      if (all.length > 1) log.drop(item.source, `${item.path}.header.${name}`, "only the first value is sent");
      if (all[0] !== undefined) h[name] = all[0];
    }
    out["headers"] = h;
  }
  const timeout = num(m["timeout"]);
  if (timeout !== undefined && timeout > 0) out["timeoutMs"] = Math.round(timeout * 1000);
  const interval = num(m["interval"]);
  if (interval !== undefined && interval > 0) out["intervalSeconds"] = interval;
  if (http && str(m["expected_codes"]) !== undefined) out["expectedCodes"] = str(m["expected_codes"]);
  if (http && str(m["expected_body"]) !== undefined) out["expectedBody"] = str(m["expected_body"]);
  if (http && typeof m["follow_redirects"] === "boolean") out["followRedirects"] = m["follow_redirects"];
  if (num(m["consecutive_down"]) !== undefined) out["unhealthyThreshold"] = Math.max(1, num(m["consecutive_down"]) ?? 1);
  if (num(m["consecutive_up"]) !== undefined) out["healthyThreshold"] = Math.max(1, num(m["consecutive_up"]) ?? 1);
  if ((num(m["retries"]) ?? 0) > 0)
    log.drop(item.source, `${item.path}.retries`, "Edgeway does not resend a timed-out probe at once; unhealthyThreshold counts failures");
  if (m["allow_insecure"] === true)
    log.drop(item.source, `${item.path}.allow_insecure`, "Edgeway's probes check the origin's certificate as its requests do");
  if (str(m["probe_zone"]) !== undefined)
    log.drop(item.source, `${item.path}.probe_zone`, "Edgeway's probes go to the origin as probes, not as a zone's requests");
  if (!http && m["follow_redirects"] === true) log.drop(item.source, `${item.path}.follow_redirects`, TCP_ONLY);
  // allow_insecure: false is Edgeway's behaviour; an unset field says nothing.
  const handled = http ? MONITOR_FIELDS : MONITOR_FIELDS.filter((f) => !HTTP_ONLY.includes(f));
  dropUnset(log, item.source, item.path, m, [...handled, "probe_zone"], http ? undefined : TCP_ONLY);
  return out as MonitorIn;
}

/** The imported monitors, handed to pools by Cloudflare id and regions. */
export class MonitorSet {
  readonly #ids = new IdAllocator();
  readonly #base = new Map<string, { monitor: MonitorIn; type: string }>();
  /** Per Cloudflare id: the Edgeway monitors made so far, keyed by their regions. */
  readonly #variants = new Map<string, Map<string, MonitorIn>>();
  readonly #order: string[] = [];

  constructor(items: readonly CloudflareItem[], log: DropLog) {
    for (const item of items) {
      const m = item.value;
      const cfId = str(m["id"]) ?? str(m["description"]) ?? `monitor-${this.#order.length + 1}`;
      const monitor = readMonitor(item, this.#ids.take(str(m["description"]) ?? cfId), log);
      this.#base.set(cfId, { monitor, type: typeof monitor.type === "string" ? monitor.type : "http" });
      this.#order.push(cfId);
    }
  }

  /**
   * The monitor a pool names by Cloudflare id, probing from `regions`: the first pool's
   * regions go on the monitor itself; other regions get a copy of their own.
   */
  use(cfId: string, regions: readonly ProbeRegion[] | undefined): MonitorRef | undefined {
    const base = this.#base.get(cfId);
    if (base === undefined) return undefined;
    const key = (regions ?? []).join(",");
    const variants = this.#variants.get(cfId) ?? new Map<string, MonitorIn>();
    this.#variants.set(cfId, variants);
    let monitor = variants.get(key);
    if (monitor === undefined) {
      const id =
        variants.size === 0 ? base.monitor.id : this.#ids.take(`${base.monitor.id}${regions === undefined ? "" : `-${regions.join("-")}`}`);
      monitor = { ...base.monitor, id, ...(regions === undefined ? {} : { regions: [...regions] }) };
      variants.set(key, monitor);
    }
    return { id: monitor.id, type: base.type };
  }

  /** Every monitor, in document order, each followed by its copies; a monitor no pool uses is kept as it was. */
  monitors(): MonitorIn[] {
    return this.#order.flatMap((cfId) => {
      const made = [...(this.#variants.get(cfId)?.values() ?? [])];
      const base = this.#base.get(cfId)?.monitor;
      return made.length > 0 ? made : base === undefined ? [] : [base];
    });
  }
}

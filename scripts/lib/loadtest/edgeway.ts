/**
 * Edgeway as the load test runs it: the bundle on workerd with its KV namespace, the
 * SQLite-backed OriginState Durable Object, EDGEWAY_DEBUG_HEADERS="true" (so the
 * x-edgeway-debug-geo header stands in for request.cf) and an admin token; configured and
 * observed only through the admin API (docs/operating.md, "The admin API").
 */
import { launchWorker } from "./runtime.ts";
import type { RunningWorker, RuntimeName, WorkerModule } from "./runtime.ts";
import { parsePrometheus } from "../prometheus.ts";
import type { MetricSample } from "../prometheus.ts";

export { sumMetric } from "../prometheus.ts";

export interface EdgewayLaunch {
  readonly runtime: RuntimeName;
  readonly modules: readonly WorkerModule[];
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  readonly adminToken: string;
  /** EDGEWAY_ALLOW_LOOPBACK_REGISTRATION: registrations may point at 127.0.0.1 (--registrations). */
  readonly allowLoopbackRegistration?: boolean;
  /** workerd's V8 inspector on 127.0.0.1:PORT (npm run profile). */
  readonly inspectorPort?: number;
}

export function launchEdgeway(launch: EdgewayLaunch, name: string, dir: string): Promise<RunningWorker> {
  return launchWorker(
    launch.runtime,
    {
      name,
      modules: launch.modules,
      compatibilityDate: launch.compatibilityDate,
      compatibilityFlags: launch.compatibilityFlags,
      vars: {
        EDGEWAY_DEBUG_HEADERS: "true",
        ADMIN_TOKEN: launch.adminToken,
        ...(launch.allowLoopbackRegistration === true ? { EDGEWAY_ALLOW_LOOPBACK_REGISTRATION: "true" } : {}),
      },
      kv: ["CONFIG"],
      durableObjects: { ORIGIN_STATE: "OriginState" },
      ...(launch.inspectorPort === undefined ? {} : { inspectorPort: launch.inspectorPort }),
    },
    dir,
  );
}

export const auth = (token: string) => ({ authorization: `Bearer ${token}` });

/** PUT /_edgeway/config; resolves with the version, throws with Edgeway's answer on anything else. */
export async function putConfig(base: URL, token: string, document: unknown): Promise<number> {
  const response = await fetch(new URL("/_edgeway/config", base), {
    method: "PUT",
    headers: { ...auth(token), "content-type": "application/json" },
    body: JSON.stringify(document),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`PUT /_edgeway/config answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { version: number }).version;
}

export async function readMetrics(base: URL, token: string): Promise<readonly MetricSample[]> {
  const response = await fetch(new URL("/_edgeway/metrics", base), { headers: auth(token), signal: AbortSignal.timeout(2_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`GET /_edgeway/metrics answered ${response.status}`);
  return parsePrometheus(text).samples;
}

/** Origin id → probe health and outlier ejection, from GET /_edgeway/health (fields it lacks stay undefined). */
export async function readHealth(
  base: URL,
  token: string,
): Promise<Record<string, { healthy: boolean | undefined; ejected: boolean | undefined }>> {
  const response = await fetch(new URL("/_edgeway/health", base), { headers: auth(token), signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { origins?: Record<string, { healthy?: unknown; ejected?: unknown }> };
  const flag = (v: unknown) => (typeof v === "boolean" ? v : undefined);
  const out: Record<string, { healthy: boolean | undefined; ejected: boolean | undefined }> = {};
  for (const [id, o] of Object.entries(body.origins ?? {})) out[id] = { healthy: flag(o.healthy), ejected: flag(o.ejected) };
  return out;
}

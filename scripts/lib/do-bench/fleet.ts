/**
 * A fleet of Edgeway isolates for the Durable Object load benchmark, on the Miniflare API:
 * one workerd process, one worker (one V8 isolate) per simulated isolate, all running the
 * production bundle and all bound to the first worker's OriginState object (its
 * `scriptName`), with `aggregate` to its ColoAggregator objects too, and to one KV namespace. Each worker plays one isolate of one colo: the
 * driver sends it requests with `x-edgeway-debug-geo: colo=…` (EDGEWAY_DEBUG_HEADERS is
 * on). Workers share Miniflare's cache, as isolates of one colo share `caches.default`;
 * the snapshot's cache key names the colo, so colos do not share entries.
 */
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import type { WorkerModule } from "../loadtest/runtime.ts";

export interface FleetMember {
  readonly name: string;
  readonly colo: string;
  readonly url: URL;
}

export interface Fleet {
  readonly members: readonly FleetMember[];
  dispose(): Promise<void>;
}

export interface FleetSpec {
  readonly modules: readonly WorkerModule[];
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  readonly adminToken: string;
  readonly colos: readonly string[];
  readonly isolatesPerColo: number;
  /** false: caches.default does nothing (the Cache API turned off, as on workers.dev). */
  readonly cacheApi: boolean;
  /**
   * true: every member binds COLO_AGGREGATOR (the first member's class), so isolates report
   * through their colo's aggregator; false: no binding, so they report to the object directly.
   */
  readonly aggregate: boolean;
}

/** Starts the fleet; the first member owns the Durable Object class. */
export async function startFleet(spec: FleetSpec): Promise<Fleet> {
  const plan = spec.colos.flatMap((colo) =>
    Array.from({ length: spec.isolatesPerColo }, (_, i) => ({ colo, name: `${colo.toLowerCase()}-${i}` })),
  );
  const owner = plan[0]?.name ?? "edgeway";
  const workers = plan.map(({ name }) => ({
    name,
    compatibilityDate: spec.compatibilityDate,
    compatibilityFlags: [...spec.compatibilityFlags],
    modulesRoot: "/",
    modules: spec.modules.map((m) => ({ type: "ESModule" as const, path: `/${m.name}`, contents: m.contents })),
    bindings: { EDGEWAY_DEBUG_HEADERS: "true", ADMIN_TOKEN: spec.adminToken },
    kvNamespaces: { CONFIG: "do-bench-config" },
    durableObjects: {
      ORIGIN_STATE:
        name === owner ? { className: "OriginState", useSQLite: true } : { className: "OriginState", scriptName: owner, useSQLite: true },
      ...(spec.aggregate
        ? {
            COLO_AGGREGATOR:
              name === owner
                ? { className: "ColoAggregator", useSQLite: true }
                : { className: "ColoAggregator", scriptName: owner, useSQLite: true },
          }
        : {}),
    },
    cacheAPI: spec.cacheApi,
    unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
  }));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      log: new Log(LogLevel.ERROR),
      handleStructuredLogs: () => undefined,
      telemetry: { enabled: false },
      workers,
    }),
  );
  try {
    await mf.ready;
    const members: FleetMember[] = [];
    for (const { name, colo } of plan) {
      const url = await mf.unsafeGetDirectURL(name);
      members.push({ name, colo, url: new URL(`http://127.0.0.1:${url.port}/`) });
    }
    return { members, dispose: () => mf.dispose() };
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
}

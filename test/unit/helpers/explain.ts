import type { CompiledConfig } from "../../../src/config/compile.ts";
import type { ConfigInput } from "../../../src/config/schema.ts";
import type { Ejection } from "../../../src/health/outlier.ts";
import type { ClientInfo } from "../../../src/routing/client.ts";
import type { HealthSnapshot, OriginStatus } from "../../../src/health/snapshot.ts";
import { explain, explainHealth } from "../../../src/steering/explain/index.ts";
import type { Explanation, ExplainedOrigin, ExplainedPool, ExplainInput } from "../../../src/steering/explain/index.ts";
import type { SteeringSignals } from "../../../src/steering/types.ts";
import { NO_SIGNALS } from "../../../src/steering/types.ts";
import { makeOrigins, makePool, makeRoute } from "./configs.ts";
import { mulberry32 } from "./random.ts";

/** The clock every explanation test reads. */
export const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);

/** What a test varies about the request and the state it meets. */
export interface Scenario {
  readonly url?: string;
  readonly method?: string;
  readonly client?: ClientInfo;
  readonly headers?: Record<string, string>;
  readonly snapshot?: HealthSnapshot;
  readonly ejections?: readonly Ejection[];
  readonly signals?: SteeringSignals;
  readonly configured?: CompiledConfig;
  readonly verifyCookie?: ExplainInput["verifyCookie"];
  readonly seed?: number;
}

/** Explains a request against `config` with the scenario's health, signals and cookies, at NOW. */
export function run(config: CompiledConfig, s: Scenario = {}): Promise<Explanation> {
  const snapshot = s.snapshot;
  return explain({
    config,
    configured: s.configured,
    request: {
      url: new URL(s.url ?? "http://app.test/x"),
      method: s.method ?? "GET",
      headers: new Headers(s.headers ?? {}),
      client: s.client ?? {},
      clientSources: {},
    },
    health: explainHealth(
      snapshot,
      s.ejections ?? [],
      config,
      NOW,
      snapshot === undefined ? { source: "none", generatedAt: null } : { source: "isolate", generatedAt: snapshot.generatedAt },
    ),
    signals: s.signals ?? NO_SIGNALS,
    random: mulberry32(s.seed ?? 7),
    now: NOW,
    verifyCookie: s.verifyCookie,
  });
}

/** A snapshot where the named origins fail their probes (all others pass). */
export function snapshotDown(
  down: readonly string[],
  extra: Partial<HealthSnapshot> = {},
  status: Partial<OriginStatus> = {},
): HealthSnapshot {
  const origins: Record<string, OriginStatus> = {};
  for (const id of down)
    origins[id] = {
      healthy: false,
      since: NOW - 60_000,
      reason: "HTTP 503 (expected 2xx)",
      lastProbeAt: NOW - 5_000,
      lastProbeOk: false,
      ...status,
    };
  return { generatedAt: NOW - 1_000, origins, ...extra };
}

/** Pool `id` of the explanation; throws naming the pools when absent. */
export function pool(e: Explanation, id: string): ExplainedPool {
  const found = e.pools.find((p) => p.id === id);
  if (found === undefined) throw new Error(`no pool ${id} in ${e.pools.map((p) => p.id).join(", ")}`);
  return found;
}

/** Origin `id` of an explained pool; throws when absent. */
export function origin(p: ExplainedPool, id: string): ExplainedOrigin {
  const found = p.origins.find((o) => o.id === id);
  if (found === undefined) throw new Error(`no origin ${id} in pool ${p.id}`);
  return found;
}

/** The origin the first try goes to, if any. */
export function picked(e: Explanation): string | undefined {
  return e.outcome.kind === "origin" ? e.outcome.origin : undefined;
}

/** An ejection of `originId` in `poolId` in force until `until`. */
export function ejection(originId: string, poolId: string, until = NOW + 30_000): Ejection {
  return {
    originId,
    poolId,
    kind: "consecutive-gateway-failure",
    at: NOW - 2_000,
    until,
    count: 1,
    reason: "3 consecutive gateway failures (last: connect-failure)",
  };
}

/** Route "r" (failover) over pools main (m0..m2) and backup (b0, b1), fallback "last" (l0, l1). */
export function threeTier(
  options: {
    pool?: (id: string) => Record<string, unknown>;
    origin?: (id: string) => Record<string, unknown>;
    route?: Record<string, unknown>;
  } = {},
): ConfigInput {
  const o = options.origin ?? (() => ({}));
  const p = options.pool ?? (() => ({}));
  const origins = [...makeOrigins(3, "m"), ...makeOrigins(2, "b"), ...makeOrigins(2, "l")].map((x, i) => ({
    ...x,
    url: `http://127.0.0.1:${30_000 + i}`,
    ...o(x.id),
  }));
  return {
    origins,
    pools: [
      makePool("main", ["m0", "m1", "m2"], p("main")),
      makePool("backup", ["b0", "b1"], p("backup")),
      makePool("last", ["l0", "l1"], p("last")),
    ],
    routes: [makeRoute("r", ["main", "backup"], { fallbackPool: "last", ...options.route })],
  };
}

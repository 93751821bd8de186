/**
 * The policies the simulator runs side by side. Each is a config document built the way
 * a user would write it, validated and compiled by Edgeway's own code
 * (src/config/validate.ts, compile.ts), so the steering that runs is exactly what the
 * worker would run for that config. Adding a policy is one entry in POLICIES.
 *
 * Layouts: "pool" puts every origin in one pool with the given pool settings; "route"
 * gives each origin a pool of its own and lets route steering choose between them;
 * "oracle" uses the pool layout but the simulator picks the origin itself, with perfect
 * knowledge of every origin's state (the yardstick, not Edgeway code).
 */
import type { ConfigInput } from "../../../src/config/schema.ts";
import { validateConfig } from "../../../src/config/validate.ts";
import { compileConfig } from "../../../src/config/compile.ts";
import type { CompiledConfig } from "../../../src/config/compile.ts";
import type { SteeringSignals } from "../../../src/steering/types.ts";
import type { OriginSpec } from "./types.ts";

type PoolInput = ConfigInput["pools"][number];
type RouteInput = ConfigInput["routes"][number];

export interface Policy {
  /** Name in tables, JSON and on the command line. */
  readonly name: string;
  readonly layout: "pool" | "route" | "oracle";
  /** Pool fields for the pool layout (steering and anything a policy needs). */
  readonly pool?: Partial<PoolInput>;
  /** Route fields for the route layout. */
  readonly route?: Partial<RouteInput>;
  /** Whether the targets are checked for this policy. */
  readonly targets?: boolean;
  /**
   * A what-if: the signals steering reads, changed (e.g. without the in-flight factor), to
   * show what a change would buy before anyone writes it. Not Edgeway as it ships; the
   * report marks such policies.
   */
  readonly whatIf?: (signals: SteeringSignals) => SteeringSignals;
}

/** What-if: latency steering that does not see requests in flight (cost = estimate alone). */
export const withoutOutstanding = (signals: SteeringSignals): SteeringSignals => ({ ...signals, outstanding: () => 0 });

/**
 * What-if: latency steering blind to the usual count in flight, so every try in flight
 * beyond the slack of one counts (close to the anchors' estimate × (outstanding + 1)) and
 * the tie band has no incumbent to keep (ties go by cost alone).
 */
export const everyTryCounts = (signals: SteeringSignals): SteeringSignals => {
  const { usualOutstanding: _, ...rest } = signals;
  return rest;
};

export const POLICIES: readonly Policy[] = [
  { name: "random", layout: "pool", pool: { steering: "random" } },
  { name: "weighted", layout: "pool", pool: { steering: "weighted" } },
  { name: "least-outstanding", layout: "pool", pool: { steering: "least_outstanding" } },
  { name: "pool-latency", layout: "pool", pool: { steering: "latency" }, targets: true },
  { name: "route-latency", layout: "route", route: { steering: "latency" }, targets: true },
  { name: "load-aware", layout: "pool", pool: { steering: "weighted", loadAware: { enabled: true } } },
  { name: "what-if: pool-latency, no in-flight", layout: "pool", pool: { steering: "latency" }, whatIf: withoutOutstanding },
  { name: "what-if: pool-latency, blind to usual in-flight", layout: "pool", pool: { steering: "latency" }, whatIf: everyTryCounts },
  { name: "oracle", layout: "oracle" },
];

/** The yardstick every other policy's added latency is measured against. */
export const ORACLE = "oracle";

/** Monitor probes: every 10 s (a Durable Object alarm), 2 s timeout, thresholds 2/2 (the schema's defaults). */
const MONITOR = { id: "http", path: "/healthz", intervalSeconds: 10, timeoutMs: 2_000 } as const;
/**
 * The route's timeouts and retries: one retry on the next origin (the schema's default) with
 * a 1 s per-try timeout, so a broken path costs a second, not the 15 s route timeout.
 */
export const PER_TRY_TIMEOUT_MS = 1_000;
const ROUTE_BASE = {
  id: "api",
  match: { host: "*", pathPrefix: "/" },
  timeoutMs: 5_000,
  retries: { attempts: 1, perTryTimeoutMs: PER_TRY_TIMEOUT_MS },
} as const;

/** Pool id for one origin in the route layout. */
export function poolOf(originId: string): string {
  return `p-${originId}`;
}

/** The config document a policy runs, over the origins present now; `scenarioPool` goes into every pool. */
export function configFor(policy: Policy, origins: readonly OriginSpec[], scenarioPool: Partial<PoolInput> = {}): ConfigInput {
  const originInputs = origins.map((o) => ({
    id: o.id,
    url: `https://${o.id}.origin.example`,
    region: o.region,
    weight: o.weight ?? 1,
  }));
  if (policy.layout === "route") {
    return {
      origins: originInputs,
      monitors: [MONITOR],
      pools: origins.map((o) => ({ id: poolOf(o.id), origins: [o.id], monitor: MONITOR.id, ...scenarioPool })),
      routes: [{ ...ROUTE_BASE, pools: origins.map((o) => poolOf(o.id)), ...policy.route }],
    };
  }
  return {
    origins: originInputs,
    monitors: [MONITOR],
    pools: [{ id: "all", origins: origins.map((o) => o.id), monitor: MONITOR.id, ...scenarioPool, ...policy.pool }],
    routes: [{ ...ROUTE_BASE, pools: ["all"], ...policy.route }],
  };
}

/** Validates and compiles a policy's config; a config that does not validate is a bug in the simulator, and throws. */
export function compileFor(
  policy: Policy,
  origins: readonly OriginSpec[],
  version: number,
  scenarioPool: Partial<PoolInput> = {},
): CompiledConfig {
  const result = validateConfig(configFor(policy, origins, scenarioPool));
  if (!result.ok) throw new Error(`simulator: ${policy.name} config is invalid: ${JSON.stringify(result.issues)}`);
  return compileConfig(result.config, version);
}

/** The policies named (all when `names` is empty); throws for an unknown name. The oracle always runs. */
export function policiesNamed(names: readonly string[]): readonly Policy[] {
  if (names.length === 0) return POLICIES;
  for (const name of names) {
    if (!POLICIES.some((p) => p.name === name))
      throw new Error(`unknown policy "${name}"; known: ${POLICIES.map((p) => p.name).join(", ")}`);
  }
  return POLICIES.filter((p) => p.name === ORACLE || names.includes(p.name));
}

/**
 * Runs the shared conformance suites (steering-conformance.case.ts) for every policy in
 * the registries. A new policy is picked up from the registry; the compiler asks for its
 * line in the options below, and until it has one it is held to the default contract:
 * share by weight, pure for a given seed.
 */
import { describe, expect, it } from "vitest";
import { POOL_STEERING, ROUTE_STEERING } from "../../src/config/schema.ts";
import type { PoolSteeringName, RouteSteeringName } from "../../src/config/schema.ts";
import { POOL_POLICIES, ROUTE_POLICIES } from "../../src/steering/registry.ts";
import { fakeSignals, runPoolPolicyConformance, runRoutePolicyConformance } from "./steering-conformance.case.ts";
import type { PoolConformanceOptions, RouteConformanceOptions } from "./steering-conformance.case.ts";

const WEIGHT_SHARES = [0.6, 0.2, 0.2] as const;
const EVEN_SHARES = [1 / 3, 1 / 3, 1 / 3] as const;

const DEFAULT_POOL_OPTIONS: PoolConformanceOptions = { expectedShare: WEIGHT_SHARES, tolerance: 0.03, deterministic: "seed" };

const POOL_OPTIONS: Record<PoolSteeringName, PoolConformanceOptions> = {
  weighted: { expectedShare: WEIGHT_SHARES, tolerance: 0.03, deterministic: "sequence" },
  round_robin: { expectedShare: EVEN_SHARES, tolerance: 0.03, deterministic: "sequence" },
  random: { expectedShare: WEIGHT_SHARES, tolerance: 0.03, deterministic: "seed" },
  least_outstanding: { expectedShare: WEIGHT_SHARES, tolerance: 0.03, deterministic: "sequence" },
  // Its share follows measured latency. With equal estimates the two draws tie and the
  // first (drawn by weight) wins today, but the suite only holds it to a wide band —
  // every origin at least 10% — so a change of tie-break is not a conformance failure.
  latency: {
    expectedShare: WEIGHT_SHARES,
    tolerance: 0.1,
    signals: fakeSignals({ latencyMs: { o0: 40, o1: 40, o2: 40 } }),
    deterministic: "seed",
  },
  // Its share is over distinct request keys: one client always lands on one origin.
  hash: { expectedShare: WEIGHT_SHARES, tolerance: 0.03, keyed: true, deterministic: "key" },
};

const DEFAULT_ROUTE_OPTIONS: RouteConformanceOptions = { downPools: "first-up" };

const ROUTE_OPTIONS: Record<RouteSteeringName, RouteConformanceOptions> = {
  failover: { downPools: "ignored" },
  geo: { downPools: "ignored" },
  proximity: { downPools: "ignored" },
  weighted: { downPools: "first-up" },
  least_outstanding: { downPools: "first-up" },
  latency: { downPools: "first-up" },
};

const poolOptions = new Map<string, PoolConformanceOptions>(Object.entries(POOL_OPTIONS));
const routeOptions = new Map<string, RouteConformanceOptions>(Object.entries(ROUTE_OPTIONS));

describe("the registries", () => {
  it("hold a pool policy for every pool steering name in the schema, and no other", () => {
    expect(Object.keys(POOL_POLICIES).sort()).toEqual([...POOL_STEERING].sort());
  });

  it("hold a route policy for every route steering name in the schema, and no other", () => {
    expect(Object.keys(ROUTE_POLICIES).sort()).toEqual([...ROUTE_STEERING].sort());
  });
});

for (const [name, policy] of Object.entries(POOL_POLICIES)) {
  runPoolPolicyConformance(name, policy, poolOptions.get(name) ?? DEFAULT_POOL_OPTIONS);
}

for (const [name, policy] of Object.entries(ROUTE_POLICIES)) {
  runRoutePolicyConformance(name, policy, routeOptions.get(name) ?? DEFAULT_ROUTE_OPTIONS);
}

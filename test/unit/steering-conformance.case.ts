/**
 * The conformance suites every steering policy must pass, as every Hono router passes
 * `src/router/common.case.test.ts`. steering-conformance.test.ts runs them for every
 * policy in the registries, so a policy is covered the day it is registered; each
 * policy's own test file then only holds what is particular to it.
 *
 * The pool suite drives the policy the way the data plane does, through the real
 * `selectOrigin` with a seeded random source, so it checks the policy together with the
 * candidate filtering it relies on (health, weight 0, enabled, exclude, panic). The
 * route suite calls `order` directly, and checks once through `selectOrigin` that a
 * down pool never serves whatever the order.
 *
 * Named `.case.ts`, not `.test.ts`, so vitest runs it only through the file that calls it.
 */
import { describe, expect, it } from "vitest";
import type { CompiledConfig, CompiledOrigin, CompiledPool, CompiledRoute } from "../../src/config/compile.ts";
import { POOL_STEERING, ROUTE_STEERING } from "../../src/config/schema.ts";
import type { PoolSteeringName, RouteSteeringName } from "../../src/config/schema.ts";
import type { ClientInfo } from "../../src/routing/client.ts";
import { poolKey } from "../../src/steering/latency.ts";
import { POOL_POLICIES, ROUTE_POLICIES } from "../../src/steering/registry.ts";
import { createMemoryStore, selectOrigin } from "../../src/steering/select.ts";
import type { HealthView, Selection } from "../../src/steering/select.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import type { PoolSteering, RouteSteering, SteeringSignals } from "../../src/steering/types.ts";
import { compile, healthyExcept, makeOrigins, makePool, makeRoute, poolOf, routeOf, singlePool } from "./helpers/configs.ts";
import type { OriginInput, PoolInput } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

/* ------------------------------------------------------------------ shared helpers */

/** Fixed signal tables, keyed by origin id or `pool:<id>`. */
export interface FakeSignalValues {
  /** Latency estimates in ms; a key that is absent was never measured. */
  readonly latencyMs?: Readonly<Record<string, number>>;
  /** Requests in flight; a key that is absent has none. */
  readonly outstanding?: Readonly<Record<string, number>>;
  /** The usual count in flight at dispatch; absent: the signals do not track it (nothing is usual). */
  readonly usualOutstanding?: Readonly<Record<string, number>>;
}

/** A small fake `SteeringSignals` answering from fixed tables. */
export function fakeSignals(values: FakeSignalValues = {}): SteeringSignals {
  const latency = new Map(Object.entries(values.latencyMs ?? {}));
  const outstanding = new Map(Object.entries(values.outstanding ?? {}));
  const usual = values.usualOutstanding === undefined ? undefined : new Map(Object.entries(values.usualOutstanding));
  return {
    latencyMs: (key) => latency.get(key),
    outstanding: (key) => outstanding.get(key) ?? 0,
    ...(usual === undefined ? {} : { usualOutstanding: (key: string) => usual.get(key) ?? 0 }),
  };
}

/** The schema's name for a pool policy, or undefined when the schema does not know it. */
export function poolSteeringName(name: string): PoolSteeringName | undefined {
  return POOL_STEERING.find((known) => known === name);
}

/** The schema's name for a route policy, or undefined when the schema does not know it. */
export function routeSteeringName(name: string): RouteSteeringName | undefined {
  return ROUTE_STEERING.find((known) => known === name);
}

/** How many times each id occurs. */
export function countIds(ids: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of ids) out[id] = (out[id] ?? 0) + 1;
  return out;
}

const ALL_HEALTHY: HealthView = { isHealthy: () => true };

/* ------------------------------------------------------------------ pool suite */

/**
 * What a pool policy promises to repeat:
 * - "sequence": the same picks from fresh memory whatever the random source (a rotation);
 * - "seed": the same picks for the same seed, different ones for another seed (random);
 * - "key": the same origin for the same request key, whatever the seed, memory or order.
 */
export type PoolDeterminism = "sequence" | "seed" | "key";

export interface PoolConformanceOptions {
  /**
   * Each origin's expected share of 10,000 picks over origins weighted 3:1:1 (o0, o1, o2),
   * with `signals` (no load and no latency when absent).
   */
  readonly expectedShare: readonly [number, number, number];
  /** How far each share may stray from `expectedShare`, in absolute terms (0.03 = 3 points). */
  readonly tolerance: number;
  /** The signals the distribution is measured under. */
  readonly signals?: SteeringSignals;
  /** Measure the distribution over 10,000 distinct request keys (one per pick) rather than 10,000 keyless picks. */
  readonly keyed?: boolean;
  readonly deterministic: PoolDeterminism;
}

/** A request key per pick, or none. */
type Keying = (pick: number) => string | undefined;

const KEYLESS: Keying = () => undefined;
const DISTINCT_KEYS: Keying = (pick) => `client-${pick}`;

interface PoolRun {
  readonly config: CompiledConfig;
  readonly health?: HealthView;
  readonly signals?: SteeringSignals;
  readonly exclude?: ReadonlySet<string>;
  readonly key?: Keying;
  readonly seed?: number;
}

/** `n` selections on route "r" with one fresh memory store and one seeded random source. */
function selections(run: PoolRun, n: number): Selection[] {
  const route = routeOf(run.config);
  const random = mulberry32(run.seed ?? 1);
  const memory = createMemoryStore();
  const key = run.key ?? KEYLESS;
  const out: Selection[] = [];
  for (let i = 0; i < n; i++) {
    const hashKey = key(i);
    const selection = selectOrigin({
      route,
      client: {},
      random,
      memory,
      health: run.health ?? ALL_HEALTHY,
      exclude: run.exclude ?? new Set(),
      signals: run.signals ?? NO_SIGNALS,
      hashKey: () => hashKey,
    });
    if (selection === undefined) throw new Error(`pick ${i} selected nothing`);
    out.push(selection);
  }
  return out;
}

function originIds(run: PoolRun, n: number): string[] {
  return selections(run, n).map((s) => s.origin.id);
}

/** The distinct ids, sorted. */
function distinct(ids: readonly string[]): string[] {
  return [...new Set(ids)].sort();
}

/** Signals that make the load- and latency-aware policies read something for every origin. */
const BUSY_SIGNALS = fakeSignals({
  latencyMs: { o0: 80, o1: 5, o2: 300, o3: 40 },
  outstanding: { o0: 2, o1: 7, o3: 1 },
});

/**
 * The suite every pool policy passes. `name` is the policy's name in the config; the
 * policy must be registered under it, since `selectOrigin` finds it there.
 */
export function runPoolPolicyConformance(name: string, policy: PoolSteering, options: PoolConformanceOptions): void {
  describe(`pool steering "${name}" (conformance)`, () => {
    const steering = poolSteeringName(name);

    it("is registered under its name, so selectOrigin runs it", () => {
      expect(steering, `"${name}" is not a pool steering name in the schema`).toBeDefined();
      expect(policy.name).toBe(name);
      if (steering !== undefined) expect(POOL_POLICIES[steering]).toBe(policy);
    });
    if (steering === undefined) return;

    /** Pool "p" on route "r", one origin per entry of `origins`, steered by this policy. */
    const config = (origins: readonly Partial<OriginInput>[], pool: Partial<PoolInput> = {}): CompiledConfig =>
      compile(singlePool({ origins: origins.length, origin: (i) => origins[i] ?? {}, pool: { steering, ...pool } }));
    const four = config([{}, {}, {}, {}]);

    for (const [label, key] of [
      ["without a request key", KEYLESS],
      ["with a distinct request key per pick", DISTINCT_KEYS],
    ] as const) {
      describe(label, () => {
        it("never picks an unhealthy origin while the pool is above its panic threshold", () => {
          const picked = selections({ config: four, health: healthyExcept("o1"), key }, 1_000);
          expect(distinct(picked.map((s) => s.origin.id))).toEqual(["o0", "o2", "o3"]);
          expect(picked.every((s) => !s.panic)).toBe(true);
        });

        it("with panicThreshold 0 serves only the healthy origin, however few are left", () => {
          const lonely = config([{}, {}, {}, {}], { panicThreshold: 0 });
          const picked = selections({ config: lonely, health: healthyExcept("o0", "o1", "o3"), key }, 500);
          expect(distinct(picked.map((s) => s.origin.id))).toEqual(["o2"]);
          expect(picked.every((s) => !s.panic)).toBe(true);
        });

        it("never picks a drained (weight 0) or disabled origin", () => {
          const partly = config([{}, { weight: 0 }, { enabled: false }, {}]);
          expect(distinct(originIds({ config: partly, key }, 1_000))).toEqual(["o0", "o3"]);
        });

        it("never picks an origin already tried, and picks the last one left", () => {
          expect(distinct(originIds({ config: four, exclude: new Set(["o0", "o2"]), key }, 1_000))).toEqual(["o1", "o3"]);
          expect(distinct(originIds({ config: four, exclude: new Set(["o0", "o1", "o3"]), key }, 200))).toEqual(["o2"]);
        });

        it("picks only among the candidates it is given, whatever the signals", () => {
          const pool = poolOf(config([{ weight: 2 }, {}, { weight: 3 }, {}]), "p");
          const candidates = pool.origins.filter((o) => o.id === "o1" || o.id === "o2");
          const random = mulberry32(5);
          const memory = new Map<string, number>();
          const seen = new Set<string | undefined>();
          for (let i = 0; i < 1_000; i++) {
            const signals = i % 2 === 0 ? NO_SIGNALS : BUSY_SIGNALS;
            seen.add(policy.pick({ pool, candidates, client: {}, random, memory, signals, hashKey: key(i) })?.id);
          }
          expect([...seen].sort()).toEqual(["o1", "o2"]);
        });

        it("with one candidate returns it", () => {
          const pool = poolOf(four, "p");
          const only: CompiledOrigin[] = pool.origins.filter((o) => o.id === "o3");
          const random = mulberry32(9);
          const memory = new Map<string, number>();
          for (let i = 0; i < 50; i++) {
            const signals = i % 2 === 0 ? NO_SIGNALS : BUSY_SIGNALS;
            expect(policy.pick({ pool, candidates: only, client: {}, random, memory, signals, hashKey: key(i) })).toBe(only[0]);
          }
        });
      });
    }

    const [share0, share1, share2] = options.expectedShare;
    const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
    it(`shares 10,000 picks over weights 3:1:1 as ${pct(share0)}/${pct(share1)}/${pct(share2)} ± ${pct(options.tolerance)}`, () => {
      const weighted = config([{ weight: 3 }, { weight: 1 }, { weight: 1 }]);
      const n = 10_000;
      const counts = countIds(
        originIds({ config: weighted, signals: options.signals, key: options.keyed === true ? DISTINCT_KEYS : KEYLESS, seed: 7 }, n),
      );
      options.expectedShare.forEach((expected, i) => {
        const share = (counts[`o${i}`] ?? 0) / n;
        expect(share, `o${i} got ${pct(share)}, expected ${pct(expected)}`).toBeGreaterThan(0);
        expect(Math.abs(share - expected), `o${i} got ${pct(share)}, expected ${pct(expected)}`).toBeLessThanOrEqual(options.tolerance);
      });
    });

    const keyingOfRun = options.keyed === true ? DISTINCT_KEYS : KEYLESS;
    const uneven = config([{ weight: 3 }, { weight: 2 }, { weight: 1 }]);

    it("is pure: the same seed and fresh memory give the same picks", () => {
      const a = originIds({ config: uneven, key: keyingOfRun, seed: 42 }, 500);
      const b = originIds({ config: uneven, key: keyingOfRun, seed: 42 }, 500);
      expect(a).toEqual(b);
    });

    if (options.deterministic === "sequence") {
      it("gives the same sequence from fresh memory whatever the random source", () => {
        const a = originIds({ config: uneven, seed: 1 }, 600);
        const b = originIds({ config: uneven, seed: 2 }, 600);
        expect(a).toEqual(b);
      });
    }

    if (options.deterministic === "seed") {
      it("follows its random source: another seed gives another sequence", () => {
        const a = originIds({ config: uneven, seed: 1 }, 200);
        const b = originIds({ config: uneven, seed: 2 }, 200);
        expect(a).not.toEqual(b);
      });
    }

    if (options.deterministic === "key") {
      it("sends the same key to the same origin every time, whatever the seed, memory or order", () => {
        const keys = Array.from({ length: 300 }, (_, i) => `session-${i}`);
        const home = originIds({ config: uneven, key: (i) => keys[i], seed: 1 }, keys.length);
        const reversed = [...keys].reverse();
        for (const seed of [2, 3]) {
          // Three rounds in reverse order, one memory: a key's origin must not depend on what came before.
          const again = originIds({ config: uneven, key: (i) => reversed[i % reversed.length], seed }, reversed.length * 3);
          again.forEach((origin, i) => {
            const keyIndex = keys.length - 1 - (i % keys.length);
            expect(origin, `key ${keys[keyIndex] ?? "?"}`).toBe(home[keyIndex]);
          });
        }
      });
    }
  });
}

/* ------------------------------------------------------------------ route suite */

/**
 * How a route policy treats pools that are down (`isUp` false). `selectOrigin` skips down
 * pools whatever the order, so each is correct; the suite checks the one a policy claims.
 * - "last": every up pool comes before every down pool (it sorts by health);
 * - "first-up": the first pool is up whenever an up pool has a share (it picks a pool to
 *   lead among the up ones and lists the rest, up or down, as failover; every pool of the
 *   suite's route has a share);
 * - "ignored": the order does not read `isUp` at all.
 */
export type DownPoolOrdering = "last" | "first-up" | "ignored";

export interface RouteConformanceOptions {
  readonly downPools: DownPoolOrdering;
}

const POOL_REGIONS = { us: "aws:us-east-1", eu: "aws:eu-central-1", ap: "aws:ap-southeast-1", sa: "aws:sa-east-1" } as const;
const ROUTE_POOL_IDS = Object.keys(POOL_REGIONS);

/**
 * Route "r" over pools us, eu, ap, sa (two origins each, in their regions), fallback
 * pool "spare", with a geo map and pool weights so every policy has something to read.
 */
function routeConfig(steering: RouteSteeringName): CompiledConfig {
  const origins: OriginInput[] = [];
  const pools = Object.entries(POOL_REGIONS).map(([poolId, region]) => {
    const members = makeOrigins(2, `${poolId}-`, () => ({ region })).map((o, i) => ({
      ...o,
      url: `http://127.0.0.1:${40_000 + origins.length + i}`,
    }));
    origins.push(...members);
    return makePool(
      poolId,
      members.map((o) => o.id),
    );
  });
  const spare = { id: "spare-0", url: "http://127.0.0.1:40100" };
  return compile({
    origins: [...origins, spare],
    pools: [...pools, makePool("spare", [spare.id])],
    routes: [
      makeRoute("r", ROUTE_POOL_IDS, {
        steering,
        geo: { EU: ["eu"], AS: ["ap", "us"], "colo:GRU": ["sa"] },
        weights: { us: 3, eu: 2, ap: 1, sa: 1 },
        fallbackPool: "spare",
      }),
    ],
  });
}

const ROUTE_CLIENTS: readonly ClientInfo[] = [
  {},
  { colo: "FRA", country: "DE", continent: "EU" },
  { lat: 1.35, lon: 103.82, country: "SG", continent: "AS" },
  { colo: "GRU", country: "BR", continent: "SA" },
];

const ROUTE_SIGNALS: readonly SteeringSignals[] = [
  NO_SIGNALS,
  fakeSignals({
    latencyMs: { [poolKey("us")]: 80, [poolKey("eu")]: 20, [poolKey("ap")]: 150 },
    outstanding: { [poolKey("eu")]: 3, [poolKey("sa")]: 1 },
  }),
];

/** Some pools down, none down, all down. */
const DOWN_SETS: readonly (readonly string[])[] = [[], ["us"], ["eu", "ap"], ["us", "eu", "sa"], ROUTE_POOL_IDS];

interface RouteScenario {
  readonly client: ClientInfo;
  readonly signals: SteeringSignals;
  readonly down: readonly string[];
}

function* routeScenarios(): Generator<RouteScenario> {
  for (const client of ROUTE_CLIENTS) for (const signals of ROUTE_SIGNALS) for (const down of DOWN_SETS) yield { client, signals, down };
}

function describeScenario(s: RouteScenario): string {
  return `client ${JSON.stringify(s.client)}, signals ${ROUTE_SIGNALS.indexOf(s.signals)}, down [${s.down.join(",")}]`;
}

/** `n` orders of the route's pool ids, with one memory and one seeded random source. */
function orders(policy: RouteSteering, route: CompiledRoute, s: RouteScenario, n: number, seed = 1): string[][] {
  const down = new Set(s.down);
  const random = mulberry32(seed);
  const memory = new Map<string, number>();
  const isUp = (pool: CompiledPool): boolean => !down.has(pool.id);
  const out: string[][] = [];
  for (let i = 0; i < n; i++)
    out.push(policy.order({ route, client: s.client, random, memory, isUp, signals: s.signals }).map((p) => p.id));
  return out;
}

/** Every origin of the named pools unhealthy. */
function poolsDown(route: CompiledRoute, down: readonly string[]): HealthView {
  const ids = route.pools.filter((p) => down.includes(p.id)).flatMap((p) => p.origins.map((o) => o.id));
  return healthyExcept(...ids);
}

/** The suite every route policy passes. */
export function runRoutePolicyConformance(name: string, policy: RouteSteering, options: RouteConformanceOptions): void {
  describe(`route steering "${name}" (conformance)`, () => {
    const steering = routeSteeringName(name);

    it("is registered under its name, so selectOrigin runs it", () => {
      expect(steering, `"${name}" is not a route steering name in the schema`).toBeDefined();
      expect(policy.name).toBe(name);
      if (steering !== undefined) expect(ROUTE_POLICIES[steering]).toBe(policy);
    });
    if (steering === undefined) return;

    const route = routeOf(routeConfig(steering));
    const sortedIds = [...ROUTE_POOL_IDS].sort();

    it("orders every pool exactly once, whatever the client, signals and health", () => {
      for (const s of routeScenarios()) {
        for (const order of orders(policy, route, s, 20)) expect([...order].sort(), describeScenario(s)).toEqual(sortedIds);
      }
    });

    it("with every pool down still returns every pool", () => {
      for (const s of routeScenarios()) {
        if (s.down.length !== ROUTE_POOL_IDS.length) continue;
        for (const order of orders(policy, route, s, 10)) expect([...order].sort(), describeScenario(s)).toEqual(sortedIds);
      }
    });

    const partlyDown = [...routeScenarios()].filter((s) => s.down.length > 0 && s.down.length < ROUTE_POOL_IDS.length);

    if (options.downPools === "last") {
      it("puts every up pool ahead of every down pool", () => {
        for (const s of partlyDown) {
          for (const order of orders(policy, route, s, 50)) {
            const firstDown = order.findIndex((id) => s.down.includes(id));
            expect(firstDown, `${describeScenario(s)}: ${order.join(",")}`).toBe(ROUTE_POOL_IDS.length - s.down.length);
          }
        }
      });
    }

    if (options.downPools === "first-up") {
      it("puts an up pool first whenever one is up", () => {
        for (const s of partlyDown) {
          for (const order of orders(policy, route, s, 50))
            expect(s.down.includes(order[0] ?? ""), `${describeScenario(s)}: ${order.join(",")}`).toBe(false);
        }
      });
    }

    if (options.downPools === "ignored") {
      it("orders the same whichever pools are down (it does not read isUp)", () => {
        for (const s of partlyDown) {
          expect(orders(policy, route, s, 20), describeScenario(s)).toEqual(orders(policy, route, { ...s, down: [] }, 20));
        }
      });
    }

    it("through selectOrigin never serves from a down pool, and serves from the fallback when all are down", () => {
      for (const s of routeScenarios()) {
        const health = poolsDown(route, s.down);
        const random = mulberry32(3);
        const memory = createMemoryStore();
        for (let i = 0; i < 20; i++) {
          const selection = selectOrigin({
            route,
            client: s.client,
            random,
            memory,
            health,
            exclude: new Set(),
            signals: s.signals,
            hashKey: () => undefined,
          });
          const allDown = s.down.length === ROUTE_POOL_IDS.length;
          const servedBy = selection?.pool.id ?? "(nothing)";
          if (allDown) expect(servedBy, describeScenario(s)).toBe("spare");
          else
            expect(
              ROUTE_POOL_IDS.filter((id) => !s.down.includes(id)),
              describeScenario(s),
            ).toContain(servedBy);
          expect(selection?.fallback, describeScenario(s)).toBe(allDown);
        }
      }
    });

    it("is pure: the same seed and fresh memory give the same orders", () => {
      for (const s of routeScenarios())
        expect(orders(policy, route, s, 30, 8), describeScenario(s)).toEqual(orders(policy, route, s, 30, 8));
    });
  });
}

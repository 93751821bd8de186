/**
 * The safety valves in `selectOrigin`: the panic threshold (below it a pool spreads over
 * all its enabled origins, as Envoy's panic mode), minHealthy (checked first: a pool
 * below it is down and the next pool serves), and header / IP session affinity (every
 * pool picks by consistent hash on the affinity key; strict affinity fails rather than
 * move a key whose origin is unhealthy).
 */
import { describe, expect, it } from "vitest";
import type { CompiledConfig, CompiledOrigin } from "../../src/config/compile.ts";
import { POOL_STEERING } from "../../src/config/schema.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { compileConfig } from "../../src/config/compile.ts";
import { rendezvousPick } from "../../src/steering/pool/hash.ts";
import { createMemoryStore, inPanic, selectOrigin } from "../../src/steering/select.ts";
import type { HealthView, Selection } from "../../src/steering/select.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import { compile, healthyExcept, makeOrigins, makePool, makeRoute, poolOf, routeOf, singlePool } from "./helpers/configs.ts";
import type { PoolInput } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";
import { countIds } from "./steering-conformance.case.ts";

interface Run {
  readonly config: CompiledConfig;
  readonly health: HealthView;
  readonly affinityKey?: string;
  readonly affinityStrict?: boolean;
  readonly seed?: number;
}

/** `n` selections with one memory store and one seeded random source. */
function selections(run: Run, n: number): (Selection | undefined)[] {
  const route = routeOf(run.config);
  const random = mulberry32(run.seed ?? 1);
  const memory = createMemoryStore();
  return Array.from({ length: n }, () =>
    selectOrigin({
      route,
      client: {},
      random,
      memory,
      health: run.health,
      exclude: new Set(),
      signals: NO_SIGNALS,
      hashKey: () => undefined,
      affinityKey: run.affinityKey,
      affinityStrict: run.affinityStrict,
    }),
  );
}

function servedBy(picked: readonly (Selection | undefined)[]): Record<string, number> {
  return countIds(picked.map((s) => s?.origin.id ?? "(none)"));
}

/** Pool "p" of four origins o0…o3 on route "r". */
function fourOrigins(pool: Partial<PoolInput> = {}): CompiledConfig {
  return compile(singlePool({ origins: 4, pool }));
}

/** Route "r" over pool main (m0…m3) then backup (b0, b1). */
function mainAndBackup(main: Partial<PoolInput>): CompiledConfig {
  const origins = [...makeOrigins(4, "m"), ...makeOrigins(2, "b").map((o, i) => ({ ...o, url: `http://127.0.0.1:${11_000 + i}` }))];
  return compile({
    origins,
    pools: [makePool("main", ["m0", "m1", "m2", "m3"], main), makePool("backup", ["b0", "b1"])],
    routes: [makeRoute("r", ["main", "backup"])],
  });
}

describe("panic threshold", () => {
  it("1 of 4 healthy with panicThreshold 0.5: traffic spreads over all 4 enabled origins, marked panic", () => {
    const picked = selections({ config: fourOrigins({ panicThreshold: 0.5 }), health: healthyExcept("o1", "o2", "o3") }, 400);
    expect(servedBy(picked)).toEqual({ o0: 100, o1: 100, o2: 100, o3: 100 });
    expect(picked.every((s) => s?.panic === true)).toBe(true);
  });

  it.each(POOL_STEERING)("%s pool steering spreads in panic too: every origin gets traffic over 400 picks", (steering) => {
    const picked = selections({ config: fourOrigins({ steering }), health: healthyExcept("o1", "o2", "o3") }, 400);
    expect(Object.keys(servedBy(picked)).sort()).toEqual(["o0", "o1", "o2", "o3"]);
    expect(picked.every((s) => s?.panic === true)).toBe(true);
  });

  it("2 of 4 healthy is 50%, not below the threshold: only the healthy origins serve", () => {
    const picked = selections({ config: fourOrigins({ panicThreshold: 0.5 }), health: healthyExcept("o1", "o3") }, 400);
    expect(servedBy(picked)).toEqual({ o0: 200, o2: 200 });
    expect(picked.some((s) => s?.panic === true)).toBe(false);
  });

  it("panicThreshold 0 never panics: the one healthy origin takes everything", () => {
    const config = fourOrigins({ panicThreshold: 0 });
    const picked = selections({ config, health: healthyExcept("o1", "o2", "o3") }, 400);
    expect(servedBy(picked)).toEqual({ o0: 400 });
    expect(picked.some((s) => s?.panic === true)).toBe(false);
    expect(inPanic(poolOf(config, "p"), healthyExcept("o0", "o1", "o2"))).toBe(false);
  });

  it("panic spreads over enabled origins with weight only: disabled ones stay out of the count and the traffic, drained ones out of the traffic", () => {
    // o3 drained, o4 disabled; healthy: o0 only → 1 of 4 enabled, below 0.5.
    const config = compile(singlePool({ origins: 5, origin: (i) => (i === 3 ? { weight: 0 } : i === 4 ? { enabled: false } : {}) }));
    const picked = selections({ config, health: healthyExcept("o1", "o2", "o3", "o4") }, 300);
    expect(servedBy(picked)).toEqual({ o0: 100, o1: 100, o2: 100 });
    expect(picked.every((s) => s?.panic === true)).toBe(true);
  });

  it("minHealthy is checked before panic: a pool below it is skipped and the next pool serves", () => {
    const health = healthyExcept("m1", "m2", "m3");
    const down = selections({ config: mainAndBackup({ minHealthy: 2, panicThreshold: 0.5 }), health }, 100);
    expect(servedBy(down)).toEqual({ b0: 50, b1: 50 });
    expect(down.every((s) => s?.pool.id === "backup" && !s.panic)).toBe(true);
    // The same pool with minHealthy 1 is up, and in panic.
    const panicking = selections({ config: mainAndBackup({ minHealthy: 1, panicThreshold: 0.5 }), health }, 400);
    expect(servedBy(panicking)).toEqual({ m0: 100, m1: 100, m2: 100, m3: 100 });
    expect(panicking.every((s) => s?.pool.id === "main" && s.panic)).toBe(true);
  });

  it("a pool with no healthy origin is down, not in panic: the next pool serves", () => {
    const picked = selections({ config: mainAndBackup({ panicThreshold: 1 }), health: healthyExcept("m0", "m1", "m2", "m3") }, 100);
    expect(picked.every((s) => s?.pool.id === "backup")).toBe(true);
  });
});

describe("header / IP affinity (affinityKey)", () => {
  /** Pool "p" of five origins, round robin, so any stickiness comes from the affinity key. */
  const config = compile(singlePool({ origins: 5, pool: { steering: "round_robin" } }));
  const origins: readonly CompiledOrigin[] = poolOf(config, "p").origins;
  const keys = Array.from({ length: 200 }, (_, i) => `session-${i}`);

  /** A key whose home (its rendezvous winner among all of the pool's origins) is `originId`. */
  function keyHomedAt(originId: string): string {
    const key = keys.find((k) => rendezvousPick(k, origins)?.id === originId);
    if (key === undefined) throw new Error(`no key homed at ${originId}`);
    return key;
  }

  it("picks by consistent hash: the same key gets the same origin on every call, whatever the pool's steering", () => {
    const ALL = healthyExcept();
    for (const key of keys) {
      const home = rendezvousPick(key, origins)?.id;
      for (const seed of [1, 2]) {
        expect(
          selections({ config, health: ALL, affinityKey: key, seed }, 5).map((s) => s?.origin.id),
          key,
        ).toEqual([home, home, home, home, home]);
      }
    }
  });

  it("different keys spread over every origin", () => {
    const homes = keys.map((key) => selections({ config, health: healthyExcept(), affinityKey: key }, 1)[0]?.origin.id ?? "(none)");
    expect(Object.keys(countIds(homes)).sort()).toEqual(["o0", "o1", "o2", "o3", "o4"]);
  });

  it("strict: returns undefined when the key's home origin is unhealthy", () => {
    const key = keyHomedAt("o1");
    expect(selections({ config, health: healthyExcept("o1"), affinityKey: key, affinityStrict: true }, 3)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it("strict: serves keys whose home is healthy, even while another origin is down", () => {
    const key = keyHomedAt("o3");
    expect(selections({ config, health: healthyExcept("o1"), affinityKey: key, affinityStrict: true }, 3).map((s) => s?.origin.id)).toEqual(
      ["o3", "o3", "o3"],
    );
  });

  it("not strict: serves the key's next origin when its home is unhealthy, the same one every time", () => {
    const key = keyHomedAt("o1");
    const next = rendezvousPick(
      key,
      origins.filter((o) => o.id !== "o1"),
    )?.id;
    expect(next).toBeDefined();
    for (const affinityStrict of [false, undefined]) {
      const picked = selections({ config, health: healthyExcept("o1"), affinityKey: key, affinityStrict }, 5);
      expect(picked.map((s) => s?.origin.id)).toEqual([next, next, next, next, next]);
    }
  });

  it("not strict: the key comes home when its origin recovers", () => {
    const key = keyHomedAt("o1");
    expect(selections({ config, health: healthyExcept("o1"), affinityKey: key }, 1)[0]?.origin.id).not.toBe("o1");
    expect(selections({ config, health: healthyExcept(), affinityKey: key }, 1)[0]?.origin.id).toBe("o1");
  });
});

describe("strict affinity (onFailure none) when the key's pool is down", () => {
  it("fails rather than serving from the next pool or the fallback", () => {
    const result = validateConfig({
      origins: [
        { id: "m0", url: "http://127.0.0.1:1" },
        { id: "m1", url: "http://127.0.0.1:2" },
        { id: "b0", url: "http://127.0.0.1:3" },
      ],
      pools: [
        { id: "main", origins: ["m0", "m1"], minHealthy: 2 },
        { id: "backup", origins: ["b0"] },
      ],
      routes: [{ id: "r", pools: ["main", "backup"], fallbackPool: "backup" }],
    });
    if (!result.ok) throw new Error("invalid");
    const route = compileConfig(result.config, 1).routes[0];
    if (route === undefined) throw new Error("no route");
    const down = new Set(["m0", "m1"]);
    const input = (strict: boolean) => ({
      route,
      client: {},
      random: () => 0.5,
      memory: createMemoryStore(),
      health: { isHealthy: (id: string) => !down.has(id) },
      exclude: new Set<string>(),
      signals: NO_SIGNALS,
      hashKey: () => undefined,
      affinityKey: "user-1",
      affinityStrict: strict,
    });
    expect(selectOrigin(input(true))).toBeUndefined();
    expect(selectOrigin(input(false))?.origin.id).toBe("b0");
  });
});

import { NO_SIGNALS } from "../../src/steering/types.ts";
import { describe, expect, it } from "vitest";
import type { CompiledPool, CompiledRoute } from "../../src/config/compile.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import type { ClientInfo } from "../../src/routing/client.ts";
import { failover } from "../../src/steering/route/failover.ts";
import { geo } from "../../src/steering/route/geo.ts";
import { distanceKm, proximity } from "../../src/steering/route/proximity.ts";
import { weightedRoute } from "../../src/steering/route/weighted.ts";
import { ROUTE_POLICIES } from "../../src/steering/registry.ts";
import type { RouteSteering, SteeringMemory } from "../../src/steering/types.ts";
import { at, compile, makeOrigins, makePool, makeRoute, multiCloud, multiPool, routeOf } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

interface OrderOptions {
  readonly client?: ClientInfo;
  readonly memory?: SteeringMemory;
  readonly down?: readonly string[];
}

function order(policy: RouteSteering, route: CompiledRoute, options: OrderOptions = {}): string[] {
  const down = new Set(options.down ?? []);
  return policy
    .order({
      route,
      client: options.client ?? {},
      random: mulberry32(3),
      memory: options.memory ?? new Map(),
      isUp: (pool: CompiledPool) => !down.has(pool.id),
      signals: NO_SIGNALS,
    })
    .map((p) => p.id);
}

function firstCounts(
  policy: RouteSteering,
  route: CompiledRoute,
  n: number,
  options: OrderOptions = {},
): { counts: Record<string, number>; firsts: string[] } {
  const memory = options.memory ?? new Map<string, number>();
  const counts: Record<string, number> = {};
  const firsts: string[] = [];
  for (let i = 0; i < n; i++) {
    const first = at(order(policy, route, { ...options, memory }), 0);
    firsts.push(first);
    counts[first] = (counts[first] ?? 0) + 1;
  }
  return { counts, firsts };
}

describe("registry", () => {
  it("runs every route policy the schema names", () => {
    expect(Object.keys(ROUTE_POLICIES).sort()).toEqual(["failover", "geo", "latency", "least_outstanding", "proximity", "weighted"]);
  });
});

describe("failover", () => {
  it("orders pools as the route lists them, whatever is down", () => {
    const route = routeOf(compile(multiPool({ c: 1, a: 1, b: 1 })));
    expect(order(failover, route)).toEqual(["c", "a", "b"]);
    expect(order(failover, route, { down: ["c"] })).toEqual(["c", "a", "b"]);
  });
});

describe("weighted route", () => {
  const route = (weights: Record<string, number>, spec: Record<string, number> = { a: 1, b: 1 }): CompiledRoute =>
    routeOf(compile(multiPool(spec, { steering: "weighted", weights })));

  it("splits 90/10 exactly over every window of 100 and over 1,000", () => {
    const { counts, firsts } = firstCounts(weightedRoute, route({ a: 90, b: 10 }), 1_000);
    expect(counts).toEqual({ a: 900, b: 100 });
    for (let start = 0; start < 1_000; start += 100) {
      expect(
        firsts.slice(start, start + 100).filter((id) => id === "b"),
        `window at ${start}`,
      ).toHaveLength(10);
    }
  });

  it("spreads the minority evenly (one b in each 10)", () => {
    const { firsts } = firstCounts(weightedRoute, route({ a: 9, b: 1 }), 200);
    for (let start = 0; start < 200; start += 10) {
      expect(
        firsts.slice(start, start + 10).filter((id) => id === "b"),
        `window at ${start}`,
      ).toHaveLength(1);
    }
  });

  it("lists the other pools after the chosen one, in route order, as failover", () => {
    const r = route({ a: 1, b: 1, c: 1 }, { a: 1, b: 1, c: 1 });
    const memory = new Map<string, number>();
    expect(order(weightedRoute, r, { memory })).toEqual(["a", "b", "c"]);
    expect(order(weightedRoute, r, { memory })).toEqual(["b", "a", "c"]);
    expect(order(weightedRoute, r, { memory })).toEqual(["c", "a", "b"]);
  });

  it("gives a down pool's share to the others, in their own proportion", () => {
    const r = route({ a: 50, b: 30, c: 20 }, { a: 1, b: 1, c: 1 });
    const { counts } = firstCounts(weightedRoute, r, 500, { down: ["a"] });
    expect(counts).toEqual({ b: 300, c: 200 });
  });

  it("takes the share back when the pool recovers", () => {
    const r = route({ a: 50, b: 50 });
    const memory = new Map<string, number>();
    expect(firstCounts(weightedRoute, r, 100, { memory, down: ["a"] }).counts).toEqual({ b: 100 });
    const after = firstCounts(weightedRoute, r, 1_000, { memory }).counts;
    expect(Math.abs((after.a ?? 0) - 500)).toBeLessThanOrEqual(1);
  });

  it("a pool left out of weights gets no share but stays as failover", () => {
    const r = route({ a: 1 }, { a: 1, b: 1 });
    expect(r.poolWeights).toEqual([1, 0]);
    const { counts } = firstCounts(weightedRoute, r, 50);
    expect(counts).toEqual({ a: 50 });
    expect(order(weightedRoute, r)).toEqual(["a", "b"]);
  });

  it("with every weighted pool down it falls back to route order", () => {
    const r = route({ a: 1, b: 0 }, { a: 1, b: 1 });
    expect(order(weightedRoute, r, { down: ["a"] })).toEqual(["a", "b"]);
  });

  it("without weights every pool weighs 1", () => {
    const r = routeOf(compile(multiPool({ a: 1, b: 1 }, { steering: "weighted" })));
    expect(r.poolWeights).toEqual([1, 1]);
    expect(firstCounts(weightedRoute, r, 100).counts).toEqual({ a: 50, b: 50 });
  });
});

describe("geo", () => {
  const config = compile(
    multiPool(
      { other: 1, cont: 1, country: 1, colo: 1 },
      { steering: "geo", geo: { FRA: ["colo"], DE: ["country"], EU: ["cont"], "country:JP": ["country", "cont"] } },
    ),
  );
  const route = routeOf(config);

  it("colo beats country beats continent", () => {
    expect(at(order(geo, route, { client: { colo: "FRA", country: "DE", continent: "EU" } }), 0)).toBe("colo");
    expect(at(order(geo, route, { client: { colo: "AMS", country: "DE", continent: "EU" } }), 0)).toBe("country");
    expect(at(order(geo, route, { client: { colo: "CDG", country: "FR", continent: "EU" } }), 0)).toBe("cont");
  });

  it("puts the matched pools first, then the rest in route order", () => {
    expect(order(geo, route, { client: { colo: "FRA", country: "DE", continent: "EU" } })).toEqual(["colo", "other", "cont", "country"]);
    expect(order(geo, route, { client: { country: "JP", continent: "AS" } })).toEqual(["country", "cont", "other", "colo"]);
  });

  it("a client matching no entry gets the route's pools in order", () => {
    expect(order(geo, route, { client: { colo: "SIN", country: "SG", continent: "AS" } })).toEqual(["other", "cont", "country", "colo"]);
    expect(order(geo, route, { client: {} })).toEqual(["other", "cont", "country", "colo"]);
  });

  it('"country:NA" is Namibia and a bare "NA" is North America', () => {
    const r = routeOf(compile(multiPool({ na: 1, africa: 1 }, { steering: "geo", geo: { NA: ["na"], "country:NA": ["africa"] } })));
    expect(order(geo, r, { client: { country: "NA", continent: "AF" } })).toEqual(["africa", "na"]);
    expect(order(geo, r, { client: { country: "US", continent: "NA" } })).toEqual(["na", "africa"]);
  });

  it("matches the multi-cloud example's continents", () => {
    const r = routeOf(compile(multiCloud()), "api");
    expect(order(geo, r, { client: { continent: "EU", country: "DE" } })).toEqual(["eu", "na", "apac"]);
    expect(order(geo, r, { client: { continent: "OC", country: "AU" } })).toEqual(["apac", "na", "eu"]);
    expect(order(geo, r, { client: { continent: "SA", country: "BR" } })).toEqual(["na", "eu", "apac"]);
  });

  it("geo keys are case-insensitive in the config", () => {
    const r = routeOf(compile(multiPool({ a: 1, b: 1 }, { steering: "geo", geo: { de: ["b"], "colo:fra": ["b"] } })));
    expect(at(order(geo, r, { client: { country: "DE" } }), 0)).toBe("b");
    expect(at(order(geo, r, { client: { colo: "FRA" } }), 0)).toBe("b");
  });
});

describe("proximity", () => {
  const proximityConfig = (): ConfigInput => {
    const config = multiCloud();
    at(config.routes, 0).steering = "proximity";
    return config;
  };
  const route = routeOf(compile(proximityConfig()), "api");

  it("sends a Frankfurt client to the europe pool first", () => {
    expect(order(proximity, route, { client: { lat: 50.11, lon: 8.68 } })).toEqual(["eu", "na", "apac"]);
  });

  it("sends a Singapore client to the apac pool first", () => {
    expect(at(order(proximity, route, { client: { lat: 1.35, lon: 103.82 } }), 0)).toBe("apac");
  });

  it("sends a New York client to the na pool first", () => {
    expect(order(proximity, route, { client: { lat: 40.71, lon: -74.01 } })).toEqual(["na", "eu", "apac"]);
  });

  it("sends a Sydney client to apac first", () => {
    expect(at(order(proximity, route, { client: { lat: -33.87, lon: 151.21 } }), 0)).toBe("apac");
  });

  it("a pool's own lat/lon overrides its origins' location", () => {
    const config = proximityConfig();
    Object.assign(at(config.pools, 2), { lat: 50.0, lon: 8.0 });
    const r = routeOf(compile(config), "api");
    // apac now claims to be in Frankfurt: nearer to a Frankfurt client than St. Ghislain.
    expect(at(order(proximity, r, { client: { lat: 50.11, lon: 8.68 } }), 0)).toBe("apac");
  });

  it("without any client location it behaves as geo", () => {
    for (const client of [{}, { lat: 1.3 }] satisfies ClientInfo[]) {
      expect(order(proximity, route, { client })).toEqual(order(geo, route, { client }));
    }
  });

  it("without client coordinates it measures from the continent's centroid", () => {
    expect(order(proximity, route, { client: { continent: "EU" } })[0]).toBe("eu");
  });

  it("pools without a location sort last, in route order", () => {
    const origins = makeOrigins(3, "o", (i) => (i === 2 ? { region: "aws:eu-central-1" } : {}));
    const config = compile({
      origins,
      pools: [makePool("nowhere1", ["o0"]), makePool("nowhere2", ["o1"]), makePool("fra", ["o2"])],
      routes: [makeRoute("r", ["nowhere1", "nowhere2", "fra"], { steering: "proximity" })],
    });
    expect(order(proximity, routeOf(config), { client: { lat: -33, lon: 151 } })).toEqual(["fra", "nowhere1", "nowhere2"]);
  });

  it("distanceKm gives known great-circle distances", () => {
    // Frankfurt–New York is about 6,200 km; London–Paris about 344 km.
    expect(Math.abs(distanceKm({ lat: 50.11, lon: 8.68 }, { lat: 40.71, lon: -74.01 }) - 6_200)).toBeLessThan(50);
    expect(Math.abs(distanceKm({ lat: 51.51, lon: -0.13 }, { lat: 48.86, lon: 2.35 }) - 344)).toBeLessThan(5);
    expect(distanceKm({ lat: 10, lon: 10 }, { lat: 10, lon: 10 })).toBe(0);
    // Across the antimeridian: 179°E to 179°W at the equator is 2° (~222 km), not 358°.
    expect(Math.abs(distanceKm({ lat: 0, lon: 179 }, { lat: 0, lon: -179 }) - 222)).toBeLessThan(2);
  });
});

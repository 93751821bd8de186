/**
 * The geo table: clients around the world against examples/multi-cloud.json, through the
 * real selector, with the pool each of `geo` and `proximity` picks.
 *
 * The example's pools and where they are:
 *   na   — aws:us-east-1 (Ashburn) + aws:us-west-2 (Boardman): centroid ≈ 44.42, -97.39 (South Dakota)
 *   eu   — gcp:europe-west1 (St. Ghislain, Belgium): 50.45, 3.82
 *   apac — azure:southeastasia (Singapore): 1.28, 103.83
 *
 * `geo` is the route as written: NA → na, EU → eu, AS and OC → apac; AF, SA and AN match
 * no entry and get the route's order (na first). `proximity` is the same route with its
 * steering switched: nearest pool by great-circle distance. The trailing comments give the
 * two nearest distances in km where the answer is not obvious.
 *
 * Continents are as Cloudflare reports them (GeoNames' list): Russia is EU, Turkey and
 * Israel are AS, Mexico and Hawaii are NA, French Polynesia is OC.
 */
import { describe, expect, it } from "vitest";
import type { CompiledConfig } from "../../src/config/compile.ts";
import type { ClientInfo } from "../../src/routing/client.ts";
import { locateClient } from "../../src/routing/centroids/index.ts";
import { createMemoryStore, selectOrigin } from "../../src/steering/select.ts";
import type { SteeringMemoryStore } from "../../src/steering/select.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import { at, compile, multiCloud, routeOf } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

type PoolId = "na" | "eu" | "apac";

/** `[city, lat, lon, country, continent, colo, geo picks, proximity picks]` */
type CityRow = readonly [
  city: string,
  lat: number,
  lon: number,
  country: string,
  continent: string,
  colo: string | undefined,
  geo: PoolId,
  proximity: PoolId,
];

const CITIES: readonly CityRow[] = [
  // city            lat      lon       cc    cont  colo       geo     proximity
  ["New York", 40.71, -74.01, "US", "NA", "EWR", "na", "na"],
  ["Toronto", 43.65, -79.38, "CA", "NA", "YYZ", "na", "na"],
  ["Mexico City", 19.43, -99.13, "MX", "NA", "QRO", "na", "na"],
  ["Los Angeles", 34.05, -118.24, "US", "NA", "LAX", "na", "na"],
  ["Seattle", 47.61, -122.33, "US", "NA", "SEA", "na", "na"],
  ["Anchorage", 61.22, -149.9, "US", "NA", undefined, "na", "na"], // na 3852, eu 7379
  ["Honolulu", 21.31, -157.86, "US", "NA", "HNL", "na", "na"], // na 6047, apac 10816
  ["São Paulo", -23.55, -46.63, "BR", "SA", "GRU", "na", "na"], // na 9148, eu 9602
  ["Buenos Aires", -34.6, -58.38, "AR", "SA", "EZE", "na", "na"], // na 9629, eu 11247
  ["Bogotá", 4.71, -74.07, "CO", "SA", "BOG", "na", "na"],
  ["London", 51.51, -0.13, "GB", "EU", "LHR", "eu", "eu"],
  ["Paris", 48.86, 2.35, "FR", "EU", "CDG", "eu", "eu"],
  ["Frankfurt", 50.11, 8.68, "DE", "EU", "FRA", "eu", "eu"],
  ["Madrid", 40.42, -3.7, "ES", "EU", "MAD", "eu", "eu"],
  ["Stockholm", 59.33, 18.07, "SE", "EU", "ARN", "eu", "eu"],
  ["Warsaw", 52.23, 21.01, "PL", "EU", "WAW", "eu", "eu"],
  ["Reykjavík", 64.15, -21.94, "IS", "EU", undefined, "eu", "eu"], // eu 2143, na 4995
  ["Moscow", 55.76, 37.62, "RU", "EU", "DME", "eu", "eu"],
  ["Vladivostok", 43.12, 131.89, "RU", "EU", undefined, "eu", "apac"], // apac 5422, eu 8460
  ["Istanbul", 41.01, 28.98, "TR", "AS", "IST", "apac", "eu"], // eu 2202, apac 8648
  ["Tel Aviv", 32.09, 34.78, "IL", "AS", "TLV", "apac", "eu"], // eu 3256, apac 7968
  ["Dubai", 25.2, 55.27, "AE", "AS", "DXB", "apac", "eu"], // eu 5179, apac 5842
  ["Karachi", 24.86, 67.01, "PK", "AS", "KHI", "apac", "apac"], // apac 4742, eu 6028
  ["Mumbai", 19.08, 72.88, "IN", "AS", "BOM", "apac", "apac"],
  ["Singapore", 1.35, 103.82, "SG", "AS", "SIN", "apac", "apac"],
  ["Jakarta", -6.21, 106.85, "ID", "AS", "CGK", "apac", "apac"],
  ["Seoul", 37.57, 126.98, "KR", "AS", "ICN", "apac", "apac"], // apac 4679, eu 8763
  ["Tokyo", 35.68, 139.69, "JP", "AS", "NRT", "apac", "apac"], // apac 5320, na 9414
  ["Cairo", 30.04, 31.24, "EG", "AF", "CAI", "na", "eu"], // eu 3216, apac 8265
  ["Casablanca", 33.57, -7.59, "MA", "AF", "CMN", "na", "eu"], // eu 2095, na 7462
  ["Lagos", 6.52, 3.38, "NG", "AF", "LOS", "na", "eu"], // eu 4885, na 10346
  ["Nairobi", -1.29, 36.82, "KE", "AF", "NBO", "na", "eu"], // eu 6549, apac 7456
  ["Johannesburg", -26.2, 28.05, "ZA", "AF", "JNB", "na", "apac"], // apac 8656, eu 8851
  ["Sydney", -33.87, 151.21, "AU", "OC", "SYD", "apac", "apac"], // apac 6300, na 14159
  ["Auckland", -36.85, 174.76, "NZ", "OC", "AKL", "apac", "apac"], // apac 8411, na 12617
  ["Papeete", -17.54, -149.57, "PF", "OC", undefined, "apac", "na"], // na 8681, apac 11809
  ["McMurdo", -77.85, 166.67, "AQ", "AN", undefined, "na", "apac"], // apac 9534, na 14946
];

/**
 * Clients without coordinates: `proximity` places them at their colo's city, else their
 * country's capital, else their continent's centre (`via`), or — knowing nothing — uses
 * `geo`'s order, which here is the route's order.
 */
type BlindRow = readonly [
  label: string,
  client: ClientInfo,
  via: "colo" | "country" | "continent" | undefined,
  geo: PoolId,
  proximity: PoolId,
];

const NO_COORDINATES: readonly BlindRow[] = [
  // label                      client                                                   via          geo     proximity
  ["Frankfurt colo", { colo: "FRA", country: "DE", continent: "EU" }, "colo", "eu", "eu"],
  ["Honolulu colo", { colo: "HNL", country: "US", continent: "NA" }, "colo", "na", "na"],
  ["Dubai colo only", { colo: "DXB" }, "colo", "na", "eu"], // eu 5179, apac 5842
  ["US client served at NRT", { colo: "NRT", country: "US", continent: "NA" }, "colo", "na", "apac"], // the colo beats the country
  ["unknown colo, UAE", { colo: "ZZZ", country: "AE", continent: "AS" }, "country", "apac", "eu"], // Abu Dhabi: eu 5179, apac 5901
  ["Egypt", { country: "EG", continent: "AF" }, "country", "na", "eu"],
  ["India", { country: "IN", continent: "AS" }, "country", "apac", "apac"],
  ["Brazil", { country: "BR", continent: "SA" }, "country", "na", "na"], // Brasília: na 8360, eu 8920
  ["South Africa", { country: "ZA", continent: "AF" }, "country", "na", "apac"], // Pretoria: apac 8636, eu 8806
  ["unknown country, Africa", { country: "XX", continent: "AF" }, "continent", "na", "eu"],
  ["South America", { continent: "SA" }, "continent", "na", "na"],
  ["Oceania", { continent: "OC" }, "continent", "apac", "apac"],
  ["Asia", { continent: "AS" }, "continent", "apac", "apac"],
  ["Tor exit (T1)", { country: "T1", continent: "T1" }, undefined, "na", "na"],
  ["nothing at all", {}, undefined, "na", "na"],
];

function configWith(steering: "geo" | "proximity"): CompiledConfig {
  const input = multiCloud();
  at(input.routes, 0).steering = steering;
  return compile(input);
}

const GEO = configWith("geo");
const PROXIMITY = configWith("proximity");

function poolFor(
  config: CompiledConfig,
  client: ClientInfo,
  memory: SteeringMemoryStore,
  seed: number,
  down: readonly string[] = [],
): string {
  const selection = selectOrigin({
    route: routeOf(config, "api"),
    client,
    random: mulberry32(seed),
    memory,
    health: { isHealthy: (id) => !down.includes(id) },
    exclude: new Set(),
    signals: NO_SIGNALS,
    hashKey: () => undefined,
  });
  if (selection === undefined) throw new Error("no origin selected");
  expect(selection.fallback).toBe(false);
  expect(selection.pool.origins.map((o) => o.id)).toContain(selection.origin.id);
  return selection.pool.id;
}

describe("geo table: multi-cloud example", () => {
  it("has at least 24 cities on every inhabited continent", () => {
    expect(CITIES.length).toBeGreaterThanOrEqual(24);
    expect(new Set(CITIES.map((row) => row[4]))).toEqual(new Set(["NA", "SA", "EU", "AS", "AF", "OC", "AN"]));
  });

  it("the example's geo route is as the table assumes", () => {
    expect(routeOf(GEO, "api").source.steering).toBe("geo");
    expect(routeOf(PROXIMITY, "api").source.steering).toBe("proximity");
    expect(routeOf(GEO, "api").pools.map((p) => p.id)).toEqual(["na", "eu", "apac"]);
  });

  describe.each(CITIES)("%s", (_city, lat, lon, country, continent, colo, geoPool, proximityPool) => {
    const client: ClientInfo = { lat, lon, country, continent, colo };
    it(`geo → ${geoPool}`, () => {
      expect(poolFor(GEO, client, createMemoryStore(), 1)).toBe(geoPool);
    });
    it(`proximity → ${proximityPool}`, () => {
      expect(poolFor(PROXIMITY, client, createMemoryStore(), 2)).toBe(proximityPool);
    });
  });

  describe.each(NO_COORDINATES)("no coordinates: %s", (_label, client, via, geoPool, proximityPool) => {
    it(`located by ${via ?? "nothing"}`, () => {
      expect(locateClient(client)?.source).toBe(via);
    });
    it(`geo → ${geoPool}`, () => {
      expect(poolFor(GEO, client, createMemoryStore(), 3)).toBe(geoPool);
    });
    it(`proximity → ${proximityPool}`, () => {
      expect(poolFor(PROXIMITY, client, createMemoryStore(), 4)).toBe(proximityPool);
    });
  });

  it("proximity takes the nearest healthy pool: the next nearest when the nearest is down", () => {
    const dubai: ClientInfo = { lat: 25.2, lon: 55.27, country: "AE", continent: "AS" };
    expect(poolFor(PROXIMITY, dubai, createMemoryStore(), 5, ["gcp-euw1"])).toBe("apac");
    const johannesburg: ClientInfo = { lat: -26.2, lon: 28.05, country: "ZA", continent: "AF" };
    expect(poolFor(PROXIMITY, johannesburg, createMemoryStore(), 6, ["az-sea"])).toBe("eu");
    // Cape Town, by its colo: eu 9491 km, apac 9664 — South Africa splits between the two.
    const capeTownByColo: ClientInfo = { colo: "CPT" };
    expect(poolFor(PROXIMITY, capeTownByColo, createMemoryStore(), 7)).toBe("eu");
  });

  it("a shared memory and many requests do not change the pool (only the origin inside na)", () => {
    const memory = createMemoryStore();
    const origins = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const selection = selectOrigin({
        route: routeOf(PROXIMITY, "api"),
        client: { lat: 40.71, lon: -74.01 },
        random: mulberry32(i),
        memory,
        health: { isHealthy: () => true },
        exclude: new Set(),
        signals: NO_SIGNALS,
        hashKey: () => undefined,
      });
      expect(selection?.pool.id).toBe("na");
      origins.add(selection?.origin.id ?? "(none)");
    }
    expect([...origins].sort()).toEqual(["aws-use1", "aws-usw2"]);
  });
});

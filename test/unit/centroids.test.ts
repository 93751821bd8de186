import { describe, expect, it } from "vitest";
import { COLO_CENTROIDS, CONTINENT_CENTROIDS, COUNTRY_CENTROIDS, locateClient } from "../../src/routing/centroids/index.ts";
import { CONTINENTS } from "../../src/routing/geo-key.ts";
import { distanceKm } from "../../src/steering/route/proximity.ts";

type Table = Readonly<Record<string, readonly [number, number]>>;

const point = (table: Table, code: string): { lat: number; lon: number } => {
  const p = table[code];
  if (p === undefined) throw new Error(`no entry for ${code}`);
  return { lat: p[0], lon: p[1] };
};

/** Within `km` of the given point. */
const near = (table: Table, code: string, lat: number, lon: number, km = 50): void => {
  expect(distanceKm(point(table, code), { lat, lon }), code).toBeLessThan(km);
};

describe("centroid tables", () => {
  it.each([
    ["continents", CONTINENT_CENTROIDS, /^[A-Z]{2}$/],
    ["countries", COUNTRY_CENTROIDS, /^[A-Z]{2}$/],
    ["colos", COLO_CENTROIDS, /^[A-Z]{3}$/],
  ] as const)("%s: well-formed codes, coordinates in range, frozen", (_name, table, pattern) => {
    expect(Object.isFrozen(table)).toBe(true);
    for (const [code, p] of Object.entries(table)) {
      expect(code).toMatch(pattern);
      expect(p, code).toHaveLength(2);
      expect(Object.isFrozen(p), code).toBe(true);
      const [lat, lon] = p;
      expect(Number.isFinite(lat) && lat >= -90 && lat <= 90, `${code} lat ${lat}`).toBe(true);
      expect(Number.isFinite(lon) && lon >= -180 && lon <= 180, `${code} lon ${lon}`).toBe(true);
    }
  });

  it("has Cloudflare's seven continents and nothing else", () => {
    expect(new Set(Object.keys(CONTINENT_CENTROIDS))).toEqual(CONTINENTS);
  });

  it("has every ISO 3166-1 alpha-2 country (249) plus Kosovo", () => {
    expect(Object.keys(COUNTRY_CENTROIDS)).toHaveLength(250);
    for (const code of [
      "US",
      "CA",
      "MX",
      "BR",
      "AR",
      "GB",
      "DE",
      "FR",
      "NA",
      "ZA",
      "EG",
      "NG",
      "IN",
      "CN",
      "JP",
      "AU",
      "NZ",
      "AQ",
      "XK",
      "VA",
      "TV",
    ]) {
      expect(COUNTRY_CENTROIDS, code).toHaveProperty(code);
    }
    // Cloudflare's "unknown" and Tor have no location.
    expect(Object.hasOwn(COUNTRY_CENTROIDS, "XX")).toBe(false);
    expect(Object.hasOwn(COUNTRY_CENTROIDS, "T1")).toBe(false);
  });

  it("has the busiest colos", () => {
    expect(Object.keys(COLO_CENTROIDS).length).toBeGreaterThanOrEqual(60);
    for (const code of [
      "FRA",
      "AMS",
      "LHR",
      "CDG",
      "IAD",
      "EWR",
      "ORD",
      "DFW",
      "LAX",
      "SJC",
      "SEA",
      "MIA",
      "ATL",
      "YYZ",
      "GRU",
      "EZE",
      "SCL",
      "BOG",
      "MEX",
      "NRT",
      "KIX",
      "ICN",
      "HKG",
      "SIN",
      "SYD",
      "MEL",
      "BOM",
      "DEL",
      "MAA",
      "DXB",
      "JNB",
      "CPT",
      "LOS",
      "NBO",
      "CAI",
      "IST",
      "WAW",
      "MAD",
      "MXP",
      "ARN",
      "HEL",
      "OSL",
      "CPH",
      "VIE",
      "PRG",
      "ZRH",
      "DUB",
      "MAN",
      "BRU",
      "LIS",
      "ATH",
      "TLV",
      "KUL",
      "BKK",
      "MNL",
      "CGK",
      "TPE",
      "AKL",
      "PER",
      "HNL",
      "DEN",
      "PHX",
    ]) {
      expect(COLO_CENTROIDS, code).toHaveProperty(code);
    }
  });

  it("puts spot-checked places where they are", () => {
    near(COUNTRY_CENTROIDS, "DE", 52.52, 13.4); // Berlin
    near(COUNTRY_CENTROIDS, "JP", 35.68, 139.69); // Tokyo
    near(COUNTRY_CENTROIDS, "AU", -35.28, 149.13); // Canberra
    near(COUNTRY_CENTROIDS, "AR", -34.6, -58.38); // Buenos Aires
    near(COUNTRY_CENTROIDS, "NA", -22.56, 17.08); // Windhoek: NA the country is Namibia
    near(COUNTRY_CENTROIDS, "US", 37.4, -92.2, 100); // mean centre of population, Missouri
    near(COLO_CENTROIDS, "FRA", 50.11, 8.68);
    near(COLO_CENTROIDS, "SIN", 1.35, 103.82);
    near(COLO_CENTROIDS, "GRU", -23.55, -46.63);
    near(COLO_CENTROIDS, "HNL", 21.31, -157.86);
    near(COLO_CENTROIDS, "AKL", -36.85, 174.76);
    // Continents: each centre lies in or near its continent, by hemisphere.
    expect(point(CONTINENT_CENTROIDS, "SA").lat).toBeLessThan(0);
    expect(point(CONTINENT_CENTROIDS, "OC").lat).toBeLessThan(0);
    expect(point(CONTINENT_CENTROIDS, "AN").lat).toBeLessThan(-60);
    expect(point(CONTINENT_CENTROIDS, "NA").lon).toBeLessThan(-60);
    expect(point(CONTINENT_CENTROIDS, "EU").lat).toBeGreaterThan(40);
  });

  it("a colo's city is near its country's capital where they are the same city", () => {
    for (const [colo, country] of [
      ["LHR", "GB"],
      ["CDG", "FR"],
      ["MAD", "ES"],
      ["NRT", "JP"],
      ["ICN", "KR"],
      ["BKK", "TH"],
      ["EZE", "AR"],
      ["NBO", "KE"],
      ["CAI", "EG"],
    ] as const) {
      expect(distanceKm(point(COLO_CENTROIDS, colo), point(COUNTRY_CENTROIDS, country)), `${colo}/${country}`).toBeLessThan(30);
    }
  });
});

describe("locateClient", () => {
  it("prefers the client's own coordinates", () => {
    expect(locateClient({ lat: 48.1, lon: 11.6, colo: "FRA", country: "DE", continent: "EU" })).toEqual({
      lat: 48.1,
      lon: 11.6,
      source: "coordinates",
    });
    expect(locateClient({ lat: 0, lon: 0 })).toEqual({ lat: 0, lon: 0, source: "coordinates" });
  });

  it("then the colo, then the country, then the continent", () => {
    expect(locateClient({ colo: "FRA", country: "US", continent: "NA" })).toEqual({ lat: 50.11, lon: 8.68, source: "colo" });
    expect(locateClient({ colo: "ZZZ", country: "DE", continent: "EU" })).toEqual({ lat: 52.52, lon: 13.4, source: "country" });
    expect(locateClient({ country: "XX", continent: "EU" })).toMatchObject({ source: "continent" });
    expect(locateClient({ continent: "OC" })).toEqual({ ...point(CONTINENT_CENTROIDS, "OC"), source: "continent" });
  });

  it("needs both coordinates: half a position falls through to the next source", () => {
    expect(locateClient({ lat: 10, country: "JP" })).toMatchObject({ source: "country" });
    expect(locateClient({ lon: 10, continent: "AF" })).toMatchObject({ source: "continent" });
    expect(locateClient({ lat: Number.NaN, lon: 5, colo: "AMS" })).toMatchObject({ source: "colo" });
    expect(locateClient({ lat: 95, lon: 5 })).toBeUndefined();
  });

  it("reads codes case-insensitively and ignores inherited keys", () => {
    expect(locateClient({ colo: "fra" })).toMatchObject({ source: "colo", lat: 50.11 });
    expect(locateClient({ country: "de" })).toMatchObject({ source: "country", lat: 52.52 });
    expect(locateClient({ colo: "constructor", country: "__proto__", continent: "toString" })).toBeUndefined();
  });

  it("is undefined when nothing is known", () => {
    expect(locateClient({})).toBeUndefined();
    expect(locateClient({ ip: "203.0.113.9" })).toBeUndefined();
    expect(locateClient({ country: "T1", continent: "T1" })).toBeUndefined();
  });
});

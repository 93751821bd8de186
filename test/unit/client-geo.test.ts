import { describe, expect, it } from "vitest";
import { clientFromCf, DebugGeoError, DEBUG_GEO_HEADER, parseDebugGeo } from "../../src/routing/client.ts";
import { parseGeoKey } from "../../src/routing/geo-key.ts";

describe("clientFromCf", () => {
  it("reads a full cf object", () => {
    const cf = { colo: "FRA", country: "DE", continent: "EU", latitude: "50.11", longitude: "8.68", asn: 3320 };
    expect(clientFromCf(cf, "203.0.113.9")).toEqual({
      ip: "203.0.113.9",
      colo: "FRA",
      country: "DE",
      continent: "EU",
      lat: 50.11,
      lon: 8.68,
    });
  });

  it.each([undefined, null, "string", 42])("copes with a missing or non-object cf (%s)", (cf) => {
    expect(clientFromCf(cf, "198.51.100.1")).toEqual({ ip: "198.51.100.1" });
  });

  it("leaves missing fields undefined", () => {
    const client = clientFromCf({ country: "US" }, undefined);
    expect(client.country).toBe("US");
    expect(client.colo).toBeUndefined();
    expect(client.continent).toBeUndefined();
    expect(client.lat).toBeUndefined();
    expect(client.lon).toBeUndefined();
    expect(client.ip).toBeUndefined();
  });

  it("reads coordinates given as strings or numbers", () => {
    expect(clientFromCf({ latitude: "-33.87", longitude: "151.21" }, undefined)).toMatchObject({ lat: -33.87, lon: 151.21 });
    expect(clientFromCf({ latitude: 1.28, longitude: 103.83 }, undefined)).toMatchObject({ lat: 1.28, lon: 103.83 });
    expect(clientFromCf({ latitude: "0", longitude: "0" }, undefined)).toMatchObject({ lat: 0, lon: 0 });
  });

  it("drops coordinates that are out of range or not numbers", () => {
    const bad = [
      { latitude: "91", longitude: "0" },
      { latitude: "0", longitude: "-180.5" },
      { latitude: "north", longitude: "east" },
      { latitude: "", longitude: " " },
      { latitude: "Infinity", longitude: "NaN" },
      { latitude: true, longitude: {} },
    ];
    for (const cf of bad) {
      const client = clientFromCf(cf, undefined);
      const inRange = (n: number | undefined, limit: number): boolean => n === undefined || Math.abs(n) <= limit;
      expect(inRange(client.lat, 90) && inRange(client.lon, 180), JSON.stringify(cf)).toBe(true);
    }
    expect(clientFromCf({ latitude: "91", longitude: "10" }, undefined)).toMatchObject({ lat: undefined, lon: 10 });
    expect(clientFromCf({ latitude: "north", longitude: 190 }, undefined)).toMatchObject({ lat: undefined, lon: undefined });
    expect(clientFromCf({ latitude: "90", longitude: "-180" }, undefined)).toMatchObject({ lat: 90, lon: -180 });
  });

  it("upper-cases codes and ignores empty or non-string ones", () => {
    expect(clientFromCf({ colo: "fra", country: "de", continent: "eu" }, undefined)).toMatchObject({
      colo: "FRA",
      country: "DE",
      continent: "EU",
    });
    expect(clientFromCf({ colo: "", country: 49, continent: null }, undefined)).toMatchObject({
      colo: undefined,
      country: undefined,
      continent: undefined,
    });
  });
});

describe("parseDebugGeo", () => {
  it("reads the documented example", () => {
    expect(parseDebugGeo("country=DE; continent=EU; lat=52.52; lon=13.40", "192.0.2.1")).toEqual({
      ip: "192.0.2.1",
      country: "DE",
      continent: "EU",
      colo: undefined,
      lat: 52.52,
      lon: 13.4,
    });
  });

  it("reads colo, lower case and loose spacing", () => {
    expect(parseDebugGeo(" colo=fra ;country = de;; ", undefined)).toMatchObject({ colo: "FRA", country: "DE", lat: undefined });
  });

  it("an empty header gives an empty client", () => {
    expect(parseDebugGeo("", "192.0.2.1")).toEqual({
      ip: "192.0.2.1",
      country: undefined,
      continent: undefined,
      colo: undefined,
      lat: undefined,
      lon: undefined,
    });
  });

  const rejects = (header: string, ...fragments: string[]): void => {
    let caught: unknown;
    try {
      parseDebugGeo(header, undefined);
    } catch (error) {
      caught = error;
    }
    expect(caught, header).toBeInstanceOf(DebugGeoError);
    const message = caught instanceof Error ? caught.message : "";
    expect(message).toContain(DEBUG_GEO_HEADER);
    for (const fragment of fragments) expect(message).toContain(fragment);
  };

  it("an unknown key is named", () => {
    rejects("country=DE; city=Berlin", 'unknown key "city"');
  });

  it("a key without a value is named", () => {
    rejects("country", '"country" has no value');
    rejects("lat=", '"lat" has no value');
  });

  it.each(["abc", "91", "-90.5", "1e9"])("a bad lat (%s) is named", (lat) => {
    rejects(`lat=${lat}; lon=10`, "lat must be a number");
  });

  it("a bad lon is named", () => {
    rejects("lat=10; lon=181", "lon must be a number");
  });

  it.each(["DEU", "D", "1A"])("a bad country (%s) is named", (country) => {
    rejects(`country=${country}`, "country must be a two-letter code");
  });

  it("a bad continent is named", () => {
    rejects("continent=Europe", "continent must be a two-letter code");
  });

  it("a bad colo is named", () => {
    rejects("colo=FRANK", "colo must be a three-letter code");
  });
});

describe("parseGeoKey", () => {
  it("reads bare continents, countries and colos", () => {
    expect(parseGeoKey("EU")).toEqual({ kind: "continent", code: "EU" });
    expect(parseGeoKey("na")).toEqual({ kind: "continent", code: "NA" });
    expect(parseGeoKey("de")).toEqual({ kind: "country", code: "DE" });
    expect(parseGeoKey("FRA")).toEqual({ kind: "colo", code: "FRA" });
  });

  it("reads explicit prefixes", () => {
    expect(parseGeoKey("country:NA")).toEqual({ kind: "country", code: "NA" });
    expect(parseGeoKey("Continent:oc")).toEqual({ kind: "continent", code: "OC" });
    expect(parseGeoKey("colo:sin")).toEqual({ kind: "colo", code: "SIN" });
  });

  it.each(["EUROPE", "continent:XX", "country:DEU", "colo:FR", "planet:EU", "", "D1"])("rejects %j", (key) => {
    expect(parseGeoKey(key)).toBeUndefined();
  });
});

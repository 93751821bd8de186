import { describe, it, expect } from "vitest";
import { REGIONS, lookupRegion, suggestRegions } from "../../src/config/regions.ts";

const near = (key: string, lat: number, lon: number, tol = 2): void => {
  const r = lookupRegion(key);
  expect(r, key).toBeDefined();
  expect(Math.abs((r?.lat ?? NaN) - lat), `${key} lat`).toBeLessThanOrEqual(tol);
  expect(Math.abs((r?.lon ?? NaN) - lon), `${key} lon`).toBeLessThanOrEqual(tol);
};

describe("REGIONS", () => {
  it("has entries for all three clouds", () => {
    const clouds = new Set(Object.values(REGIONS).map((r) => r.cloud));
    expect([...clouds].sort()).toEqual(["aws", "azure", "gcp"]);
  });

  it("has well-formed keys matching each entry's cloud", () => {
    for (const [key, info] of Object.entries(REGIONS)) {
      expect(key).toMatch(/^(aws|gcp|azure):[a-z0-9-]+$/);
      expect(key.startsWith(`${info.cloud}:`), key).toBe(true);
      expect(info.city.length, key).toBeGreaterThan(0);
    }
  });

  it("has valid coordinates for every entry", () => {
    for (const [key, { lat, lon }] of Object.entries(REGIONS)) {
      expect(Number.isFinite(lat) && lat >= -90 && lat <= 90, `${key} lat ${lat}`).toBe(true);
      expect(Number.isFinite(lon) && lon >= -180 && lon <= 180, `${key} lon ${lon}`).toBe(true);
    }
  });

  it("is frozen", () => {
    expect(Object.isFrozen(REGIONS)).toBe(true);
    expect(Object.isFrozen(REGIONS["aws:us-east-1"])).toBe(true);
  });

  it("contains a sample of well-known regions", () => {
    for (const key of [
      "aws:eu-west-1",
      "aws:ap-southeast-2",
      "gcp:us-central1",
      "gcp:asia-northeast1",
      "azure:westeurope",
      "azure:eastus2",
    ]) {
      expect(lookupRegion(key), key).toBeDefined();
    }
  });

  it("places spot-checked regions in the right cities", () => {
    near("aws:us-east-1", 38.9, -77.4);
    near("gcp:europe-west1", 50.4, 3.8);
    near("azure:southeastasia", 1.28, 103.83);
    expect(lookupRegion("azure:southeastasia")?.city).toBe("Singapore");
  });
});

describe("lookupRegion", () => {
  it("is case-insensitive", () => {
    expect(lookupRegion("AWS:US-EAST-1")).toBe(REGIONS["aws:us-east-1"]);
    expect(lookupRegion("Gcp:Europe-West1")).toBe(REGIONS["gcp:europe-west1"]);
    expect(lookupRegion("azure:SouthEastAsia")).toBe(REGIONS["azure:southeastasia"]);
  });

  it("returns undefined for unknown keys, including prototype names", () => {
    expect(lookupRegion("aws:us-east-9")).toBeUndefined();
    expect(lookupRegion("onprem:dc1")).toBeUndefined();
    expect(lookupRegion("constructor")).toBeUndefined();
    expect(lookupRegion("__proto__")).toBeUndefined();
    expect(lookupRegion("")).toBeUndefined();
  });
});

describe("suggestRegions", () => {
  it("suggests the closest key for a typo", () => {
    const s = suggestRegions("aws:us-east-9");
    expect(s[0]).toBe("aws:us-east-1");
    expect(s.length).toBeLessThanOrEqual(3);
  });

  it("is case-insensitive and honours max", () => {
    expect(suggestRegions("GCP:EUROPE-WEST1", 1)).toEqual(["gcp:europe-west1"]);
    expect(suggestRegions("aws:us-east-9", 0)).toEqual([]);
  });

  it("returns nothing for hopeless input", () => {
    expect(suggestRegions("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz")).toEqual([]);
  });
});

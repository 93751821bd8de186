/**
 * The local-only colo override (routing/local-colo.ts): worker variables that make a local
 * `wrangler dev` play a colo. Off without EDGEWAY_COLO; every value checked as strictly
 * as the debug geo header, and an error names the variable.
 */
import { describe, expect, it } from "vitest";
import { DebugGeoError } from "../../src/routing/client.ts";
import { localColo } from "../../src/routing/local-colo.ts";

describe("localColo", () => {
  it("is off without EDGEWAY_COLO, whatever else is set", () => {
    expect(localColo({})).toBeUndefined();
    expect(localColo({ EDGEWAY_COLO: "", EDGEWAY_COUNTRY: "DE" })).toBeUndefined();
  });

  it("reads colo, country, continent and coordinates", () => {
    expect(
      localColo({ EDGEWAY_COLO: "fra", EDGEWAY_COUNTRY: "de", EDGEWAY_CONTINENT: "EU", EDGEWAY_LAT: "50.03", EDGEWAY_LON: "8.57" }),
    ).toEqual({ colo: "FRA", country: "DE", continent: "EU", lat: 50.03, lon: 8.57 });
    expect(localColo({ EDGEWAY_COLO: "SIN" })).toEqual({ colo: "SIN" });
  });

  it.each([
    [{ EDGEWAY_COLO: "FRANKFURT" }, "EDGEWAY_COLO"],
    [{ EDGEWAY_COLO: "FRA", EDGEWAY_COUNTRY: "Germany" }, "EDGEWAY_COUNTRY"],
    [{ EDGEWAY_COLO: "FRA", EDGEWAY_LAT: "91" }, "EDGEWAY_LAT"],
    [{ EDGEWAY_COLO: "FRA", EDGEWAY_LON: "east" }, "EDGEWAY_LON"],
    [{ EDGEWAY_COLO: "FRA; country=US" }, "EDGEWAY_COLO"],
  ])("rejects %j, naming %s", (vars, name) => {
    expect(() => localColo(vars)).toThrow(DebugGeoError);
    expect(() => localColo(vars)).toThrow(new RegExp(`^${name}: `));
  });
});

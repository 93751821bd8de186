/** LazyCfClient: the client clientFromCf reads, with request.cf read once, and only when a location field is asked for. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clientFromCf, LazyCfClient } from "../../src/routing/client.ts";

/** A request stand-in that counts reads of `cf`. */
function source(cf: unknown): { readonly request: { readonly cf: unknown }; reads(): number } {
  let reads = 0;
  return {
    request: {
      get cf() {
        reads++;
        return cf;
      },
    },
    reads: () => reads,
  };
}

const FIELDS = ["ip", "colo", "country", "continent", "lat", "lon"] as const;

describe("LazyCfClient", () => {
  it("does not read cf for the ip, and reads it once however many location fields are asked for", () => {
    const s = source({ colo: "fra", country: "de", continent: "eu", latitude: "50.11", longitude: 8.68 });
    const client = new LazyCfClient(s.request, "203.0.113.9");
    expect(client.ip).toBe("203.0.113.9");
    expect(s.reads()).toBe(0);
    expect(client.colo).toBe("FRA");
    expect([client.country, client.continent, client.lat, client.lon, client.colo]).toEqual(["DE", "EU", 50.11, 8.68, "FRA"]);
    expect(s.reads()).toBe(1);
  });

  it.each([undefined, null, "string", 42])("copes with a missing or non-object cf (%s)", (cf) => {
    const client = new LazyCfClient(source(cf).request, "198.51.100.1");
    expect(FIELDS.map((f) => client[f])).toEqual(["198.51.100.1", undefined, undefined, undefined, undefined, undefined]);
  });

  it("gives every field clientFromCf gives, for any cf object", () => {
    const text = fc.oneof(fc.constant(""), fc.string({ maxLength: 4 }), fc.constantFrom("FRA", "de", "EU"));
    const coordinate = fc.oneof(
      fc.double({ noNaN: false }),
      fc.integer({ min: -200, max: 200 }).map(String),
      fc.constant(" "),
      fc.constant(undefined),
    );
    const cf = fc.record({ colo: text, country: text, continent: text, latitude: coordinate, longitude: coordinate }, { requiredKeys: [] });
    fc.assert(
      fc.property(cf, fc.option(fc.ipV4(), { nil: undefined }), (value, ip) => {
        const eager = clientFromCf(value, ip);
        const lazy = new LazyCfClient(source(value).request, ip);
        for (const f of FIELDS) expect(lazy[f]).toStrictEqual(eager[f]);
      }),
      { numRuns: 300 },
    );
  });
});

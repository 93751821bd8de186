/** End to end through real origins on 127.0.0.1: weighted split, geo steering, route matching. */
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { proxied, useConfig } from "../worker/helpers.ts";

async function originOf(path: string, init: RequestInit & { cf?: Record<string, unknown> } = {}): Promise<string | null> {
  const res = await proxied(path, init);
  await res.text();
  return res.headers.get("x-edgeway-origin");
}

function geoConfig(origins: Record<string, string>): unknown {
  return {
    origins: [
      { id: "o1", url: origins.o1, region: "aws:us-east-1", weight: 3 },
      { id: "o2", url: origins.o2, region: "aws:us-west-2", weight: 1 },
      { id: "o3", url: origins.o3, region: "gcp:europe-west1" },
      { id: "o4", url: origins.o4, region: "azure:southeastasia" },
    ],
    pools: [
      { id: "na", origins: ["o1", "o2"] },
      { id: "eu", origins: ["o3"] },
      { id: "apac", origins: ["o4"] },
    ],
    routes: [
      {
        id: "geo",
        match: { host: "*", pathPrefix: "/geo" },
        pools: ["na", "eu", "apac"],
        steering: "geo",
        geo: { NA: ["na"], EU: ["eu"], AS: ["apac"], OC: ["apac"], SIN: ["apac"], "country:DE": ["eu"] },
        fallbackPool: "na",
      },
      { id: "near", match: { host: "*", pathPrefix: "/near" }, pools: ["na", "eu", "apac"], steering: "proximity" },
      { id: "split", match: { host: "*", pathPrefix: "/split" }, pools: ["na"] },
      { id: "only-api", match: { host: "api.example.com", pathPrefix: "/" }, pools: ["eu"] },
    ],
  };
}

describe("balancing through real origins", () => {
  it("splits traffic 3:1 by origin weight", async ({ expect }) => {
    await useConfig(geoConfig(inject("origins")));
    const counts: Record<string, number> = {};
    const N = 400;
    for (let i = 0; i < N; i++) {
      const id = (await originOf("/split/item")) ?? "none";
      counts[id] = (counts[id] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(["o1", "o2"]);
    // Smooth weighted round robin is exact over every window of 4 picks; allow 5% for shared isolate state.
    expect(counts.o1 ?? 0).toBeGreaterThanOrEqual(N * 0.7);
    expect(counts.o1 ?? 0).toBeLessThanOrEqual(N * 0.8);
  });

  it("steers by geography: debug header, request.cf continent, country, colo", async ({ expect }) => {
    await useConfig(geoConfig(inject("origins")));
    expect(await originOf("/geo", { headers: { "x-edgeway-debug-geo": "country=FR; continent=EU; lat=48.85; lon=2.35" } })).toBe("o3");
    expect(await originOf("/geo", { cf: { continent: "AS", country: "JP" } })).toBe("o4");
    expect(await originOf("/geo", { cf: { continent: "OC", country: "AU" } })).toBe("o4");
    // country:DE beats continent NA: the most specific entry wins.
    expect(await originOf("/geo", { cf: { continent: "NA", country: "DE" } })).toBe("o3");
    // colo SIN beats continent EU.
    expect(await originOf("/geo", { cf: { continent: "EU", country: "FR", colo: "SIN" } })).toBe("o4");
    expect(["o1", "o2"]).toContain(await originOf("/geo", { cf: { continent: "NA", country: "US" } }));
    // No location at all: the route's pools in order.
    expect(["o1", "o2"]).toContain(await originOf("/geo"));
  });

  it("steers by proximity to the client's coordinates", async ({ expect }) => {
    await useConfig(geoConfig(inject("origins")));
    expect(await originOf("/near", { cf: { latitude: "50.11", longitude: "8.68" } })).toBe("o3"); // Frankfurt
    expect(await originOf("/near", { cf: { latitude: "-33.87", longitude: "151.21" } })).toBe("o4"); // Sydney
    expect(["o1", "o2"]).toContain(await originOf("/near", { cf: { latitude: "40.71", longitude: "-74.01" } })); // New York
  });

  it("answers a malformed debug geo header with 400", async ({ expect }) => {
    await useConfig(geoConfig(inject("origins")));
    const res = await proxied("/geo", { headers: { "x-edgeway-debug-geo": "lat=north" } });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/lat must be a number/);
  });

  it("matches routes by host: an exact host wins, an unknown host with no catch-all is 404", async ({ expect }) => {
    const origins = inject("origins");
    await useConfig(geoConfig(origins));
    const res = await fetchHost("api.example.com", "/anything");
    expect(res.headers.get("x-edgeway-origin")).toBe("o3");
    await useConfig({
      origins: [{ id: "o1", url: origins.o1 }],
      pools: [{ id: "p", origins: ["o1"] }],
      routes: [{ id: "r", match: { host: "*.example.com", pathPrefix: "/" }, pools: ["p"] }],
    });
    expect((await fetchHost("www.example.com", "/")).headers.get("x-edgeway-origin")).toBe("o1");
    const miss = await fetchHost("example.org", "/");
    expect(miss.status).toBe(404);
    expect(miss.headers.get("x-edgeway-error")).toBe("no_route");
    expect(miss.headers.get("x-edgeway-origin")).toBeNull();
  });
});

async function fetchHost(host: string, path: string): Promise<Response> {
  const res = await exports.default.fetch(new Request(`http://${host}${path}`));
  await res.clone().text();
  return res;
}

/**
 * Imported configs route as the source system did, end to end on workerd with real
 * origins on 127.0.0.1: the importers run here on the shipped examples, the resulting
 * config goes in through the admin API, and requests land where Istio or Cloudflare
 * would have sent them.
 */
// The worker first: its admin module extends zod with .openapi() before the importers load the config schema.
import "../../src/index.ts";
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { importCloudflare } from "../../scripts/lib/import/cloudflare.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import { importIstio } from "../../scripts/lib/import/istio.ts";
import cfLoadBalancers from "../../examples/import/cloudflare/load-balancers.json?raw";
import cfMonitors from "../../examples/import/cloudflare/monitors.json?raw";
import cfPools from "../../examples/import/cloudflare/pools.json?raw";
import reviews from "../../examples/import/istio/reviews.yaml?raw";
import { useConfig } from "../worker/helpers.ts";

async function originOf(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await exports.default.fetch(new Request(url, { headers }));
  await res.text();
  return res.headers.get("x-edgeway-origin") ?? `status ${res.status}`;
}

async function counts(n: number, url: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = await originOf(url, headers);
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}

describe("imported configs route end to end", () => {
  it("Istio: the 90/10 canary splits /api, other paths go to v1 only", async ({ expect }) => {
    const o = inject("origins");
    const map = `kind: EdgewayServiceMap
services:
  reviews:
    - { id: reviews-v1-a, url: "${o.o31}", labels: { version: v1 } }
    - { id: reviews-v1-b, url: "${o.o32}", labels: { version: v1 } }
    - { id: reviews-v2-a, url: "${o.o33}", labels: { version: v2 } }
    - { id: reviews-v3-a, url: "${o.o34}", labels: { version: v3 } }
`;
    const { config } = importIstio([...parseDocuments(reviews, "reviews.yaml"), ...parseDocuments(map, "map.yaml")]);
    await useConfig(config);
    const api = await counts(200, "http://reviews.example.com/api/books");
    const v2 = api["reviews-v2-a"] ?? 0;
    expect(v2).toBeGreaterThanOrEqual(8);
    expect(v2).toBeLessThanOrEqual(40);
    expect((api["reviews-v1-a"] ?? 0) + (api["reviews-v1-b"] ?? 0)).toBe(200 - v2);
    const other = await counts(20, "http://reviews.example.com/static/logo.png");
    expect(Object.keys(other).sort()).toEqual(["reviews-v1-a", "reviews-v1-b"]);
    // The testers' entry (header end-user: jason) is carried, and keeps Istio's first-match order over /api.
    expect(await counts(10, "http://reviews.example.com/", { "end-user": "jason" })).toEqual({ "reviews-v3-a": 10 });
    expect(await counts(10, "http://reviews.example.com/api/books", { "end-user": "jason" })).toEqual({ "reviews-v3-a": 10 });
  });

  it("Cloudflare: geo steering by continent, country and colo, and the weighted host", async ({ expect }) => {
    const o = inject("origins");
    const { config } = importCloudflare([
      ...parseDocuments(cfMonitors, "monitors.json"),
      ...parseDocuments(cfPools, "pools.json"),
      ...parseDocuments(cfLoadBalancers, "load-balancers.json"),
    ]);
    // Cloudflare origins are public addresses; point each at a local origin, keep everything else as imported.
    const local: Record<string, string | undefined> = {
      "use1-a": o.o31,
      "use1-b": o.o32,
      "euw1-a": o.o33,
      "euw1-b": o.o34,
      "sea-a": o.o30,
    };
    await useConfig({ ...config, origins: config.origins.map((x) => ({ ...x, url: local[x.id] ?? x.url })) });
    const geo = (value: string) => ({ "x-edgeway-debug-geo": value });
    expect(await originOf("http://api.example.com/", geo("continent=EU; country=FR"))).toBe("euw1-a");
    expect(await originOf("http://api.example.com/", geo("continent=AS; country=SG; colo=SIN"))).toBe("sea-a");
    expect(await originOf("http://api.example.com/", geo("continent=EU; country=GB"))).toBe("euw1-a");
    expect(["use1-a", "use1-b"]).toContain(await originOf("http://api.example.com/", geo("continent=NA; country=US")));
    const statics = await counts(100, "http://static.example.com/");
    const us = (statics["use1-a"] ?? 0) + (statics["use1-b"] ?? 0);
    expect(us).toBeGreaterThanOrEqual(65);
    expect(us + (statics["euw1-a"] ?? 0)).toBe(100);
    // www.example.com's rules: a maintenance fixed_response, a path override, a header override; a disabled rule left out.
    const checkout = await exports.default.fetch(new Request("http://www.example.com/checkout/cart"));
    expect(checkout.status).toBe(503);
    expect(await checkout.text()).toContain("Checkout is closed for maintenance");
    expect(["euw1-a", "euw1-b"]).toContain(await originOf("http://www.example.com/blog/post-1"));
    expect(await originOf("http://www.example.com/", { "x-tester": "yes" })).toBe("sea-a");
    expect(["use1-a", "use1-b", "euw1-a", "euw1-b"]).toContain(await originOf("http://www.example.com/v1/users"));
  });
});

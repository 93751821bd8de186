/**
 * Real exports, imported and served on workerd against real origins on 127.0.0.1: the
 * Cloudflare API's list responses (test/fixtures/import/cloudflare/, every field present)
 * with their origins' `port`s pointed at the test origins' ports, and the Istio and
 * Gateway API Lists as kubectl prints them, their service maps pointed at the same
 * origins. The importers run here, the config goes in through the admin API, and each
 * request must land on the origin, and the port, the source system would have sent it to.
 * Origins: o1–o4, whose modes no test changes.
 */
// The worker first: its admin module extends zod with .openapi() before the importers load the config schema.
import "../../src/index.ts";
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { importCloudflare } from "../../scripts/lib/import/cloudflare.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import { importGateway } from "../../scripts/lib/import/gateway.ts";
import { importIstio } from "../../scripts/lib/import/istio.ts";
import type { SourceDocument } from "../../scripts/lib/import/model.ts";
import cfLoadBalancers from "../fixtures/import/cloudflare/load-balancers.json?raw";
import cfMonitors from "../fixtures/import/cloudflare/monitors.json?raw";
import cfPools from "../fixtures/import/cloudflare/pools.json?raw";
import gatewayList from "../fixtures/import/gateway/store-kubectl.yaml?raw";
import istioList from "../fixtures/import/istio/bookinfo-kubectl.yaml?raw";
import { probeRound, useConfig } from "../worker/helpers.ts";

interface Echo {
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

interface Served {
  readonly status: number;
  /** The Edgeway origin id that served it (x-edgeway-origin). */
  readonly via: string | null;
  /** The test origin server that answered, by its own id: proof of the address and port reached. */
  readonly server: string | undefined;
  readonly echo: Echo | undefined;
  readonly body: string;
}

async function send(url: string, headers: Record<string, string> = {}): Promise<Served> {
  const res = await exports.default.fetch(new Request(url, { headers, redirect: "manual" }));
  const body = await res.text();
  const echo = res.headers.get("content-type")?.includes("json") === true ? (JSON.parse(body) as Echo) : undefined;
  return { status: res.status, via: res.headers.get("x-edgeway-origin"), server: echo?.origin, echo, body };
}

async function servers(n: number, url: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const key = (await send(url, headers)).server ?? "none";
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const portOf = (url: string | undefined): number => Number(new URL(url ?? "http://x").port);

async function probesByRegion(url: string | undefined): Promise<Record<string, number>> {
  const stats = (await (await fetch(`${url}/__origin/stats`)).json()) as { probesByRegion: Record<string, number> };
  return stats.probesByRegion;
}

/**
 * The Cloudflare fixture with each endpoint's `port` (19501…) replaced by a test origin's
 * port, and the private endpoint moved to 127.0.0.1, as a user's export of local origins
 * would read: the rest stays as the API returned it.
 */
function cloudflareExport(ports: Record<number, number>): SourceDocument[] {
  const pools = JSON.parse(cfPools) as { result: { origins: { address: string; port: number }[] }[] };
  for (const pool of pools.result)
    for (const origin of pool.origins) {
      const port = ports[origin.port];
      if (port !== undefined) Object.assign(origin, { address: "127.0.0.1", port });
    }
  return [
    ...parseDocuments(cfMonitors, "monitors.json"),
    { source: "pools.json", value: pools },
    ...parseDocuments(cfLoadBalancers, "load-balancers.json"),
  ];
}

describe("real exports, imported and served", () => {
  it("Cloudflare: every origin is reached on its port; the split, the rules and the probe regions hold", async ({ expect }) => {
    const o = inject("origins");
    const docs = cloudflareExport({ 19501: portOf(o.o1), 19502: portOf(o.o2), 19503: portOf(o.o3), 8443: portOf(o.o4) });
    const { config, dropped } = importCloudflare(docs);
    // The ports are carried, not reported as lost.
    expect(dropped.filter((d) => d.path.endsWith(".port"))).toEqual([]);
    expect(config.origins.find((x) => x.id === "app-a1")?.url).toBe(o.o1);
    await useConfig(config);

    // app.example.com: failover, the primary pool first; each endpoint answers from its own port.
    const first = await servers(40, "http://app.example.com/orders");
    expect(Object.keys(first).sort()).toEqual(["o1", "o2"]);
    for (let i = 0; i < 10; i++) {
      const served = await send("http://app.example.com/");
      expect(served.status).toBe(200);
      expect(served.server).toBe({ "app-a1": "o1", "app-a2": "o2" }[served.via ?? ""]);
    }
    // api.example.com: random steering 0.75 / 0.25 between the pools. Binomial(200, 0.25): 50 ± 4 sd (6.1).
    const split = await servers(200, "http://api.example.com/v1/items");
    const apac = split["o3"] ?? 0;
    expect(apac).toBeGreaterThanOrEqual(25);
    expect(apac).toBeLessThanOrEqual(75);
    expect((split["o1"] ?? 0) + (split["o2"] ?? 0)).toBe(200 - apac);
    // The rules: a fixed response, and an override to the Asia-Pacific pool.
    const status = await send("http://api.example.com/status");
    expect([status.status, status.body, status.via]).toEqual([200, "api up", null]);
    expect(await servers(10, "http://api.example.com/admin/users")).toEqual({ o3: 10 });

    // One probe round: check_regions WEU, ENAM, WNAM probe the primary endpoints from three
    // regions, and SAS, SEAS, NEAS the Asia-Pacific one from one; on the endpoints' ports.
    const before = { o1: await probesByRegion(o.o1), o3: await probesByRegion(o.o3) };
    await probeRound();
    const after = { o1: await probesByRegion(o.o1), o3: await probesByRegion(o.o3) };
    const delta = (b: Record<string, number>, a: Record<string, number>) =>
      Object.fromEntries(Object.entries(a).flatMap(([r, n]) => (n > (b[r] ?? 0) ? [[r, n - (b[r] ?? 0)]] : [])));
    expect(delta(before.o1, after.o1)).toEqual({ weur: 1, enam: 1, wnam: 1 });
    expect(delta(before.o3, after.o3)).toEqual({ apac: 1 });
    // Healthy from every region: still served.
    expect((await send("http://app.example.com/")).status).toBe(200);
  });

  it("Istio: kubectl's List of a VirtualService and a DestinationRule routes as Istio would", async ({ expect }) => {
    const o = inject("origins");
    const map = `kind: EdgewayServiceMap
services:
  reviews.bookinfo:
    - { id: reviews-v1-a, url: "${o.o1}", labels: { version: v1 } }
    - { id: reviews-v2-a, url: "${o.o2}", labels: { version: v2 } }
    - { id: reviews-v3-a, url: "${o.o3}", labels: { version: v3 } }
`;
    const { config } = importIstio([...parseDocuments(istioList, "bookinfo.yaml"), ...parseDocuments(map, "map.yaml")]);
    await useConfig(config);
    expect(await servers(10, "http://reviews.example.com/api/books", { "end-user": "jason" })).toEqual({ o3: 10 });
    const api = await servers(200, "http://reviews.example.com/api/books");
    // 90/10: Binomial(200, 0.1) is 20 ± 4 sd (4.2).
    expect(api["o2"] ?? 0).toBeGreaterThanOrEqual(4);
    expect(api["o2"] ?? 0).toBeLessThanOrEqual(40);
    expect((api["o1"] ?? 0) + (api["o2"] ?? 0)).toBe(200);
    expect(await servers(10, "http://reviews.example.com/static/logo.png")).toEqual({ o1: 10 });
  });

  it("Gateway API: kubectl's List of a Gateway and two HTTPRoutes in two namespaces routes as the routes say", async ({ expect }) => {
    const o = inject("origins");
    const map = `kind: EdgewayServiceMap
services:
  store-v1.shop: [{ id: store-v1-a, url: "${o.o1}" }]
  store-v2.shop: [{ id: store-v2-a, url: "${o.o2}" }]
  store-v1.shop-admin: [{ id: admin-v1-a, url: "${o.o4}" }]
`;
    const { config } = importGateway([...parseDocuments(gatewayList, "store.yaml"), ...parseDocuments(map, "map.yaml")]);
    await useConfig(config);
    expect(await servers(10, "http://store.example.com/checkout/cart", { "x-canary": "true" })).toEqual({ o2: 10 });
    const checkout = await servers(100, "http://store.example.com/checkout/cart");
    expect(checkout["o2"] ?? 0).toBeLessThanOrEqual(25);
    expect((checkout["o1"] ?? 0) + (checkout["o2"] ?? 0)).toBe(100);
    // The route of the other namespace: its own Service of the same name, with its header edit.
    const admin = await send("http://store.example.com/admin/orders");
    expect([admin.server, admin.echo?.headers["x-admin"]]).toEqual(["o4", "1"]);
    expect(await servers(10, "http://store.example.com/")).toEqual({ o1: 10 });
  });
});

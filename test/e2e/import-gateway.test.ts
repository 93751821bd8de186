/**
 * The Gateway API example, imported and served end to end on workerd against real echo
 * origins on 127.0.0.1: the importer runs here on examples/import/gateway/, its service
 * map pointed at the test origins (o2 store-v1, o3 store-v2, o4 store-shadow, which other
 * files only echo from), the config goes in through the admin API, and each rule behaves
 * as the HTTPRoute says: the header canary, the exact path with its query, the method,
 * the prefix rewrite with its header edits, the backend's response header, the redirect
 * answered at the edge, and the mirror's copies.
 */
// The worker first: its admin module extends zod with .openapi() before the importers load the config schema.
import "../../src/index.ts";
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import { importGateway } from "../../scripts/lib/import/gateway.ts";
import route from "../../examples/import/gateway/store-route.yaml?raw";
import { useConfig } from "../worker/helpers.ts";

interface Echo {
  readonly origin: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: Record<string, string>;
}

const HOST = "store.example.com";

async function send(path: string, init: RequestInit = {}): Promise<{ res: Response; echo: Echo | undefined }> {
  const res = await exports.default.fetch(new Request(`http://${HOST}${path}`, { redirect: "manual", ...init }));
  const text = await res.text();
  return { res, echo: res.headers.get("content-type")?.includes("json") === true ? (JSON.parse(text) as Echo) : undefined };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the imported Gateway API example, served", () => {
  it("routes, edits, rewrites, redirects and mirrors as the HTTPRoute says", { timeout: 30_000 }, async ({ expect }) => {
    const o = inject("origins");
    const map = `kind: EdgewayServiceMap
services:
  store-v1: [{ id: store-v1, url: "${o.o2}" }]
  store-v2: [{ id: store-v2, url: "${o.o3}" }]
  store-shadow: [{ id: store-shadow, url: "${o.o4}" }]
`;
    const { config, dropped } = importGateway([...parseDocuments(route, "store-route.yaml"), ...parseDocuments(map, "map.yaml")]);
    expect(dropped).toEqual([]);
    await useConfig(config);

    expect((await send("/checkout/cart", { headers: { "x-canary": "true" } })).echo?.origin).toBe("o3");
    const split = { o2: 0, o3: 0 };
    for (let i = 0; i < 100; i++) {
      const { res, echo } = await send("/checkout/cart");
      if (echo?.origin === "o3") {
        split.o3++;
        // The v2 backendRef's own filter: only its answers carry the header.
        expect(res.headers.get("x-store-version")).toBe("v2");
      } else {
        split.o2++;
        expect(res.headers.get("x-store-version")).toBeNull();
      }
    }
    // 90/10 over 100 requests: 10 ± 4 standard deviations (3).
    expect(split.o3).toBeGreaterThanOrEqual(1);
    expect(split.o3).toBeLessThanOrEqual(22);

    const beta = await send("/search?beta=1");
    expect(beta.echo).toMatchObject({ origin: "o3", path: "/search", query: "?beta=1", headers: { "x-search-beta": "1" } });
    expect((await send("/search?beta=2")).echo?.origin).toBe("o2");

    const shop = await send("/shop/shoes?size=42", { headers: { "x-debug": "on", "x-trace-tag": "client" } });
    expect(shop.echo).toMatchObject({ origin: "o2", path: "/storefront/shoes", query: "?size=42" });
    expect(shop.echo?.headers).toMatchObject({ "x-shop-front": "edge", "x-trace-tag": "client, shop" });
    expect(shop.echo?.headers["x-debug"]).toBeUndefined();

    const moved = await send("/catalog/boots?page=2");
    expect(moved.res.status).toBe(301);
    expect(moved.res.headers.get("location")).toBe(`http://${HOST}/shop/boots?page=2`);

    // Writes to the orders API are mirrored to store-shadow for half of the requests.
    const tag = `import-e2e-${Date.now()}`;
    for (let i = 0; i < 40; i++) {
      const { echo } = await send(`/api/orders/${tag}`, { method: "POST", body: "{}" });
      expect(echo?.origin).toBe("o2");
    }
    expect((await send(`/api/orders/${tag}`)).echo?.origin).toBe("o2");
    let copies = 0;
    for (let waited = 0; waited < 5_000; waited += 200) {
      const received = (await (await fetch(`${o.o4}/__origin/received`)).json()) as Echo[];
      const now = received.filter((e) => e.path === `/api/orders/${tag}`).length;
      if (now === copies && now > 0) break;
      copies = now;
      await sleep(200);
    }
    // Binomial(40, 0.5): 20 ± 4 standard deviations (3.2); the GET is not mirrored (the match is POST only).
    expect(copies).toBeGreaterThanOrEqual(7);
    expect(copies).toBeLessThanOrEqual(33);
  });
});

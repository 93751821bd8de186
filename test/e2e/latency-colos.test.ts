/**
 * End to end on workerd: latency estimates are per colo. Two origins of this file's own
 * (lcolo1, lcolo2): lcolo1 answers in 5 ms, except to requests from FRA (the origin server
 * delays requests whose x-colo-path is FRA: a slow network path from one colo), where it
 * takes 250 ms; lcolo2 answers everyone in 60 ms. Requests play FRA and SIN with the debug
 * geo header (`colo=`), all through one isolate: FRA's estimates must steer FRA to lcolo2
 * while SIN, measuring its own, keeps lcolo1. Bounded loops; wide margins, not benchmarks.
 */
import { describe, inject, it } from "vitest";
import { COLO_PATH_HEADER } from "../../scripts/lib/origin-server.ts";
import { proxied, QUICK_LATENCY, setOriginLatency, useConfig } from "../worker/helpers.ts";

async function servedBy(colo: string): Promise<string> {
  const res = await proxied("/lc", { headers: { "x-edgeway-debug-geo": `colo=${colo}`, [COLO_PATH_HEADER]: colo } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`/lc answered ${res.status} for ${colo}`);
  return res.headers.get("x-edgeway-origin") ?? "none";
}

/** Who served the last 20 of `n` requests from `colo`. */
async function settle(colo: string, n: number): Promise<Record<string, number>> {
  const tail: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = await servedBy(colo);
    if (i >= n - 20) tail[id] = (tail[id] ?? 0) + 1;
  }
  return tail;
}

describe("latency steering per colo, end to end", () => {
  it("a path slow from FRA only steers FRA away; SIN, with its own estimates, keeps the origin that is fast for it", async ({ expect }) => {
    const all = inject("origins");
    const a = all.lcolo1 ?? "";
    const b = all.lcolo2 ?? "";
    await Promise.all([setOriginLatency(a, 5), setOriginLatency(b, 60)]);
    await setOriginLatency(a, 250, ["FRA"]);
    try {
      await useConfig({
        origins: [
          { id: "lc-a", url: a },
          { id: "lc-b", url: b },
        ],
        pools: [{ id: "lc", origins: ["lc-a", "lc-b"], steering: "latency", latency: QUICK_LATENCY }],
        routes: [{ id: "lc-route", match: { host: "*", pathPrefix: "/lc" }, pools: ["lc"] }],
      });
      // Interleaved, so both colos measure over the same seconds through the same isolate.
      for (let round = 0; round < 4; round++) {
        await settle("FRA", 15);
        await settle("SIN", 15);
      }
      const fraTail = await settle("FRA", 20);
      const sinTail = await settle("SIN", 20);
      // Exploring sends a few of each colo's requests to the other origin: wide margins.
      expect(fraTail["lc-b"] ?? 0, `FRA: ${JSON.stringify(fraTail)}`).toBeGreaterThanOrEqual(15);
      expect(sinTail["lc-a"] ?? 0, `SIN: ${JSON.stringify(sinTail)}`).toBeGreaterThanOrEqual(15);
    } finally {
      await Promise.all([setOriginLatency(a, 0), setOriginLatency(b, 0)]);
    }
  });
});

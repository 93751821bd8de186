/**
 * End to end on workerd: an origin added by REGISTRATION (POST /_edgeway/register) to a
 * pool steered by `latency` gets traffic, and being the fastest, most of it. Real origins
 * on 127.0.0.1 with injected latency (lreg1 at 100 ms, lreg2 at 5 ms; this file's own).
 * The pool uses short latency settings so the test takes seconds; every loop is bounded
 * in requests. Requests carry their own colo (debug geo header) so estimates start cold.
 */
import { describe, inject, it } from "vitest";
import { proxied, QUICK_LATENCY, setOriginLatency, useConfig } from "../worker/helpers.ts";
import { LOCAL_POLICY, register, removeAll } from "./registration-helpers.ts";

const COLO = "LRG";

/** Sends `n` requests as COLO; the origins that served them, in order. */
async function served(n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await proxied("/lreg", { headers: { "x-edgeway-debug-geo": `colo=${COLO}` } });
    await res.arrayBuffer();
    out.push(res.status === 200 ? (res.headers.get("x-edgeway-origin") ?? "none") : `status ${res.status}`);
  }
  return out;
}

describe("latency steering and registration end to end", () => {
  it("an origin registered into a latency pool is tried at once and, being the fastest, takes most of the traffic", async ({ expect }) => {
    const all = inject("origins");
    const slow = all.lreg1 ?? "";
    const fast = all.lreg2 ?? "";
    await Promise.all([setOriginLatency(slow, 100), setOriginLatency(fast, 5)]);
    try {
      await useConfig({
        origins: [{ id: "lr-slow", url: slow }],
        pools: [{ id: "lr", origins: ["lr-slow"], steering: "latency", latency: QUICK_LATENCY, registration: LOCAL_POLICY }],
        routes: [{ id: "lr-route", match: { host: "*", pathPrefix: "/lreg" }, pools: ["lr"] }],
      });
      // Before: the configured origin serves everything and is measured.
      expect(new Set(await served(5))).toEqual(new Set(["lr-slow"]));

      const created = await register({ id: "lr-fast", url: fast, pool: "lr", ttlSeconds: 60 });
      expect(created.status, JSON.stringify(created.body)).toBe(201);

      // Never measured from this colo, the registered origin is tried within the first picks…
      const first = await served(3);
      expect(first, first.join(" ")).toContain("lr-fast");
      // …and, 20× faster, it takes most of what follows (exploring and a tail answer may send a few elsewhere).
      const after = await served(40);
      const last30 = after.slice(10).filter((id) => id === "lr-fast").length;
      expect(last30, after.join(" ")).toBeGreaterThanOrEqual(24);
      expect(
        after.filter((id) => id.startsWith("status")),
        after.join(" "),
      ).toEqual([]);
      console.info(
        `latency + registration: first picks ${first.join(" ")}; lr-fast served ${last30}/30 of requests 11–40 after registering`,
      );
    } finally {
      await removeAll();
      await Promise.all([setOriginLatency(slow, 0), setOriginLatency(fast, 0)]);
    }
  });
});

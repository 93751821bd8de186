/**
 * Hedging and retry limits inside workerd, through real origins: a slow first try is
 * hedged to another origin and the hedge's answer wins; a body over retries.maxBodyBytes
 * is sent once and the response says it was not retried.
 */
import { describe, inject, it } from "vitest";
import { originRequests, proxied, setOriginLatency, setOriginMode, useConfig } from "../worker/helpers.ts";

describe("hedging and retry limits", () => {
  it("hedges a slow GET to another origin; the first good answer wins", async ({ expect }) => {
    const all = inject("origins");
    const slow = all.o25 ?? "";
    await useConfig({
      origins: [
        { id: "o25", url: slow },
        { id: "o26", url: all.o26 },
      ],
      // Failover steering within the route, and the slow origin listed first with all the weight.
      pools: [
        { id: "first", origins: ["o25"] },
        { id: "second", origins: ["o26"] },
      ],
      routes: [{ id: "hedged", pools: ["first", "second"], hedge: { delayMs: 50 } }],
    });
    await setOriginLatency(slow, 400);
    try {
      const res = await proxied("/hedge");
      await res.arrayBuffer();
      expect(res.status).toBe(200);
      // The slow origin was tried first (failover order); the hedge's answer won.
      expect(res.headers.get("x-edgeway-origin")).toBe("o26");
      expect(res.headers.get("x-edgeway-tries")).toBe("2");
      // A PUT is not hedged: one try, to the slow origin.
      const put = await proxied("/hedge", { method: "PUT", body: "x" });
      await put.arrayBuffer();
      expect(put.headers.get("x-edgeway-origin")).toBe("o25");
      expect(put.headers.get("x-edgeway-tries")).toBeNull();
    } finally {
      await setOriginLatency(slow, 0);
    }
  });

  it("a body larger than retries.maxBodyBytes is sent once, and the response says it was not retried", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [
        { id: "o25", url: all.o25 },
        { id: "o26", url: all.o26 },
      ],
      pools: [
        { id: "first", origins: ["o25"] },
        { id: "second", origins: ["o26"] },
      ],
      routes: [{ id: "limited", pools: ["first", "second"], retries: { attempts: 1, maxBodyBytes: 1_024 } }],
    });
    await setOriginMode(all.o25 ?? "", "fail");
    try {
      const beforeSecond = await originRequests(all.o26 ?? "");
      const big = await proxied("/upload", { method: "PUT", body: "y".repeat(4_096) });
      expect(big.status).toBe(503);
      expect(big.headers.get("x-edgeway-retry-skipped")).toBe("body-too-large");
      expect(big.headers.get("x-edgeway-tries")).toBeNull();
      await big.arrayBuffer();
      expect(await originRequests(all.o26 ?? "")).toBe(beforeSecond);
      // A small body is replayed on the next origin.
      const small = await proxied("/upload", { method: "PUT", body: "z".repeat(100) });
      expect(small.status).toBe(200);
      const echoed = (await small.json()) as { origin: string; bodyLength: number };
      expect(echoed).toMatchObject({ origin: "o26", bodyLength: 100 });
    } finally {
      await setOriginMode(all.o25 ?? "", "ok");
    }
  });
});

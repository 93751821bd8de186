/**
 * End to end: `latency` route steering against real origins with injected latency
 * (5, 40 and 150 ms). After warm-up most traffic goes to the fastest; when it slows down,
 * traffic moves within seconds. Behaviour checks with wide margins, not benchmarks.
 */
import { describe, inject, it } from "vitest";
import { proxied, useConfig } from "../worker/helpers.ts";

async function setLatency(url: string, ms: number): Promise<void> {
  await (await fetch(`${url}/__origin/latency?ms=${ms}`)).text();
}

async function servedBy(): Promise<string> {
  const res = await proxied("/lat");
  await res.text();
  return res.headers.get("x-edgeway-origin") ?? "none";
}

describe("latency steering", () => {
  it("sends most traffic (≥ 85%; 95% expected with 5% exploration) to the fastest pool after warm-up, and moves within 5 s when it slows down", async ({
    expect,
  }) => {
    const all = inject("origins");
    const [fast, mid, slow] = [all.o11 ?? "", all.o12 ?? "", all.o13 ?? ""];
    await setLatency(fast, 5);
    await setLatency(mid, 40);
    await setLatency(slow, 150);
    try {
      await useConfig({
        origins: [
          { id: "o11", url: fast },
          { id: "o12", url: mid },
          { id: "o13", url: slow },
        ],
        pools: [
          { id: "lat-slow", origins: ["o13"] },
          { id: "lat-mid", origins: ["o12"] },
          { id: "lat-fast", origins: ["o11"] },
        ],
        routes: [{ id: "lat", match: { host: "*", pathPrefix: "/lat" }, pools: ["lat-slow", "lat-mid", "lat-fast"], steering: "latency" }],
      });
      for (let i = 0; i < 20; i++) await servedBy();
      const counts: Record<string, number> = {};
      // 200 requests: at the expected 95% the binomial spread is ~1.5 points, so 85% leaves
      // room for a noisy machine without letting a policy that does not prefer the fastest pass.
      const N = 200;
      for (let i = 0; i < N; i++) {
        const id = await servedBy();
        counts[id] = (counts[id] ?? 0) + 1;
      }
      expect(counts.o11 ?? 0).toBeGreaterThanOrEqual(N * 0.85);

      // The fastest slows down: time how long until traffic has moved off it.
      await setLatency(fast, 300);
      const start = Date.now();
      const recent: string[] = [];
      let movedAfterMs: number | undefined;
      while (Date.now() - start < 8_000) {
        recent.push(await servedBy());
        const last10 = recent.slice(-10);
        if (last10.length === 10 && last10.filter((id) => id === "o12").length >= 8) {
          movedAfterMs = Date.now() - start;
          break;
        }
      }
      console.info(
        `latency steering: ${JSON.stringify(counts)} of ${N} after warm-up; traffic moved ${movedAfterMs ?? "never"} ms after the slowdown`,
      );
      expect(movedAfterMs).toBeDefined();
      expect(movedAfterMs ?? Infinity).toBeLessThan(5_000);
    } finally {
      await Promise.all([fast, mid, slow].map((u) => setLatency(u, 0)));
    }
  });
});

/**
 * Passive health end to end: an origin answering 503 is ejected by this isolate after
 * three gateway failures and gets no more tries; an ejection another isolate of the same
 * colo reported to the Durable Object is adopted with the next snapshot (other colos'
 * ejections stay in their colos: colo-health.test.ts).
 */
import { describe, inject, it } from "vitest";
import { env } from "cloudflare:test";
import { isolate } from "../../src/isolate.ts";
import { originStateStub } from "../../src/state/origin-state.ts";
import { admin, originRequests, proxied, roundRobinConfig, setOriginMode, useConfig } from "../worker/helpers.ts";

async function send(n: number): Promise<{ statuses: number[]; origins: string[] }> {
  const statuses: number[] = [];
  const origins: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await proxied("/passive");
    await res.arrayBuffer();
    statuses.push(res.status);
    origins.push(res.headers.get("x-edgeway-origin") ?? "none");
  }
  return { statuses, origins };
}

/** o21 and o22 in one round-robin pool, no monitor: only live traffic judges them. */
async function usePair(): Promise<void> {
  await useConfig(roundRobinConfig(inject("origins"), ["o21", "o22"], "pair"));
}

describe("passive health", () => {
  it("ejects an origin after 3 consecutive gateway failures; the next requests avoid it", async ({ expect }) => {
    const all = inject("origins");
    await usePair();
    await setOriginMode(all.o21 ?? "", "fail");
    try {
      const before = await originRequests(all.o21 ?? "");
      const first = await send(12);
      // Every client got a 200: the failures were retried on o22.
      expect(first.statuses.every((s) => s === 200)).toBe(true);
      expect(new Set(first.origins)).toEqual(new Set(["o22"]));
      // o21 saw exactly the 3 failures that ejected it, then nothing.
      expect((await originRequests(all.o21 ?? "")) - before).toBe(3);
      await send(10);
      expect((await originRequests(all.o21 ?? "")) - before).toBe(3);
      expect(isolate.outliers.peek("local")?.isEjected("o21", Date.now())).toBe(true);
      const metrics = await (await admin("/metrics")).text();
      expect(metrics).toMatch(/edgeway_ejections_total\{kind="consecutive-gateway-failure",origin="o21",pool="pair"\} 1/);
    } finally {
      await setOriginMode(all.o21 ?? "", "ok");
      isolate.outliers.release("o21", Date.now());
      await originStateStub(env).releaseEjection("o21");
    }
  });

  it("adopts an ejection another isolate of its colo reported to the Durable Object", async ({ expect }) => {
    const _all = inject("origins");
    await usePair();
    expect(new Set((await send(4)).origins)).toEqual(new Set(["o21", "o22"]));
    const now = Date.now();
    // Requests without a geo override count under the colo "local", as this report does.
    const snapshot = await originStateStub(env).reportTraffic({
      colo: "local",
      ejections: [
        {
          originId: "o22",
          poolId: "pair",
          kind: "consecutive-5xx",
          at: now,
          until: now + 30_000,
          count: 1,
          reason: "5 consecutive 5xx (test)",
          unejectOnProbeSuccess: true,
        },
      ],
      counts: [["o22", 10, 5]],
    });
    expect(snapshot.coloEjections?.["local"]?.find((e) => e.originId === "o22")?.until).toBe(now + 30_000);
    // One colo's ejection is not a global verdict.
    expect(snapshot.origins.o22?.ejection).toBeUndefined();
    isolate.health.set(snapshot, Date.now());
    try {
      expect(new Set((await send(6)).origins)).toEqual(new Set(["o21"]));
      const health = (await (await admin("/health")).json()) as {
        origins: Record<string, { ejected: boolean; traffic?: { tries: number }[] }>;
      };
      expect(health.origins.o22?.ejected).toBe(true);
      expect(health.origins.o22?.traffic?.[0]?.tries).toBeGreaterThanOrEqual(10);
    } finally {
      isolate.outliers.release("o22", Date.now());
      await originStateStub(env).releaseEjection("o22");
    }
    expect(new Set((await send(4)).origins)).toEqual(new Set(["o21", "o22"]));
  });
});

/** The scheduled handler: probes real origins, records results in the Durable Object, updates the isolate's snapshot. */
import { describe, inject, it } from "vitest";
import { admin, poolConfig, probeRound, proxied, setOriginMode, useConfig } from "./helpers.ts";

interface HealthBody {
  configVersion: number;
  source: string;
  origins: Record<
    string,
    { healthy: boolean; reason: string; history?: { ok: boolean; status: number | null }[]; transitions?: { to: string }[] }
  >;
}

async function health(): Promise<HealthBody> {
  return (await (await admin("/health")).json()) as HealthBody;
}

describe("scheduled health probes", () => {
  it("marks a failing origin unhealthy after the threshold, steers around it, and brings it back", async ({ expect }) => {
    const origins = inject("origins");
    await useConfig(poolConfig({ o7: origins.o7 ?? "", o8: origins.o8 ?? "" }));
    await setOriginMode(origins.o8 ?? "", "fail");
    try {
      await probeRound();
      let body = await health();
      expect(body.source).toBe("durable_object");
      expect(body.origins.o8?.healthy).toBe(true); // one failure is below unhealthyThreshold 2
      expect(body.origins.o8?.history?.[0]).toMatchObject({ ok: false, status: 503 });

      await probeRound();
      body = await health();
      expect(body.origins.o8?.healthy).toBe(false);
      expect(body.origins.o8?.reason).toMatch(/2 consecutive probe\(s\) failed/);
      expect(body.origins.o7?.healthy).toBe(true);
      expect(body.origins.o8?.transitions?.[0]?.to).toBe("unhealthy");

      const served = new Set<string | null>();
      for (let i = 0; i < 10; i++) {
        const res = await proxied("/");
        await res.text();
        served.add(res.headers.get("x-edgeway-origin"));
      }
      expect([...served]).toEqual(["o7"]);

      await setOriginMode(origins.o8 ?? "", "ok");
      await probeRound();
      expect((await health()).origins.o8?.healthy).toBe(false); // one pass is below healthyThreshold 2
      await probeRound();
      expect((await health()).origins.o8?.healthy).toBe(true);
      served.clear();
      for (let i = 0; i < 10; i++) {
        const res = await proxied("/");
        await res.text();
        served.add(res.headers.get("x-edgeway-origin"));
      }
      expect([...served].sort()).toEqual(["o7", "o8"]);
    } finally {
      await setOriginMode(origins.o8 ?? "", "ok");
    }
  });

  it("reports probe results in the metrics", async ({ expect }) => {
    const origins = inject("origins");
    await useConfig(poolConfig({ o7: origins.o7 ?? "" }));
    await probeRound();
    const text = await (await admin("/metrics")).text();
    expect(text).toMatch(/edgeway_probes_total\{origin="o7",result="pass"\} [1-9]/);
    expect(text).toMatch(/edgeway_origin_healthy\{origin="o7"\} 1/);
  });
});

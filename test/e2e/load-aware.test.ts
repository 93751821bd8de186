/**
 * End to end: load-aware weights from real origins' ORCA load reports. Two origins
 * configured 1:3 report 0.2 and 0.8 CPU at the same requests per second: once the
 * blackout is over traffic splits 4:1 (the inverse of their load); when the reports stop
 * the configured 1:3 is back after the expiry. The header never reaches the client; bad
 * reports are counted and change nothing. Short blackout and expiry keep the test quick.
 */
import { describe, inject, it } from "vitest";
import { admin, proxied, useConfig } from "../worker/helpers.ts";

const LIGHT = "TEXT cpu_utilization=0.2, mem_utilization=0.5, rps_fractional=10";
const HEAVY = "TEXT cpu_utilization=0.8, mem_utilization=0.5, rps_fractional=10";

async function reportLoad(originUrl: string, value: string | undefined): Promise<void> {
  const query = value === undefined ? "" : `?set=${encodeURIComponent(value)}`;
  const res = await fetch(`${originUrl}/__origin/load${query}`);
  await res.text();
  if (res.status !== 200) throw new Error(`could not set ${originUrl}'s load report`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function loadConfig(origins: Record<string, string>): unknown {
  return {
    origins: [
      { id: "load1", url: origins.load1, weight: 1 },
      { id: "load2", url: origins.load2, weight: 3 },
    ],
    pools: [
      { id: "lw", origins: ["load1", "load2"], loadAware: { blackoutSeconds: 1, expirySeconds: 2 } },
      { id: "plain", origins: ["load1", "load2"] },
    ],
    routes: [
      { id: "lw", match: { host: "*", pathPrefix: "/lw" }, pools: ["lw"] },
      // Not load-aware, and the origin's response passed on as it came when there is nothing to strip.
      { id: "plain", match: { host: "*", pathPrefix: "/plain" }, pools: ["plain"], exposeOrigin: false },
    ],
  };
}

interface Tally {
  readonly counts: Record<string, number>;
  /** Responses that carried the load report header to the client (must stay 0). */
  readonly leaked: number;
  readonly failed: number;
}

/** Sends `n` requests (or as many as fit in `forMs`), counting who served them. */
async function send(n: number, forMs = Number.POSITIVE_INFINITY, path = "/lw/item"): Promise<Tally> {
  const counts: Record<string, number> = {};
  let leaked = 0;
  let failed = 0;
  const start = Date.now();
  for (let i = 0; i < n && Date.now() - start < forMs; i++) {
    const res = await proxied(path);
    await res.text();
    if (res.status !== 200) failed++;
    if (res.headers.has("endpoint-load-metrics")) leaked++;
    const id = res.headers.get("x-edgeway-origin") ?? "none";
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return { counts, leaked, failed };
}

/** The value of one series in the Prometheus text, 0 when absent. */
async function metric(series: string): Promise<number> {
  const text = await (await admin("/metrics")).text();
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe("load-aware weights", () => {
  it("splits by the inverse of the reported load after the blackout, and returns to the configured weights when reports stop", async ({
    expect,
  }) => {
    const all = inject("origins");
    const [light, heavy] = [all.load1 ?? "", all.load2 ?? ""];
    try {
      await useConfig(loadConfig(all));
      await reportLoad(light, LIGHT);
      await reportLoad(heavy, HEAVY);
      // Reports flow for the 1 s blackout, and the 1 s weight update follows.
      const warm = await send(2_000, 2_500);
      if (warm.failed > 0) throw new Error(`warm-up: ${warm.failed} requests failed`);

      const N = 200;
      const live = await send(N);
      // Smooth weighted round robin over 50 : 12.5 gives exactly 80%; the margin is for a report still in blackout.
      const lightShare = (live.counts.load1 ?? 0) / N;
      expect(live.leaked).toBe(0);
      expect(live.failed).toBe(0);
      expect(lightShare).toBeGreaterThanOrEqual(0.7);
      expect(lightShare).toBeLessThanOrEqual(0.9);

      const health = (await (await admin("/health")).json()) as {
        origins: Record<
          string,
          { load?: { report: { cpuUtilization: number } | null; pools: Record<string, { weight: number; source: string }> } }
        >;
      };
      expect(health.origins.load1?.load?.report?.cpuUtilization).toBe(0.2);
      expect(health.origins.load1?.load?.pools.lw).toMatchObject({ source: "report" });
      expect(health.origins.load1?.load?.pools.lw?.weight).toBeCloseTo(50);
      expect(await metric('edgeway_origin_live_weight{origin="load2",pool="lw"}')).toBeCloseTo(12.5);
      const explained = (await (await admin(`/explain?url=${encodeURIComponent("http://app.test/lw/item")}`)).json()) as {
        pools: { id: string; origins: { id: string; share: number; liveWeight: { weight: number; source: string } | null }[] }[];
      };
      const lw = explained.pools.find((p) => p.id === "lw");
      expect(lw?.origins.find((o) => o.id === "load1")?.liveWeight?.source).toBe("report");
      expect(lw?.origins.find((o) => o.id === "load1")?.share).toBeCloseTo(0.8);
      const status = await (await admin("/status")).text();
      expect(status).toContain("live 50 · from load reports");

      // The reports stop: after the 2 s expiry (and the next 1 s update) the configured 1:3 is back.
      await reportLoad(light, undefined);
      await reportLoad(heavy, undefined);
      await sleep(3_200);
      const after = await send(N);
      const back = (after.counts.load1 ?? 0) / N;
      console.info(
        `load-aware weights: load1 served ${(lightShare * 100).toFixed(1)}% while reporting 0.2 vs 0.8 CPU, ${(back * 100).toFixed(1)}% after the reports stopped (configured 25%)`,
      );
      expect(back).toBeGreaterThanOrEqual(0.15);
      expect(back).toBeLessThanOrEqual(0.35);
    } finally {
      await reportLoad(light, undefined);
      await reportLoad(heavy, undefined);
    }
  });

  it("counts bad reports (NaN, garbage, a 10 KB header) by result, serves as before, and never passes the header on", async ({
    expect,
  }) => {
    const all = inject("origins");
    const [a, b] = [all.load1 ?? "", all.load2 ?? ""];
    try {
      await useConfig(loadConfig(all));
      const before = {
        outOfRange: await metric('edgeway_load_reports_total{result="out_of_range"}'),
        malformed: await metric('edgeway_load_reports_total{result="malformed"}'),
        tooLarge: await metric('edgeway_load_reports_total{result="too_large"}'),
      };
      await reportLoad(a, "TEXT cpu_utilization=NaN, rps_fractional=10");
      await reportLoad(b, `TEXT ${"x".repeat(10_240)}`);
      const first = await send(20);
      await reportLoad(a, "not a load report at all");
      const second = await send(20);
      // A pool that is not load-aware reads no report (the counts below are the lw pool's alone) but strips it all the same.
      await reportLoad(a, LIGHT);
      const plain = await send(10, Number.POSITIVE_INFINITY, "/plain/item");
      await reportLoad(a, "not a load report at all");
      for (const tally of [first, second, plain]) {
        expect(tally.failed).toBe(0);
        expect(tally.leaked).toBe(0);
      }
      expect(await metric('edgeway_load_reports_total{result="out_of_range"}')).toBe(before.outOfRange + (first.counts.load1 ?? 0));
      expect(await metric('edgeway_load_reports_total{result="malformed"}')).toBe(before.malformed + (second.counts.load1 ?? 0));
      expect(await metric('edgeway_load_reports_total{result="too_large"}')).toBe(
        before.tooLarge + (first.counts.load2 ?? 0) + (second.counts.load2 ?? 0),
      );
    } finally {
      await reportLoad(a, undefined);
      await reportLoad(b, undefined);
    }
  });
});

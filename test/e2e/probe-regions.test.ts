/**
 * Active probes from several regions, decided by quorum: each region's probe object
 * (one per location hint, all in this process locally) probes the real origins on
 * 127.0.0.1 naming its region in x-edgeway-probe-region; an origin that answers 503 to
 * one region's probes stays healthy, to two of three it goes down. Origins o41–o44.
 */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, inject, it } from "vitest";
import type { OriginState } from "../../src/state/origin-state.ts";
import { admin, probeRound, useConfig } from "../worker/helpers.ts";

interface RegionView {
  region: string;
  healthy: boolean | null;
  reason: string;
}
interface OriginBody {
  healthy: boolean;
  reason: string;
  regionQuorum?: number;
  regions?: RegionView[];
  history?: { ok: boolean; reason: string }[];
}

async function origin(id: string): Promise<OriginBody> {
  const body = (await (await admin("/health")).json()) as { origins: Record<string, OriginBody> };
  const o = body.origins[id];
  if (o === undefined) throw new Error(`no ${id} in the health API`);
  return o;
}

async function failRegions(url: string, regions: readonly string[]): Promise<void> {
  const res = await fetch(`${url}/__origin/fail-regions?set=${regions.join(",")}`);
  await res.text();
  if (res.status !== 200) throw new Error(`could not set fail-regions on ${url}`);
}

async function probesByRegion(url: string): Promise<Record<string, number>> {
  return ((await (await fetch(`${url}/__origin/stats`)).json()) as { probesByRegion: Record<string, number> }).probesByRegion;
}

function regionalConfig(urls: Record<string, string>, monitor: Record<string, unknown> = {}): unknown {
  const ids = Object.keys(urls);
  return {
    origins: ids.map((id) => ({ id, url: urls[id] })),
    monitors: [{ id: "http", path: "/healthz", timeoutMs: 1_000, regions: ["weur", "enam", "apac"], ...monitor }],
    pools: [{ id: "p", origins: ids, monitor: "http" }],
    routes: [{ id: "r", pools: ["p"] }],
  };
}

const state = (o: OriginBody): Record<string, boolean | null> => Object.fromEntries((o.regions ?? []).map((r) => [r.region, r.healthy]));

describe("probes from several regions", () => {
  it("names the monitor and regions before the first probe, never 'not probed'", async ({ expect }) => {
    const urls = inject("origins");
    await useConfig(regionalConfig({ o44: urls.o44 ?? "" }, { id: "http", intervalSeconds: 120 }));
    const o = await origin("o44");
    expect(o.reason).toBe("monitor http: waiting for the first probe, every 120 s from weur, enam, apac (down when 2 of 3 see it down)");
    expect(o.regionQuorum).toBe(2);
    expect(state(o)).toEqual({ weur: null, enam: null, apac: null });
  });

  it("one region of three failing keeps the origin healthy; two take it down; the quorum says which", async ({ expect }) => {
    const urls = inject("origins");
    const o41 = urls.o41 ?? "";
    await useConfig(regionalConfig({ o41, o42: urls.o42 ?? "" }));
    const before = await probesByRegion(o41);
    await failRegions(o41, ["weur"]);
    try {
      await probeRound();
      await probeRound();
      let o = await origin("o41");
      expect(o.healthy).toBe(true);
      expect(state(o)).toEqual({ weur: false, enam: true, apac: true });
      expect(o.reason).toMatch(/^monitor http: up from enam, apac; down from 1 of 3 region\(s\), below quorum 2 \(weur: HTTP 503/);
      expect(o.history?.some((h) => !h.ok && h.reason.startsWith("from weur: HTTP 503"))).toBe(true);
      // Every probe named its region: two rounds, one probe per region each.
      const after = await probesByRegion(o41);
      for (const r of ["weur", "enam", "apac"]) expect((after[r] ?? 0) - (before[r] ?? 0)).toBe(2);

      await failRegions(o41, ["weur", "enam"]);
      await probeRound();
      // enam has failed once: below its own threshold of 2, so it still votes up.
      o = await origin("o41");
      expect(o.healthy).toBe(true);
      expect(state(o)).toEqual({ weur: false, enam: true, apac: true });
      await probeRound();
      o = await origin("o41");
      expect(o.healthy).toBe(false);
      expect(state(o)).toEqual({ weur: false, enam: false, apac: true });
      expect(o.reason).toMatch(/^monitor http: down from 2 of 3 region\(s\), quorum 2 \(weur: HTTP 503.*; enam: HTTP 503/);
      expect((await origin("o42")).healthy).toBe(true);
      const page = await (await admin("/status")).text();
      expect(page).toMatch(/<span class="region down" data-region="weur">weur ✗ <\/span>/);
      expect(page).toMatch(/<span class="region up" data-region="apac">apac ✓ <\/span>/);

      const metrics = await (await admin("/metrics")).text();
      expect(metrics).toMatch(/edgeway_region_probes_total\{origin="o41",region="weur",result="fail"\} [1-9]/);
      expect(metrics).toMatch(/edgeway_region_probes_total\{origin="o41",region="apac",result="pass"\} [1-9]/);
      expect(metrics).toMatch(/edgeway_origin_healthy\{origin="o41"\} 0/);

      await failRegions(o41, []);
      await probeRound();
      await probeRound();
      o = await origin("o41");
      expect(o.healthy).toBe(true);
      expect(o.reason).toBe("monitor http: up from weur, enam, apac");
    } finally {
      await failRegions(o41, []);
    }
  });

  it("a quorum of 1 takes the origin down as soon as one region sees it down", async ({ expect }) => {
    const urls = inject("origins");
    const o43 = urls.o43 ?? "";
    await useConfig(regionalConfig({ o43 }, { regionQuorum: 1, unhealthyThreshold: 1 }));
    await failRegions(o43, ["apac"]);
    try {
      await probeRound();
      const o = await origin("o43");
      expect(o.healthy).toBe(false);
      expect(o.regionQuorum).toBe(1);
      expect(o.reason).toMatch(/^monitor http: down from 1 of 3 region\(s\), quorum 1 \(apac: HTTP 503/);
    } finally {
      await failRegions(o43, []);
    }
  });

  it("the alarm loop probes sub-minute regional monitors through the region objects", async ({ expect }) => {
    const urls = inject("origins");
    const o44 = urls.o44 ?? "";
    await useConfig(regionalConfig({ o44 }, { intervalSeconds: 10, regions: ["wnam", "oc"] }));
    const before = await probesByRegion(o44);
    const stub: DurableObjectStub<OriginState> = env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(`regions-alarm-${Date.now()}`));
    await stub.ensureAlarm();
    // The alarm (due in 100 ms) may fire on its own before this runs it: either way one round runs.
    await runDurableObjectAlarm(stub);
    let details = (await stub.details()).o44;
    for (let i = 0; i < 20 && Object.keys(details?.regions ?? {}).length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      details = (await stub.details()).o44;
    }
    expect(Object.keys(details?.regions ?? {}).sort()).toEqual(["oc", "wnam"]);
    expect(details?.reason).toBe("monitor http: up from wnam, oc");
    expect(details?.history.map((h) => h.reason.split(":")[0]).sort()).toEqual(["from oc", "from wnam"]);
    // At least this round's probes (the live object's own alarm loop may probe too).
    const after = await probesByRegion(o44);
    expect((after.wnam ?? 0) - (before.wnam ?? 0)).toBeGreaterThanOrEqual(1);
    expect((after.oc ?? 0) - (before.oc ?? 0)).toBeGreaterThanOrEqual(1);
  });
});

/**
 * Passive health per colo, end to end inside workerd with real origins on 127.0.0.1. One
 * isolate plays several colos through the debug geo header's `colo=` (as separate isolates
 * in separate colos would, each colo with its own detector); origins fail for one colo's
 * traffic only through the x-colo-path header the harness's clients send
 * (scripts/lib/origin-server.ts). The same story on several real `wrangler dev`
 * processes: test/colos/colos.test.ts.
 */
import { env } from "cloudflare:test";
import { afterEach, describe, inject, it } from "vitest";
import { COLO_PATH_HEADER } from "../../scripts/lib/origin-server.ts";
import { clientOf } from "../../src/data-plane.ts";
import type { EdgewayEnv } from "../../src/env.ts";
import { isolate } from "../../src/isolate.ts";
import { originStateStub } from "../../src/state/origin-state.ts";
import type { OriginDetails } from "../../src/state/origin-state.ts";
import { admin, originRequests, proxied, roundRobinConfig, useConfig } from "../worker/helpers.ts";

const IDS = ["o35", "o36", "o37"] as const;

/** `n` requests in sequence from clients of `colo`; the origins that served them, counted. */
async function fromColo(colo: string, n: number): Promise<{ statuses: Set<number>; served: Record<string, number> }> {
  const statuses = new Set<number>();
  const served: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await proxied("/colos", { headers: { "x-edgeway-debug-geo": `colo=${colo}`, [COLO_PATH_HEADER]: colo } });
    await res.arrayBuffer();
    statuses.add(res.status);
    const origin = res.headers.get("x-edgeway-origin") ?? "none";
    served[origin] = (served[origin] ?? 0) + 1;
  }
  return { statuses, served };
}

async function setMode(id: string, query: string): Promise<void> {
  const res = await fetch(`${inject("origins")[id]}/__origin/mode?${query}`);
  await res.text();
  if (res.status !== 200) throw new Error(`could not set ${id}: ${query}`);
}

/** Polls the Durable Object (bounded: 5 s) until `ok` holds for the origin's details. */
async function until(originId: string, ok: (d: OriginDetails | undefined) => boolean): Promise<OriginDetails | undefined> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const d = (await originStateStub(env).details())[originId];
    if (ok(d) || Date.now() > deadline) return d;
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface HealthBody {
  colo: string;
  origins: Record<
    string,
    {
      ejected: boolean;
      ejectedEverywhere: boolean;
      colos?: Record<string, { ejected: boolean; lastTrafficAt: number | null; ejection: { at: number; reason: string } | null }>;
      quorum?: { ejected: boolean; failing: string[]; voters: string[]; needed: number };
    }
  >;
}

async function healthFrom(colo: string): Promise<HealthBody> {
  return (await (await admin("/health", { headers: { "x-edgeway-debug-geo": `colo=${colo}` } })).json()) as HealthBody;
}

afterEach(async () => {
  for (const id of IDS) {
    await setMode(id, "set=ok");
    isolate.outliers.release(id, Date.now());
    await originStateStub(env).releaseEjection(id);
  }
});

describe("passive health per colo", () => {
  it("an origin failing only for Frankfurt's traffic is ejected in Frankfurt; Singapore keeps its share", async ({ expect }) => {
    await useConfig(roundRobinConfig(inject("origins"), IDS, "colos"));
    await setMode("o35", "set=fail&colo=FRA");
    const before = await originRequests(inject("origins").o35 ?? "");
    const fra = await fromColo("FRA", 30);
    // Retries hid the failures from FRA's clients; o35 saw the three that ejected it, then nothing from FRA.
    expect([...fra.statuses]).toEqual([200]);
    expect(fra.served.o35).toBeUndefined();
    expect((await originRequests(inject("origins").o35 ?? "")) - before).toBe(3);

    const recorded = await until("o35", (d) => d?.colos.FRA?.ejected === true);
    expect(recorded?.quorum).toMatchObject({ ejected: false, failing: ["FRA"], needed: 2 });

    const sin = await fromColo("SIN", 30);
    expect([...sin.statuses]).toEqual([200]);
    expect(sin.served).toEqual({ o35: 10, o36: 10, o37: 10 });

    const fromSin = await healthFrom("SIN");
    expect(fromSin.colo).toBe("SIN");
    expect(fromSin.origins.o35).toMatchObject({ ejected: false, ejectedEverywhere: false });
    expect(fromSin.origins.o35?.colos?.FRA).toMatchObject({ ejected: true });
    expect(fromSin.origins.o35?.colos?.FRA?.ejection?.reason).toMatch(/3 consecutive gateway failures/);
    expect(fromSin.origins.o35?.quorum).toMatchObject({ ejected: false, failing: ["FRA"], needed: 2 });
    expect((await healthFrom("FRA")).origins.o35).toMatchObject({ ejected: true, ejectedEverywhere: false });

    // The status page lists the colos that eject it, and the votes.
    const page = await (await admin("/status", { headers: { "x-edgeway-debug-geo": "colo=SIN" } })).text();
    expect(page).toMatch(/data-colo="FRA"[^>]*>\s*<b>FRA<\/b> since/);
    expect(page).toMatch(/not everywhere: 1 of [23] colos eject it \(needs 2\)/);

    // explain judges ejections as the client's colo sees them.
    const explainFrom = async (colo: string) => {
      const query = new URLSearchParams({ url: "http://app.test/colos", geo: `colo=${colo}` });
      const body = (await (await admin(`/explain?${query}`)).json()) as {
        pools: { origins: { id: string; excluded: string | null; ejection: { reason: string } | null }[] }[];
      };
      return body.pools[0]?.origins.find((o) => o.id === "o35");
    };
    expect(await explainFrom("SIN")).toMatchObject({ excluded: null, ejection: null });
    const inFra = await explainFrom("FRA");
    expect(inFra?.excluded).toBe("ejected");
    expect(inFra?.ejection?.reason).toMatch(/^ejected in FRA: 3 consecutive gateway failures/);

    const metrics = await (await admin("/metrics", { headers: { "x-edgeway-debug-geo": "colo=SIN" } })).text();
    expect(metrics).toMatch(/edgeway_origin_ejected\{colo="FRA",origin="o35"\} 1/);
    expect(metrics).toMatch(/edgeway_origin_ejected\{colo="SIN",origin="o35"\} 0/);
    expect(metrics).toMatch(/edgeway_origin_quorum_votes\{origin="o35"\} 1/);
    expect(metrics).toMatch(/edgeway_origin_ejected_everywhere\{origin="o35"\} 0/);
  });

  it("an origin failing for a quorum of the colos that use it is ejected everywhere, colos that never saw it fail included", async ({
    expect,
  }) => {
    await useConfig(roundRobinConfig(inject("origins"), IDS, "colos"));
    await setMode("o36", "set=fail&colo=FRA,SIN");
    await fromColo("FRA", 12);
    await until("o36", (d) => d?.colos.FRA?.ejected === true);
    await fromColo("SIN", 12);
    const decided = await until("o36", (d) => d?.quorum.ejected === true);
    expect(decided?.quorum).toMatchObject({ ejected: true, failing: ["FRA", "SIN"], needed: 2 });
    expect(decided?.ejection?.reason).toMatch(/ejected everywhere: 2 of 2 colos/);

    // The report that completed the quorum answered with a snapshot carrying the verdict.
    const deadline = Date.now() + 5_000;
    while (isolate.health.current?.origins.o36?.ejection === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    const before = await originRequests(inject("origins").o36 ?? "");
    // IAD's clients never saw o36 fail (it would serve them), yet IAD sends it nothing.
    const iad = await fromColo("IAD", 12);
    expect([...iad.statuses]).toEqual([200]);
    expect(iad.served.o36).toBeUndefined();
    expect((await originRequests(inject("origins").o36 ?? "")) - before).toBe(0);

    const fromIad = await healthFrom("IAD");
    expect(fromIad.origins.o36).toMatchObject({ ejected: true, ejectedEverywhere: true });
    expect(fromIad.origins.o36?.quorum).toMatchObject({ ejected: true, failing: ["FRA", "SIN"] });
    const metrics = await (await admin("/metrics")).text();
    expect(metrics).toMatch(/edgeway_origin_quorum_votes\{origin="o36"\} 2/);
    expect(metrics).toMatch(/edgeway_origin_ejected_everywhere\{origin="o36"\} 1/);
  });
});

describe("the local colo variables", () => {
  const vars = { EDGEWAY_COLO: "FRA", EDGEWAY_COUNTRY: "DE", EDGEWAY_CONTINENT: "EU", EDGEWAY_LAT: "50.03", EDGEWAY_LON: "8.57" };
  const request = (headers: Record<string, string> = {}) =>
    new Request("http://app.test/", { headers, cf: { colo: "DFW", country: "US", continent: "NA" } });

  it("play a colo only when EDGEWAY_DEBUG_HEADERS is true; production ignores them", ({ expect }) => {
    const local = { ...env, ...vars, EDGEWAY_DEBUG_HEADERS: "true" } as EdgewayEnv;
    const production = { ...env, ...vars, EDGEWAY_DEBUG_HEADERS: "false" } as EdgewayEnv;
    expect(clientOf(request(), local)).toMatchObject({ colo: "FRA", country: "DE", continent: "EU", lat: 50.03, lon: 8.57 });
    const real = clientOf(request(), production);
    expect([real.colo, real.country, real.continent]).toEqual(["DFW", "US", "NA"]);
  });

  it("give way to the debug geo header, which plays a further colo on the same worker", ({ expect }) => {
    const local = { ...env, ...vars, EDGEWAY_DEBUG_HEADERS: "true" } as EdgewayEnv;
    expect(clientOf(request({ "x-edgeway-debug-geo": "colo=GRU" }), local).colo).toBe("GRU");
  });
});

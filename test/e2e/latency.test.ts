/**
 * End to end on workerd: `latency` steering between real origins on 127.0.0.1 with
 * injected latency (o11–o13, this file's own), for pools (which origin) and routes (which
 * pool). Starting cold, the fastest is found within 50 requests; when it slows down
 * traffic moves away; when it recovers traffic comes back; an origin (or pool) added by
 * config gets traffic. The configs use short latency settings (decay 2 s, explore interval
 * 0.5 s, 5% exploring) so each phase takes seconds; every loop is bounded in requests and
 * time. Behaviour checks with wide margins, not benchmarks. Each test sends its requests
 * as its own colo (debug geo header) under origin ids no other test uses, so it starts cold.
 */
import { describe, inject, it } from "vitest";
import { proxied, QUICK_LATENCY, setOriginLatency, useConfig } from "../worker/helpers.ts";

/** Sends one request as `colo`; returns the origin that served it. */
async function servedBy(path: string, colo: string): Promise<string> {
  const res = await proxied(path, { headers: { "x-edgeway-debug-geo": `colo=${colo}` } });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return res.headers.get("x-edgeway-origin") ?? "none";
}

/**
 * Sends requests until `target` served at least 8 of the last 10, or `maxRequests` or
 * `maxMs` run out. Returns the requests sent and the time taken until then, or undefined.
 */
async function until(
  path: string,
  colo: string,
  target: (origin: string) => boolean,
  maxRequests: number,
  maxMs: number,
): Promise<{ requests: number; ms: number } | undefined> {
  const start = Date.now();
  const last: boolean[] = [];
  for (let i = 1; i <= maxRequests && Date.now() - start < maxMs; i++) {
    last.push(target(await servedBy(path, colo)));
    if (last.length > 10) last.shift();
    if (last.length === 10 && last.filter(Boolean).length >= 8) return { requests: i, ms: Date.now() - start };
  }
  return undefined;
}

/** Counts who served `n` requests. */
async function counts(path: string, colo: string, n: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = await servedBy(path, colo);
    out[id] = (out[id] ?? 0) + 1;
  }
  return out;
}

function originsUnderTest(): { slow: string; fast: string; mid: string } {
  const all = inject("origins");
  return { slow: all.o11 ?? "", fast: all.o12 ?? "", mid: all.o13 ?? "" };
}

/**
 * The three origins at 200 / 5 / 100 ms (slow, fast, mid); put back to 0 after each test.
 * The gaps are wide because every workerd setup here shows a tail of ~1% of requests at
 * 40–120 ms (DESIGN.md): a peak-EWMA rightly jumps on such a sample, and a 30 ms rival
 * would then take the traffic for a decay time.
 */
async function setSpeeds(o: { slow: string; fast: string; mid: string }): Promise<void> {
  await Promise.all([setOriginLatency(o.slow, 200), setOriginLatency(o.fast, 5), setOriginLatency(o.mid, 100)]);
}

describe("latency steering end to end", () => {
  it("pool: finds the fastest origin cold within 50 requests, moves off it when it slows, comes back when it recovers, and uses an origin added by config", async ({
    expect,
  }) => {
    const o = originsUnderTest();
    await setSpeeds(o);
    /** The pool; `replaced`: lp-fast is gone and lp-new, at the same fast server, joins. */
    const pool = (replaced = false) => {
      const fast = replaced ? "lp-new" : "lp-fast";
      return {
        origins: [
          { id: "lp-slow", url: o.slow },
          { id: fast, url: o.fast },
          { id: "lp-mid", url: o.mid },
        ],
        pools: [{ id: "lp", origins: ["lp-slow", fast, "lp-mid"], steering: "latency", latency: QUICK_LATENCY }],
        routes: [{ id: "lp-route", match: { host: "*", pathPrefix: "/lp" }, pools: ["lp"] }],
      };
    };
    try {
      await useConfig(pool());
      // Cold: every origin is tried at once (none is measured), then the fastest takes over.
      const first50: string[] = [];
      for (let i = 0; i < 50; i++) first50.push(await servedBy("/lp", "LPA"));
      expect(new Set(first50)).toEqual(new Set(["lp-slow", "lp-fast", "lp-mid"]));
      const last20 = first50.slice(30).filter((id) => id === "lp-fast").length;
      expect(last20, `requests 31–50: ${first50.slice(30).join(" ")}`).toBeGreaterThanOrEqual(15);

      // The fastest slows to 400 ms: the next answer shows it, and the 100 ms one takes over.
      await setOriginLatency(o.fast, 400);
      const moved = await until("/lp", "LPA", (id) => id === "lp-mid", 40, 5_000);
      expect(moved, "traffic never moved to lp-mid").toBeDefined();
      expect(moved?.requests ?? Infinity).toBeLessThanOrEqual(20);

      // It recovers: decay on read and exploring bring traffic back within seconds.
      await setOriginLatency(o.fast, 5);
      const back = await until("/lp", "LPA", (id) => id === "lp-fast", 600, 8_000);
      expect(back, "traffic never came back to lp-fast").toBeDefined();
      expect(back?.ms ?? Infinity).toBeLessThanOrEqual(5_000);

      // A new origin by config (replacing lp-fast at the same fast server), never measured, is
      // tried at once and takes the traffic.
      await useConfig(pool(true));
      // Tried within the first picks (one may explore a stale estimate first).
      const firstThree = [await servedBy("/lp", "LPA"), await servedBy("/lp", "LPA"), await servedBy("/lp", "LPA")];
      expect(firstThree).toContain("lp-new");
      const added = await counts("/lp", "LPA", 40);
      expect(added["lp-new"] ?? 0, JSON.stringify(added)).toBeGreaterThanOrEqual(30);
      console.info(
        `pool latency: cold, lp-fast served ${last20}/20 of requests 31–50; moved after ${moved?.requests} requests (${moved?.ms} ms); back after ${back?.requests} requests (${back?.ms} ms); origin added: ${JSON.stringify(added)} of 40`,
      );
    } finally {
      await Promise.all([o.slow, o.fast, o.mid].map((u) => setOriginLatency(u, 0)));
    }
  });

  it("route: finds the fastest pool cold within 50 requests, moves off it when it slows, comes back when it recovers, and uses a pool added by config", async ({
    expect,
  }) => {
    const o = originsUnderTest();
    await setSpeeds(o);
    /** The route; `replaced`: p-fast is gone and p-new, an origin at the same fast server, joins. */
    const route = (replaced = false) => {
      const fast = replaced ? "new" : "fast";
      return {
        origins: [
          { id: "rp-slow", url: o.slow },
          { id: `rp-${fast}`, url: o.fast },
          { id: "rp-mid", url: o.mid },
        ],
        pools: [
          { id: "p-slow", origins: ["rp-slow"] },
          { id: `p-${fast}`, origins: [`rp-${fast}`] },
          { id: "p-mid", origins: ["rp-mid"] },
        ],
        routes: [
          {
            id: "rp-route",
            match: { host: "*", pathPrefix: "/rp" },
            pools: ["p-slow", "p-mid", `p-${fast}`],
            steering: "latency",
            latency: QUICK_LATENCY,
          },
        ],
      };
    };
    try {
      await useConfig(route());
      const first50: string[] = [];
      for (let i = 0; i < 50; i++) first50.push(await servedBy("/rp", "RPA"));
      expect(new Set(first50)).toEqual(new Set(["rp-slow", "rp-fast", "rp-mid"]));
      const last20 = first50.slice(30).filter((id) => id === "rp-fast").length;
      expect(last20, `requests 31–50: ${first50.slice(30).join(" ")}`).toBeGreaterThanOrEqual(15);

      await setOriginLatency(o.fast, 400);
      const moved = await until("/rp", "RPA", (id) => id === "rp-mid", 40, 5_000);
      expect(moved, "traffic never moved to p-mid").toBeDefined();
      expect(moved?.requests ?? Infinity).toBeLessThanOrEqual(20);

      await setOriginLatency(o.fast, 5);
      const back = await until("/rp", "RPA", (id) => id === "rp-fast", 600, 8_000);
      expect(back, "traffic never came back to p-fast").toBeDefined();
      expect(back?.ms ?? Infinity).toBeLessThanOrEqual(5_000);

      await useConfig(route(true));
      // Tried within the first picks (one may explore a stale estimate first).
      const firstThree = [await servedBy("/rp", "RPA"), await servedBy("/rp", "RPA"), await servedBy("/rp", "RPA")];
      expect(firstThree).toContain("rp-new");
      const added = await counts("/rp", "RPA", 40);
      expect(added["rp-new"] ?? 0, JSON.stringify(added)).toBeGreaterThanOrEqual(30);
      console.info(
        `route latency: cold, p-fast served ${last20}/20 of requests 31–50; moved after ${moved?.requests} requests (${moved?.ms} ms); back after ${back?.requests} requests (${back?.ms} ms); pool added: ${JSON.stringify(added)} of 40`,
      );
    } finally {
      await Promise.all([o.slow, o.fast, o.mid].map((u) => setOriginLatency(u, 0)));
    }
  });
});

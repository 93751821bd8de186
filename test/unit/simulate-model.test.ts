/**
 * The steering simulator's own model (scripts/lib/simulate): the queueing curve, the
 * latency matrix, the event queue, the retry rule, and that a run is deterministic for
 * a seed. Its figures are checked in simulate-metrics.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runScenario, retryable } from "../../scripts/lib/simulate/engine.ts";
import { EventQueue } from "../../scripts/lib/simulate/heap.ts";
import { OriginModel } from "../../scripts/lib/simulate/model.ts";
import { POLICIES } from "../../scripts/lib/simulate/policies.ts";
import type { Policy } from "../../scripts/lib/simulate/policies.ts";
import { FIXED_SHARE, mm1ResponseMs, RateMeter, responseSample, RHO_MAX } from "../../scripts/lib/simulate/queue.ts";
import type { Scenario } from "../../scripts/lib/simulate/types.ts";
import { COLOS, colosNamed, greatCircleKm, latencyMatrix, rttMs } from "../../scripts/lib/simulate/world.ts";
import { DEFAULT_RETRY_ON } from "../../src/config/schema.ts";
import { mulberry32 } from "./helpers/random.ts";

function policy(name: string): Policy {
  const p = POLICIES.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no policy ${name}`);
  return p;
}

/** A small scenario: three colos, three origins, 8 s, so a run takes milliseconds. */
const SMALL: Scenario = {
  name: "small",
  title: "small",
  story: "",
  durationS: 8,
  warmupS: 2,
  ratePerColo: 40,
  colos: ["FRA", "IAD", "SIN"],
  origins: [
    { id: "eu", region: "aws:eu-central-1", serviceMs: 15, capacity: 1_000 },
    { id: "us", region: "aws:us-east-1", serviceMs: 15, capacity: 1_000 },
    { id: "ap", region: "azure:southeastasia", serviceMs: 15, capacity: 1_000 },
  ],
  events: [{ at: 4, origin: "us", set: { slow: 10 } }],
  marks: { slowdown: { origin: "us", at: 4, recoverAt: 6 } },
  targets: [],
};

describe("queueing curve (M/M/1)", () => {
  it("is the service time when idle and grows as 1 / (1 − ρ)", () => {
    expect(mm1ResponseMs(20, 0)).toBe(20);
    expect(mm1ResponseMs(20, 0.5)).toBeCloseTo(40, 9);
    expect(mm1ResponseMs(20, 0.9)).toBeCloseTo(200, 9);
  });

  it("is held at RHO_MAX past saturation, and never below the service time", () => {
    expect(mm1ResponseMs(20, 3)).toBeCloseTo(20 / (1 - RHO_MAX), 9);
    expect(mm1ResponseMs(20, -1)).toBe(20);
  });

  it("never falls as utilisation rises", () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 2, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return mm1ResponseMs(10, lo) <= mm1ResponseMs(10, hi);
      }),
    );
  });

  it("draws response times with the curve's mean, never below the fixed share", () => {
    const random = mulberry32(3);
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const x = responseSample(40, random);
      sum += x;
      min = Math.min(min, x);
    }
    expect(sum / n).toBeGreaterThan(40 * 0.97);
    expect(sum / n).toBeLessThan(40 * 1.03);
    expect(min).toBeGreaterThanOrEqual(40 * FIXED_SHARE);
  });

  it("counts arrivals over the last second only", () => {
    const meter = new RateMeter();
    for (let t = 0; t < 1_000; t += 10) meter.add(t);
    expect(meter.rate(999)).toBe(100);
    expect(meter.rate(1_450)).toBe(50);
    expect(meter.rate(2_500)).toBe(0);
  });

  it("an origin's latency grows with the load piled onto it", () => {
    const model = new OriginModel({ id: "o", region: "aws:eu-central-1", serviceMs: 20, capacity: 100 }, colosNamed(["FRA"]));
    const idle = model.expectedMs("FRA", 0);
    for (let t = 0; t < 1_000; t += 12.5) model.meter.add(t); // 80 req/s: ρ = 0.8
    expect(model.utilisation(999)).toBeCloseTo(0.8, 9);
    expect(model.expectedMs("FRA", 999) - model.rttFrom("FRA")).toBeCloseTo(100, 6);
    expect(model.expectedMs("FRA", 999)).toBeGreaterThan(idle);
  });
});

describe("load reports", () => {
  it("an origin reports its CPU (background work plus its share of requests), requests/s and errors/s in ORCA's TEXT form", () => {
    const model = new OriginModel(
      { id: "o", region: "aws:eu-central-1", serviceMs: 20, capacity: 200, initial: { backgroundLoad: 0.5, errorRate: 0.1 } },
      colosNamed(["FRA"]),
    );
    for (let t = 0; t < 1_000; t += 20) model.meter.add(t); // 50 req/s of the 100 left: ρ = 0.5
    expect(model.loadReport(999)).toBe("TEXT cpu_utilization=0.750, rps_fractional=50.0, eps=5.0");
  });
});

describe("latency matrix", () => {
  it("measures great-circle distance between real places", () => {
    const fra = { lat: 50.03, lon: 8.57 };
    const lhr = { lat: 51.47, lon: -0.45 };
    const syd = { lat: -33.95, lon: 151.18 };
    expect(greatCircleKm(fra, lhr)).toBeGreaterThan(640);
    expect(greatCircleKm(fra, lhr)).toBeLessThan(670);
    expect(greatCircleKm(fra, syd)).toBeGreaterThan(16_400);
    expect(greatCircleKm(fra, syd)).toBeLessThan(16_600);
    expect(greatCircleKm(lhr, syd)).toBeCloseTo(greatCircleKm(syd, lhr), 9);
    expect(greatCircleKm(fra, fra)).toBe(0);
  });

  it("turns distance into a fibre round trip (200 km/ms each way) plus the region's base", () => {
    expect(rttMs(1_000, 2)).toBe(12);
    expect(rttMs(0, 2.5)).toBe(2.5);
  });

  it("places at least 12 colos, and reads origins' coordinates from the regions catalogue", () => {
    expect(COLOS.length).toBeGreaterThanOrEqual(12);
    const [row] = latencyMatrix(colosNamed(["IAD"]), ["aws:us-east-1", "aws:eu-central-1", "aws:ap-southeast-2"]);
    const [iadUse1, iadEuc1, iadSyd] = row ?? [];
    // IAD sits next to Ashburn: only the base; Frankfurt is ~6,500 km away, Sydney ~15,700 km.
    expect(iadUse1).toBeLessThan(3);
    expect(iadEuc1).toBeGreaterThan(60);
    expect(iadEuc1).toBeLessThan(75);
    expect(iadSyd).toBeGreaterThan(150);
    expect(() => latencyMatrix(COLOS, ["aws:nowhere-1"])).toThrow(/not in src\/config\/regions\.ts/);
  });
});

describe("event queue", () => {
  it("pops in time order, equal times in the order pushed", () => {
    const queue = new EventQueue<string>();
    queue.push(5, "c");
    queue.push(1, "a");
    queue.push(5, "d");
    queue.push(3, "b");
    queue.push(5, "e");
    const out: string[] = [];
    for (let e = queue.pop(); e !== undefined; e = queue.pop()) out.push(e.item);
    expect(out).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("sorts any sequence of times", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 200 }), (times) => {
        const queue = new EventQueue<number>();
        times.forEach((t, i) => {
          queue.push(t, i);
        });
        const popped: number[] = [];
        for (let e = queue.pop(); e !== undefined; e = queue.pop()) popped.push(e.time);
        return popped.every((t, i) => i === 0 || (popped[i - 1] ?? 0) <= t) && popped.length === times.length;
      }),
    );
  });
});

describe("retries", () => {
  it("retries what the route's retries.on lists, as the data plane does", () => {
    const on = DEFAULT_RETRY_ON;
    expect(retryable(on, { kind: "connect-failure", status: undefined, durationMs: 1 })).toBe(true);
    expect(retryable(on, { kind: "timeout", status: undefined, durationMs: 1 })).toBe(true);
    expect(retryable(on, { kind: "response", status: 503, durationMs: 1 })).toBe(true);
    expect(retryable(on, { kind: "response", status: 500, durationMs: 1 })).toBe(false);
    expect(retryable(["5xx"], { kind: "response", status: 500, durationMs: 1 })).toBe(true);
    expect(retryable(["5xx"], { kind: "timeout", status: undefined, durationMs: 1 })).toBe(false);
  });
});

describe("a run", () => {
  it("gives the same record for the same seed, and a different one for another seed", () => {
    const a = runScenario(SMALL, policy("pool-latency"), 7);
    const b = runScenario(SMALL, policy("pool-latency"), 7);
    const c = runScenario(SMALL, policy("pool-latency"), 8);
    expect(Array.from(b.tries)).toEqual(Array.from(a.tries));
    expect(Array.from(b.latencyMs)).toEqual(Array.from(a.latencyMs));
    expect(Array.from(c.latencyMs)).not.toEqual(Array.from(a.latencyMs));
  });

  it("meets every policy with the same arrivals", () => {
    const random = runScenario(SMALL, policy("random"), 7);
    const oracle = runScenario(SMALL, policy("oracle"), 7);
    expect(Array.from(oracle.requests)).toEqual(Array.from(random.requests));
    // Requests end in another order under another policy: compare the start times as sets.
    expect(Array.from(oracle.startMs).sort((x, y) => x - y)).toEqual(Array.from(random.startMs).sort((x, y) => x - y));
  });

  it("sends each colo to its nearest origin under the oracle, and knows which that is before the slowdown", () => {
    const oracle = runScenario(SMALL, policy("oracle"), 1);
    // Before the slowdown: FRA → eu, IAD → us, SIN → ap.
    expect(oracle.bestBeforeSlowdown).toEqual([0, 1, 2]);
    const O = oracle.origins.length;
    const C = oracle.colos.length;
    let iadToUsBefore = 0;
    let iadBefore = 0;
    for (let b = 0; b < 8; b++) {
      for (let o = 0; o < O; o++) iadBefore += oracle.tries[(b * C + 1) * O + o] ?? 0;
      iadToUsBefore += oracle.tries[(b * C + 1) * O + 1] ?? 0;
    }
    expect(iadBefore).toBeGreaterThan(50);
    expect(iadToUsBefore).toBe(iadBefore);
  });
});

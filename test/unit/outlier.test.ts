/**
 * Passive outlier detection (outlier.ts): classifying tries, the three ejection checks,
 * the ejection duration and its decay, returning (expire, probe, release), the pool's
 * ejection cap, and ejections adopted from other isolates.
 */
import { describe, expect, it } from "vitest";
import { OutlierDetectionSchema } from "../../src/config/schema.ts";
import { classifyTry, OutlierDetector } from "../../src/health/outlier.ts";
import type { Ejection, OutlierPool, TryResult } from "../../src/health/outlier.ts";

type SettingsInput = Parameters<typeof OutlierDetectionSchema.parse>[0];

/** A pool of origins o0…o(n-1) with the real defaults plus `settings`. */
function poolOf(n: number, settings: SettingsInput = {}): OutlierPool {
  return { id: "p", originIds: Array.from({ length: n }, (_, i) => `o${i}`), settings: OutlierDetectionSchema.parse(settings) };
}

/** Feeds `results` for one origin, all at `now`; returns what each try returned. */
function feed(
  d: OutlierDetector,
  originId: string,
  pool: OutlierPool,
  results: readonly TryResult[],
  now: number,
): (Ejection | undefined)[] {
  return results.map((r) =>
    d.observe(originId, pool, r, now, r === "gateway-failure" ? "connect-failure" : r === "5xx" ? "HTTP 500" : "HTTP 200"),
  );
}

const gw = (n: number): TryResult[] => Array<TryResult>(n).fill("gateway-failure");
const fivexx = (n: number): TryResult[] => Array<TryResult>(n).fill("5xx");

/** Ejects `originId` with the gateway check (default threshold 3) at `now`. */
function eject(d: OutlierDetector, originId: string, pool: OutlierPool, now: number): Ejection | undefined {
  return feed(d, originId, pool, gw(3), now).at(-1);
}

describe("classifyTry", () => {
  it.each([
    ["connect-failure", undefined, "gateway-failure"],
    ["timeout", undefined, "gateway-failure"],
    ["response", 502, "gateway-failure"],
    ["response", 503, "gateway-failure"],
    ["response", 504, "gateway-failure"],
    ["response", 500, "5xx"],
    ["response", 501, "5xx"],
    ["response", 599, "5xx"],
    ["response", 200, "success"],
    ["response", 101, "success"],
    ["response", 302, "success"],
    ["response", 404, "success"],
    ["response", 429, "success"],
    ["response", undefined, undefined],
    ["cancelled", undefined, undefined],
    ["cancelled", 503, undefined],
  ] as const)("%s %s → %s", (kind, status, expected) => {
    expect(classifyTry(kind, status)).toBe(expected);
  });
});

describe("consecutive gateway failures", () => {
  it("eject at the threshold and not one before", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    const out = feed(d, "o0", pool, gw(3), 1_000);
    expect(out.slice(0, 2)).toEqual([undefined, undefined]);
    expect(out[2]).toEqual({
      originId: "o0",
      poolId: "p",
      kind: "consecutive-gateway-failure",
      at: 1_000,
      until: 31_000,
      count: 1,
      reason: "3 consecutive gateway failures (last: connect-failure)",
    });
    expect(d.isEjected("o0", 1_000)).toBe(true);
    expect(d.isEjected("o1", 1_000)).toBe(false);
    expect(d.epoch).toBe(1);
  });

  it("a success or a plain 500 in between breaks the run", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3, { consecutive5xx: 0 });
    const out = feed(d, "o0", pool, [...gw(2), "success", ...gw(2), "5xx", ...gw(2)], 0);
    expect(out.every((e) => e === undefined)).toBe(true);
    expect(d.isEjected("o0", 0)).toBe(false);
  });

  it("is off at 0", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3, { consecutiveGatewayFailure: 0, consecutive5xx: 0, failurePercentageThreshold: 0 });
    expect(feed(d, "o0", pool, gw(100), 0).every((e) => e === undefined)).toBe(true);
  });
});

describe("consecutive 5xx", () => {
  it("ejects at consecutive5xx (default 5)", () => {
    const d = new OutlierDetector();
    const out = feed(d, "o0", poolOf(3), fivexx(5), 0);
    expect(out.slice(0, 4).every((e) => e === undefined)).toBe(true);
    expect(out[4]).toMatchObject({ kind: "consecutive-5xx", count: 1, reason: "5 consecutive 5xx (last: HTTP 500)" });
  });

  it("a success in between resets the count", () => {
    const d = new OutlierDetector();
    const out = feed(d, "o0", poolOf(3), [...fivexx(4), "success", ...fivexx(4), "success", ...fivexx(4)], 0);
    expect(out.every((e) => e === undefined)).toBe(true);
  });

  it("counts gateway failures too", () => {
    const d = new OutlierDetector();
    const out = feed(d, "o0", poolOf(3, { consecutiveGatewayFailure: 0 }), [...fivexx(2), ...gw(3)], 0);
    expect(out[4]?.kind).toBe("consecutive-5xx");
    expect(out[4]?.reason).toBe("5 consecutive 5xx (last: connect-failure)");
  });

  it("the gateway check comes first when both are reached", () => {
    const d = new OutlierDetector();
    const out = feed(d, "o0", poolOf(3, { consecutive5xx: 3 }), gw(3), 0);
    expect(out[2]?.kind).toBe("consecutive-gateway-failure");
  });
});

describe("failure percentage", () => {
  const pool = poolOf(3, {
    consecutive5xx: 0,
    consecutiveGatewayFailure: 0,
    failurePercentageThreshold: 50,
    failurePercentageRequestVolume: 10,
    intervalSeconds: 10,
  });

  it("needs the request volume before it judges", () => {
    const d = new OutlierDetector();
    const out = feed(d, "o0", pool, fivexx(9), 0);
    expect(out.every((e) => e === undefined)).toBe(true);
    const tenth = d.observe("o0", pool, "5xx", 9_999);
    expect(tenth).toMatchObject({ kind: "failure-percentage", reason: "10 of 10 tries failed within 10 s (last: 5xx)" });
  });

  it("ejects at the threshold, not below it", () => {
    const d = new OutlierDetector();
    // 4 of 9 failed, then a 5th: 5 of 10 = 50%.
    const out = feed(d, "o0", pool, ["5xx", "success", "5xx", "success", "5xx", "success", "5xx", "success", "success", "5xx"], 0);
    expect(out.slice(0, 9).every((e) => e === undefined)).toBe(true);
    expect(out[9]?.kind).toBe("failure-percentage");

    const d2 = new OutlierDetector();
    const below = feed(
      d2,
      "o0",
      pool,
      ["5xx", "success", "5xx", "success", "5xx", "success", "5xx", "success", "success", "success", "success"],
      0,
    );
    expect(below.every((e) => e === undefined)).toBe(true);
  });

  it("the window tumbles: failures from the last interval no longer count", () => {
    const d = new OutlierDetector();
    feed(d, "o0", pool, fivexx(9), 0);
    expect(d.observe("o0", pool, "5xx", 10_000)).toBeUndefined();
    expect(feed(d, "o0", pool, fivexx(8), 15_000).every((e) => e === undefined)).toBe(true);
    expect(d.observe("o0", pool, "5xx", 19_999)?.kind).toBe("failure-percentage");
  });
});

describe("ejection duration", () => {
  it("multiplies with each ejection in a row, capped at maxEjectionSeconds", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    const seconds: number[] = [];
    const counts: number[] = [];
    let now = 0;
    for (let i = 0; i < 12; i++) {
      const e = eject(d, "o0", pool, now);
      if (e === undefined) throw new Error(`ejection ${i} did not happen`);
      seconds.push((e.until - e.at) / 1_000);
      counts.push(e.count);
      now = e.until;
      expect(d.expire(now)).toEqual(["o0"]);
    }
    expect(seconds).toEqual([30, 60, 90, 120, 150, 180, 210, 240, 270, 300, 300, 300]);
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it("the count decays by one per full quiet interval after the ejection ended", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3); // intervalSeconds 10
    let now = 0;
    for (let i = 0; i < 3; i++) {
      now = eject(d, "o0", pool, now)?.until ?? Number.NaN;
      d.expire(now);
    }
    expect(now).toBe(180_000); // 30 + 60 + 90 s; the last had count 3
    // 19.999 s later one full interval has passed: 3 - 1 + 1.
    const third = eject(d, "o0", pool, now + 19_999);
    expect(third).toMatchObject({ count: 3, until: now + 19_999 + 90_000 });
    now = third?.until ?? Number.NaN;
    d.expire(now);
    // Two full intervals: 3 - 2 + 1.
    expect(eject(d, "o0", pool, now + 20_000)).toMatchObject({ count: 2, until: now + 20_000 + 60_000 });
  });

  it("a long quiet spell forgets it entirely", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    const first = eject(d, "o0", pool, 0);
    d.expire(30_000);
    const second = eject(d, "o0", pool, 30_000);
    d.expire(90_000);
    expect([first?.count, second?.count]).toEqual([1, 2]);
    expect(eject(d, "o0", pool, 90_000 + 3_600_000)).toMatchObject({ count: 1 });
  });

  it("a finished ejection expire() has not collected yet still counts for the multiplier", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    eject(d, "o0", pool, 0);
    expect(d.isEjected("o0", 30_000)).toBe(false);
    expect(eject(d, "o0", pool, 30_000)).toMatchObject({ count: 2, until: 90_000 });
  });
});

describe("anyEjected", () => {
  it("is true while some origin is ejected and false from its `until` on", () => {
    const d = new OutlierDetector();
    expect(d.anyEjected(1_000)).toBe(false);
    eject(d, "o0", poolOf(3), 1_000);
    expect(d.anyEjected(30_999)).toBe(true);
    expect(d.anyEjected(31_000)).toBe(false);
  });
});

describe("expire", () => {
  it("returns an origin at `until` and not before, and bumps the epoch", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    eject(d, "o0", pool, 1_000);
    const epoch = d.epoch;
    expect(d.expire(30_999)).toEqual([]);
    expect(d.epoch).toBe(epoch);
    expect(d.isEjected("o0", 30_999)).toBe(true);
    expect(d.isEjected("o0", 31_000)).toBe(false);
    expect(d.expire(31_000)).toEqual(["o0"]);
    expect(d.epoch).toBe(epoch + 1);
    expect(d.expire(31_000)).toEqual([]);
    expect(d.ejections(31_000)).toEqual([]);
  });

  it("returns only those due and keeps the rest", () => {
    const d = new OutlierDetector();
    const pool = poolOf(4);
    eject(d, "o0", pool, 0);
    eject(d, "o1", pool, 10_000);
    expect(d.expire(30_000)).toEqual(["o0"]);
    expect(d.expire(39_999)).toEqual([]);
    expect(d.expire(40_000)).toEqual(["o1"]);
  });

  it("shares one empty answer when nothing is due", () => {
    const d = new OutlierDetector();
    expect(d.expire(0)).toBe(d.expire(1));
  });

  it("counters start afresh after the return", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    feed(d, "o0", pool, gw(3), 0);
    d.expire(30_000);
    expect(feed(d, "o0", pool, gw(2), 30_000).every((e) => e === undefined)).toBe(true);
  });
});

describe("tries during an ejection", () => {
  it("are ignored", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    eject(d, "o0", pool, 0);
    const epoch = d.epoch;
    expect(feed(d, "o0", pool, gw(10), 1_000).every((e) => e === undefined)).toBe(true);
    expect(d.epoch).toBe(epoch);
    expect(d.ejections(1_000)).toHaveLength(1);
    d.expire(30_000);
    // Had the 10 counted, the first failure after the return would eject again.
    expect(feed(d, "o0", pool, gw(2), 30_000).every((e) => e === undefined)).toBe(true);
    expect(d.observe("o0", pool, "gateway-failure", 30_000)).toMatchObject({ count: 2 });
  });
});

describe("probePassed", () => {
  it("returns the origin early for a probe after the ejection started", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    eject(d, "o0", pool, 1_000);
    const epoch = d.epoch;
    expect(d.probePassed("o0", 500, 2_000)).toBe(false);
    expect(d.probePassed("o0", 1_000, 2_000)).toBe(false);
    expect(d.isEjected("o0", 2_000)).toBe(true);
    expect(d.probePassed("o0", 1_500, 2_000)).toBe(true);
    expect(d.isEjected("o0", 2_000)).toBe(false);
    expect(d.epoch).toBe(epoch + 1);
    expect(d.expire(31_000)).toEqual([]);
  });

  it("does nothing when unejectOnProbeSuccess is off, or the origin is not ejected", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3, { unejectOnProbeSuccess: false });
    expect(d.probePassed("o0", 1_000, 1_000)).toBe(false);
    eject(d, "o0", pool, 1_000);
    expect(d.probePassed("o0", 2_000, 2_000)).toBe(false);
    expect(d.isEjected("o0", 2_000)).toBe(true);
  });

  it("an early return keeps the count for the multiplier", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    eject(d, "o0", pool, 0);
    d.probePassed("o0", 5_000, 5_000);
    expect(eject(d, "o0", pool, 5_000)).toMatchObject({ count: 2, until: 65_000 });
  });
});

describe("maxEjectionPercent", () => {
  it("a pool of 3 at 50% ejects one and refuses the second", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    expect(eject(d, "o0", pool, 0)).toBeDefined();
    expect(d.skipped).toBe(0);
    expect(eject(d, "o1", pool, 0)).toBeUndefined();
    expect(d.isEjected("o1", 0)).toBe(false);
    expect(d.skipped).toBe(1);
    // Refusing reset the counters: the next failure alone does not retry the ejection.
    expect(d.observe("o1", pool, "gateway-failure", 0)).toBeUndefined();
    expect(d.skipped).toBe(1);
    // Once o0 is back there is room again: that failure and two more eject o1.
    d.expire(30_000);
    expect(feed(d, "o1", pool, gw(2), 30_000)[1]).toMatchObject({ originId: "o1", count: 1 });
  });

  it("a pool of 10 at 50% ejects five", () => {
    const d = new OutlierDetector();
    const pool = poolOf(10);
    const out = pool.originIds.map((id) => eject(d, id, pool, 0));
    expect(out.map((e) => e !== undefined)).toEqual([true, true, true, true, true, false, false, false, false, false]);
    expect(d.ejections(0)).toHaveLength(5);
    expect(d.skipped).toBe(5);
  });

  it("at 0% ejects none", () => {
    const d = new OutlierDetector();
    const pool = poolOf(10, { maxEjectionPercent: 0 });
    expect(pool.originIds.map((id) => eject(d, id, pool, 0)).every((e) => e === undefined)).toBe(true);
    expect(d.skipped).toBe(10);
    expect(d.epoch).toBe(0);
  });

  it("a small percentage still allows one", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3, { maxEjectionPercent: 10 });
    expect(eject(d, "o0", pool, 0)).toBeDefined();
    expect(eject(d, "o1", pool, 0)).toBeUndefined();
  });

  it("counts adopted ejections", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    d.adopt({ originId: "o2", poolId: "p", kind: "consecutive-5xx", at: 0, until: 30_000, count: 1, reason: "elsewhere" }, 0);
    expect(eject(d, "o0", pool, 0)).toBeUndefined();
  });
});

describe("enabled: false", () => {
  it("never ejects", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3, { enabled: false, failurePercentageRequestVolume: 1 });
    expect(feed(d, "o0", pool, [...gw(20), ...fivexx(20)], 0).every((e) => e === undefined)).toBe(true);
    expect(d.ejections(0)).toEqual([]);
    expect(d.epoch).toBe(0);
  });
});

describe("adopt", () => {
  const remote: Ejection = {
    originId: "o0",
    poolId: "p",
    kind: "consecutive-gateway-failure",
    at: 1_000,
    until: 61_000,
    count: 2,
    reason: "3 consecutive gateway failures (last: timeout)",
  };

  it("takes an ejection this detector did not have", () => {
    const d = new OutlierDetector();
    expect(d.adopt(remote, 2_000)).toBe(true);
    expect(d.isEjected("o0", 2_000)).toBe(true);
    expect(d.ejections(2_000)).toEqual([remote]);
    expect(d.epoch).toBe(1);
    expect(d.adopt(remote, 2_000)).toBe(false);
    expect(d.epoch).toBe(1);
    expect(d.expire(61_000)).toEqual(["o0"]);
  });

  it("ignores one already over", () => {
    const d = new OutlierDetector();
    expect(d.adopt(remote, 61_000)).toBe(false);
    expect(d.isEjected("o0", 61_000)).toBe(false);
  });

  it("keeps the later until and the larger count", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    const local = eject(d, "o0", pool, 0); // until 30 000, count 1
    expect(local?.count).toBe(1);
    // Ends later: takes the later until.
    expect(d.adopt({ ...remote, count: 1 }, 2_000)).toBe(true);
    expect(d.ejections(2_000)[0]).toMatchObject({ until: 61_000, count: 1 });
    // Ends earlier with a larger count: keeps the until, takes the count.
    expect(d.adopt({ ...remote, until: 40_000, count: 4 }, 2_000)).toBe(true);
    expect(d.ejections(2_000)[0]).toMatchObject({ until: 61_000, count: 4 });
    // Ends later with a smaller count: takes the until, keeps the count.
    expect(d.adopt({ ...remote, until: 70_000, count: 2 }, 2_000)).toBe(true);
    expect(d.ejections(2_000)[0]).toMatchObject({ until: 70_000, count: 4 });
    // Nothing new.
    expect(d.adopt({ ...remote, until: 50_000, count: 3 }, 2_000)).toBe(false);
    expect(d.isEjected("o0", 69_999)).toBe(true);
    expect(d.expire(69_999)).toEqual([]);
    expect(d.expire(70_000)).toEqual(["o0"]);
    // The adopted count carries into the next local ejection.
    expect(eject(d, "o0", pool, 70_000)).toMatchObject({ count: 5 });
  });

  it("probePassed follows the settings passed with it, else the default", () => {
    const d = new OutlierDetector();
    d.adopt(remote, 2_000, OutlierDetectionSchema.parse({ unejectOnProbeSuccess: false }));
    expect(d.probePassed("o0", 3_000, 3_000)).toBe(false);
    const d2 = new OutlierDetector();
    d2.adopt({ ...remote, poolId: "unknown" }, 2_000);
    expect(d2.probePassed("o0", 3_000, 3_000)).toBe(true);
  });
});

describe("release", () => {
  it("ends an ejection now", () => {
    const d = new OutlierDetector();
    const pool = poolOf(3);
    expect(d.release("o0", 0)).toBe(false);
    eject(d, "o0", pool, 0);
    const epoch = d.epoch;
    expect(d.release("o0", 1_000)).toBe(true);
    expect(d.isEjected("o0", 1_000)).toBe(false);
    expect(d.epoch).toBe(epoch + 1);
    expect(d.release("o0", 1_000)).toBe(false);
    expect(d.expire(30_000)).toEqual([]);
    // Counters start afresh, the count is kept.
    expect(feed(d, "o0", pool, gw(3), 1_000).map((e) => e?.count)).toEqual([undefined, undefined, 2]);
  });
});

describe("retain", () => {
  it("drops counters and ejections of origins no longer configured", () => {
    const d = new OutlierDetector();
    const pool = poolOf(4, { maxEjectionPercent: 100 });
    feed(d, "o0", pool, gw(2), 0);
    feed(d, "o1", pool, gw(2), 0);
    eject(d, "o2", pool, 0);
    const epoch = d.epoch;
    d.retain(new Set(["o1"]));
    expect(d.epoch).toBe(epoch + 1);
    expect(d.isEjected("o2", 0)).toBe(false);
    expect(d.ejections(0)).toEqual([]);
    // o0 starts from nothing, o1 keeps its two failures.
    expect(d.observe("o0", pool, "gateway-failure", 0)).toBeUndefined();
    expect(d.observe("o1", pool, "gateway-failure", 0)).toBeDefined();
    // Nothing ejected was dropped: no bump.
    const after = d.epoch;
    d.retain(new Set(["o0", "o1"]));
    expect(d.epoch).toBe(after);
  });
});

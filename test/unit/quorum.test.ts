/**
 * The global quorum over per-colo ejections (health/quorum.ts): who votes, how many
 * failing colos it takes, what the global ejection says and how long it lasts; and
 * properties over arbitrary votes with fast-check.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GlobalQuorumSchema } from "../../src/config/schema.ts";
import { DEFAULT_GLOBAL_QUORUM, quorumVerdict, votesNeeded } from "../../src/health/quorum.ts";
import type { ColoEjection, ColoTraffic, GlobalQuorum } from "../../src/health/quorum.ts";

const NOW = 10_000_000;

function ejected(colo: string, at = NOW - 1_000, until = NOW + 30_000, originId = "a"): ColoEjection {
  return {
    originId,
    colo,
    poolId: "p",
    kind: "consecutive-gateway-failure",
    at,
    until,
    count: 1,
    reason: "3 consecutive gateway failures",
  };
}

const sent = (colo: string, agoMs = 1_000): ColoTraffic => ({ colo, lastAt: NOW - agoMs });

describe("votesNeeded", () => {
  it("asks for at least half and at least two by default", () => {
    expect([1, 2, 3, 4, 5, 8, 9].map((n) => votesNeeded(n, DEFAULT_GLOBAL_QUORUM))).toEqual([2, 2, 2, 2, 3, 4, 5]);
  });

  it("follows the config: min 1 lets one colo of one decide; fraction 1 needs all", () => {
    expect(votesNeeded(1, { ...DEFAULT_GLOBAL_QUORUM, min: 1 })).toBe(1);
    expect(votesNeeded(7, { ...DEFAULT_GLOBAL_QUORUM, fraction: 1 })).toBe(7);
    expect(votesNeeded(3, { ...DEFAULT_GLOBAL_QUORUM, fraction: 2 / 3 })).toBe(2);
  });

  it("the schema's defaults are the documented ones", () => {
    expect(GlobalQuorumSchema.parse({})).toEqual(DEFAULT_GLOBAL_QUORUM);
    expect(GlobalQuorumSchema.safeParse({ fraction: 0 }).success).toBe(false);
    expect(GlobalQuorumSchema.safeParse({ min: 0 }).success).toBe(false);
    expect(GlobalQuorumSchema.safeParse({ windowSeconds: 5 }).success).toBe(false);
  });
});

describe("quorumVerdict", () => {
  it("one colo failing while another serves the origin fine: ejected in that colo only", () => {
    const v = quorumVerdict("a", [ejected("FRA")], [sent("FRA"), sent("SIN")], DEFAULT_GLOBAL_QUORUM, NOW);
    expect(v).toMatchObject({ ejected: false, failing: ["FRA"], voters: ["FRA", "SIN"], needed: 2 });
    expect(v.ejection).toBeUndefined();
  });

  it("a lone colo never ejects everywhere with min 2, even when it is the only one sending", () => {
    expect(quorumVerdict("a", [ejected("FRA")], [sent("FRA")], DEFAULT_GLOBAL_QUORUM, NOW).ejected).toBe(false);
  });

  it("two of four colos failing eject everywhere; the ejection lasts while two still eject", () => {
    const v = quorumVerdict(
      "a",
      [ejected("FRA", NOW - 5_000, NOW + 25_000), ejected("SIN", NOW - 2_000, NOW + 40_000)],
      [sent("FRA"), sent("SIN"), sent("IAD"), sent("GRU")],
      DEFAULT_GLOBAL_QUORUM,
      NOW,
    );
    expect(v).toMatchObject({ ejected: true, failing: ["FRA", "SIN"], needed: 2 });
    expect(v.voters).toEqual(["FRA", "GRU", "IAD", "SIN"]);
    // Began with the vote that completed the quorum (SIN's), ends with the second-latest end (FRA's).
    expect(v.ejection).toMatchObject({ originId: "a", at: NOW - 2_000, until: NOW + 25_000 });
    expect(v.ejection?.reason).toContain("2 of 4 colos");
    expect(v.ejection?.reason).toContain("FRA, SIN");
  });

  it("one of three failing is not enough; two of three is", () => {
    const traffic = [sent("FRA"), sent("SIN"), sent("IAD")];
    expect(quorumVerdict("a", [ejected("FRA")], traffic, DEFAULT_GLOBAL_QUORUM, NOW).ejected).toBe(false);
    expect(quorumVerdict("a", [ejected("FRA"), ejected("IAD")], traffic, DEFAULT_GLOBAL_QUORUM, NOW).ejected).toBe(true);
  });

  it("colos whose traffic is older than the window do not vote; failing colos always do", () => {
    // GRU and IAD sent nothing for 2 minutes: FRA and SIN are the only voters, and both fail.
    const traffic = [sent("GRU", 120_000), sent("IAD", 120_000)];
    const v = quorumVerdict("a", [ejected("FRA"), ejected("SIN")], traffic, DEFAULT_GLOBAL_QUORUM, NOW);
    expect(v).toMatchObject({ ejected: true, voters: ["FRA", "SIN"] });
  });

  it("ended ejections and other origins' ejections do not vote", () => {
    const v = quorumVerdict(
      "a",
      [ejected("FRA", NOW - 40_000, NOW - 1), ejected("SIN", NOW - 1_000, NOW + 1_000, "b"), ejected("IAD")],
      [sent("FRA"), sent("SIN"), sent("IAD")],
      { ...DEFAULT_GLOBAL_QUORUM, min: 1 },
      NOW,
    );
    expect(v.failing).toEqual(["IAD"]);
  });

  it("a colo with two ejections votes once, with the one that ends last", () => {
    const v = quorumVerdict(
      "a",
      [ejected("FRA", NOW - 3_000, NOW + 10_000), ejected("FRA", NOW - 1_000, NOW + 50_000), ejected("SIN", NOW, NOW + 20_000)],
      [],
      DEFAULT_GLOBAL_QUORUM,
      NOW,
    );
    expect(v.failing).toEqual(["FRA", "SIN"]);
    expect(v.ejection?.until).toBe(NOW + 20_000);
  });
});

const COLOS = ["FRA", "SIN", "IAD", "GRU", "LHR", "NRT", "SYD", "JNB", "AMS", "DFW"];

const settingsArb: fc.Arbitrary<GlobalQuorum> = fc.record({
  fraction: fc.double({ min: 0.01, max: 1, noNaN: true }),
  min: fc.integer({ min: 1, max: 6 }),
  windowSeconds: fc.integer({ min: 20, max: 600 }),
});

const votesArb = fc.record({
  failing: fc.subarray(COLOS),
  serving: fc.subarray(COLOS),
  untils: fc.array(fc.integer({ min: 1, max: 300_000 }), { minLength: COLOS.length, maxLength: COLOS.length }),
  settings: settingsArb,
});

function decide(failing: readonly string[], serving: readonly string[], untils: readonly number[], settings: GlobalQuorum) {
  const ejections = failing.map((c) => ejected(c, NOW - 500, NOW + (untils[COLOS.indexOf(c)] ?? 1)));
  return quorumVerdict(
    "a",
    ejections,
    [...serving, ...failing].map((c) => sent(c)),
    settings,
    NOW,
  );
}

describe("quorumVerdict properties", () => {
  it("ejected exactly when the failing colos reach max(min, ⌈fraction × voters⌉)", () => {
    fc.assert(
      fc.property(votesArb, ({ failing, serving, untils, settings }) => {
        const v = decide(failing, serving, untils, settings);
        const voters = new Set([...failing, ...serving]).size;
        expect(v.voters.length).toBe(voters);
        expect(v.needed).toBe(Math.max(settings.min, Math.ceil(settings.fraction * voters - 1e-9)));
        expect(v.ejected).toBe(failing.length >= v.needed);
        expect(v.ejection !== undefined).toBe(v.ejected);
      }),
    );
  });

  it("more failing colos never lift a global ejection; more healthy voters never cause one", () => {
    fc.assert(
      fc.property(votesArb, fc.constantFrom(...COLOS), ({ failing, serving, untils, settings }, extra) => {
        const before = decide(failing, serving, untils, settings).ejected;
        if (before) expect(decide([...new Set([...failing, extra])], serving, untils, settings).ejected).toBe(true);
        else if (!failing.includes(extra)) expect(decide(failing, [...serving, extra], untils, settings).ejected).toBe(false);
      }),
    );
  });

  it("never ejects on fewer than `min` colos, and the ejection lies within the colos' own", () => {
    fc.assert(
      fc.property(votesArb, ({ failing, serving, untils, settings }) => {
        const v = decide(failing, serving, untils, settings);
        if (failing.length < settings.min) expect(v.ejected).toBe(false);
        if (v.ejection === undefined) return;
        const ends = failing.map((c) => NOW + (untils[COLOS.indexOf(c)] ?? 1));
        expect(v.ejection.until).toBeGreaterThan(NOW);
        expect(v.ejection.until).toBeLessThanOrEqual(Math.max(...ends));
        // At least `needed` colos still eject until the global ejection ends.
        expect(ends.filter((e) => e >= (v.ejection?.until ?? 0)).length).toBeGreaterThanOrEqual(v.needed);
      }),
    );
  });
});

/**
 * Which colos a staged config change puts its candidate in force in (src/config/staged.ts):
 * the first stage's named colos only, then every colo whose name hashes under the stage's
 * percent, the same answer in every isolate and never taking a colo out as the share grows;
 * the first stage's colos chosen by traffic; and the query's stages checked by name.
 */
import { describe, expect, it } from "vitest";
import { coloChoice, coloPoint, firstColos, inForce, parseStages, shareOf, StagedQuerySchema } from "../../src/config/staged.ts";

const COLOS = [
  "AMS",
  "ARN",
  "ATL",
  "BOM",
  "CDG",
  "DFW",
  "EWR",
  "FRA",
  "GRU",
  "HKG",
  "IAD",
  "JNB",
  "LAX",
  "LHR",
  "MAD",
  "MIA",
  "NRT",
  "ORD",
  "SEA",
  "SIN",
  "SJC",
  "SYD",
  "WAW",
  "YYZ",
];
const MANY = Array.from({ length: 2_000 }, (_, i) => `C${i.toString(36).toUpperCase()}`);

describe("colo choice per stage", () => {
  it("the first stage is its named colos only (any case), whatever the hash says", () => {
    const first = { colos: ["FRA"], share: shareOf([1, 10, 100], 0) };
    expect(first.share).toBe(0);
    expect(COLOS.filter((c) => inForce(first, c))).toEqual(["FRA"]);
    expect(inForce(first, "fra")).toBe(true);
  });

  it("a later stage adds the colos hashing under its percent, near that share of many colos", () => {
    const tenth = { colos: ["FRA"], share: shareOf([1, 10, 100], 1) };
    expect(tenth.share).toBe(10);
    const share = MANY.filter((c) => inForce(tenth, c)).length / MANY.length;
    expect(share).toBeGreaterThan(0.08);
    expect(share).toBeLessThan(0.12);
    expect(inForce(tenth, "FRA")).toBe(true);
  });

  it("a colo in force at one stage stays in force at every later one; 100 is every colo", () => {
    const stages = [1, 5, 25, 50, 100];
    for (const colo of [...COLOS, ...MANY.slice(0, 300)]) {
      let was = false;
      for (let stage = 0; stage < stages.length; stage++) {
        const now = inForce({ colos: ["SIN"], share: shareOf(stages, stage) }, colo);
        expect(!was || now).toBe(true);
        was = now;
      }
      expect(was).toBe(true);
    }
  });

  it("the hash is stable and spread over [0, 100)", () => {
    expect(coloPoint("FRA")).toBe(coloPoint("FRA"));
    expect(coloPoint("fra")).toBe(coloPoint("FRA"));
    const points = MANY.map(coloPoint);
    expect(Math.min(...points)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...points)).toBeLessThan(100);
    // Each decile holds between 8 % and 12 % of 2,000 names.
    for (let d = 0; d < 10; d++) {
      const inDecile = points.filter((p) => p >= d * 10 && p < (d + 1) * 10).length / points.length;
      expect(inDecile).toBeGreaterThan(0.08);
      expect(inDecile).toBeLessThan(0.12);
    }
  });

  it("coloChoice lists the named colos and the known ones in force, sorted", () => {
    const record = { colos: ["SIN"], share: 50 };
    const chosen = coloChoice(record, COLOS);
    expect(chosen).toContain("SIN");
    expect(chosen).toEqual([...chosen].sort());
    expect(chosen.every((c) => inForce(record, c))).toBe(true);
    expect(coloChoice({ colos: ["SIN"], share: 0 }, COLOS)).toEqual(["SIN"]);
  });

  it("the first stage's colos, when none are named: the busiest that reported, ties by name", () => {
    const traffic = new Map([
      ["SIN", 40],
      ["FRA", 900],
      ["LHR", 900],
      ["IAD", 0],
    ]);
    expect(firstColos(traffic, 1)).toEqual(["FRA"]);
    expect(firstColos(traffic, 2)).toEqual(["FRA", "LHR"]);
    expect(firstColos(traffic, 5)).toEqual(["FRA", "LHR", "SIN"]);
    expect(firstColos(new Map(), 1)).toEqual([]);
  });
});

describe("the staged query", () => {
  const parse = (q: Record<string, string>) => StagedQuerySchema.safeParse(q);
  const problem = (q: Record<string, string>): string => {
    const r = parse(q);
    if (r.success) return "accepted";
    const issue = r.error.issues[0];
    return `${issue?.path.join(".")}: ${issue?.message}`;
  };

  it("defaults: one colo, then 10 %, then all, each held 60 s; no colos named", () => {
    const r = parse({ staged: "true" });
    expect(r.success && r.data).toMatchObject({ stages: [1, 10, 100], intervalSeconds: 60, colos: [] });
  });

  it("takes stages, interval, colos and the analysis knobs", () => {
    const r = parse({ stages: "2,25,50,100", intervalSeconds: "30", colos: "FRA,SIN", minRequests: "20", maxLatencyRatio: "2" });
    expect(r.success && r.data).toMatchObject({
      stages: [2, 25, 50, 100],
      intervalSeconds: 30,
      colos: ["FRA", "SIN"],
      minRequests: 20,
      maxLatencyRatio: 2,
    });
  });

  it("names what is wrong", () => {
    expect(problem({ stages: "1,50,40" })).toMatch(/^stages\.2: percents of colos must rise/);
    expect(problem({ stages: "1,50" })).toMatch(/^stages: must end at 100/);
    expect(problem({ stages: "100" })).toMatch(/^stages/);
    expect(problem({ stages: "30,50,100" })).toMatch(/^stages\.0: the first stage is a number of colos, at most 20/);
    expect(problem({ stages: "1,a,100" })).toMatch(/^stages: must be numbers separated by commas/);
    expect(problem({ intervalSeconds: "2" })).toMatch(/^intervalSeconds/);
    expect(problem({ colos: "FRA,S;N" })).toMatch(/^colos\.1: must be a colo code/);
    expect(problem({ maxErrorRate: "2" })).toMatch(/^maxErrorRate/);
  });

  it("parseStages reads numbers separated by commas only", () => {
    expect(parseStages("1, 10 ,100")).toEqual([1, 10, 100]);
    expect(parseStages("1;10")).toBeUndefined();
    expect(parseStages("")).toBeUndefined();
  });
});

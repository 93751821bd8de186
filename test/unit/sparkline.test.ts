/**
 * The status page's sparkline geometry (src/observe/sparkline.ts): samples land inside
 * the box at the right place, gaps break the line, areas close on the baseline, the
 * value axis rounds up to 1/2/5 × 10ⁿ. Paths are parsed back rather than compared as text.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { areaPath, linePath, niceCeiling, project, runs, withGaps } from "../../src/observe/sparkline.ts";
import type { SparkFrame, SparkPoint } from "../../src/observe/sparkline.ts";

const FRAME: SparkFrame = { width: 160, height: 34, t0: 1_000, t1: 61_000, vMax: 100, pad: 2 };

/** The subpaths of a path: each a command letter list and its points. */
function parse(d: string): { commands: string[]; points: { x: number; y: number }[] }[] {
  const out: { commands: string[]; points: { x: number; y: number }[] }[] = [];
  for (const m of d.matchAll(/([MLZ])([^MLZ]*)/g)) {
    const [, cmd = "", args = ""] = m;
    if (cmd === "M") out.push({ commands: [], points: [] });
    const current = out[out.length - 1];
    if (current === undefined) throw new Error(`path does not start with M: ${d}`);
    current.commands.push(cmd);
    if (cmd === "Z") continue;
    const [x, y] = args.trim().split(/\s+/).map(Number);
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y))
      throw new Error(`bad coordinates "${args}" in ${d}`);
    current.points.push({ x, y });
  }
  return out;
}

const sampleArb = fc.record({
  t: fc.integer({ min: FRAME.t0, max: FRAME.t1 }),
  v: fc.option(fc.double({ min: 0, max: 1_000, noNaN: true }), { nil: null }),
});

describe("project", () => {
  it("puts the frame's corners at the padded edges of the box", () => {
    const pad = FRAME.pad ?? 0;
    expect(project(FRAME.t0, 0, FRAME)).toEqual({ x: pad, y: FRAME.height - pad });
    expect(project(FRAME.t1, FRAME.vMax, FRAME)).toEqual({ x: FRAME.width - pad, y: pad });
    const mid = project((FRAME.t0 + FRAME.t1) / 2, FRAME.vMax / 2, FRAME);
    expect(mid.x).toBeCloseTo(FRAME.width / 2);
    expect(mid.y).toBeCloseTo(FRAME.height / 2);
  });

  it("clamps times and values outside the frame to its edges", () => {
    expect(project(FRAME.t0 - 10_000, -5, FRAME)).toEqual(project(FRAME.t0, 0, FRAME));
    expect(project(FRAME.t1 + 10_000, FRAME.vMax * 3, FRAME)).toEqual(project(FRAME.t1, FRAME.vMax, FRAME));
  });

  it("draws at the right edge when the frame has no time span, and on the baseline when vMax is 0", () => {
    const flat = { ...FRAME, t1: FRAME.t0, vMax: 0 };
    const p = project(FRAME.t0, 50, flat);
    expect(p.x).toBe(FRAME.width - (FRAME.pad ?? 0));
    expect(p.y).toBe(FRAME.height - (FRAME.pad ?? 0));
  });
});

describe("linePath", () => {
  it("is empty when nothing was measured", () => {
    expect(linePath([], FRAME)).toBe("");
    expect(
      linePath(
        [
          { t: 2_000, v: null },
          { t: 3_000, v: null },
        ],
        FRAME,
      ),
    ).toBe("");
  });

  it("draws samples in time order whatever order they come in (the Durable Object answers newest first)", () => {
    const newestFirst: SparkPoint[] = [
      { t: 50_000, v: 90 },
      { t: 30_000, v: 10 },
      { t: 10_000, v: 50 },
    ];
    const [only] = parse(linePath(newestFirst, FRAME));
    expect(only?.points.map((p) => p.x)).toEqual([...(only?.points.map((p) => p.x) ?? [])].sort((a, b) => a - b));
    // The highest value is the smallest y (SVG's y axis points down).
    const ys = only?.points.map((p) => p.y) ?? [];
    expect(Math.min(...ys)).toBe(ys[2]);
  });

  it("breaks the line at every gap: one subpath per run of measured samples", () => {
    const points: SparkPoint[] = [
      { t: 2_000, v: 1 },
      { t: 3_000, v: 2 },
      { t: 4_000, v: null },
      { t: 5_000, v: 3 },
      { t: 6_000, v: null },
      { t: 7_000, v: null },
      { t: 8_000, v: 4 },
      { t: 9_000, v: 5 },
    ];
    expect(parse(linePath(points, FRAME)).length).toBe(3);
  });

  it("draws a lone sample as a short flat dash, so it shows", () => {
    const [dash] = parse(linePath([{ t: 30_000, v: 40 }], FRAME));
    expect(dash?.points.length).toBe(2);
    const [a, b] = dash?.points ?? [];
    expect(a?.y).toBe(b?.y);
    expect((b?.x ?? 0) - (a?.x ?? 0)).toBeGreaterThan(0);
  });

  it("leaves out samples outside the time window", () => {
    const d = linePath(
      [
        { t: FRAME.t0 - 1, v: 10 },
        { t: FRAME.t1 + 1, v: 10 },
      ],
      FRAME,
    );
    expect(d).toBe("");
  });

  it("property: every coordinate lies in the box, x never goes back within a subpath, subpaths = runs", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { maxLength: 60 }), (points) => {
        const subpaths = parse(linePath(points, FRAME));
        expect(subpaths.length).toBe(runs(points, FRAME).length);
        for (const sub of subpaths) {
          expect(sub.commands[0]).toBe("M");
          for (const [i, p] of sub.points.entries()) {
            expect(p.x).toBeGreaterThanOrEqual(-1);
            expect(p.x).toBeLessThanOrEqual(FRAME.width + 1);
            expect(p.y).toBeGreaterThanOrEqual(0);
            expect(p.y).toBeLessThanOrEqual(FRAME.height);
            const prev = sub.points[i - 1];
            if (prev !== undefined) expect(p.x).toBeGreaterThanOrEqual(prev.x);
          }
        }
      }),
    );
  });
});

describe("areaPath", () => {
  it("closes each run down to the baseline", () => {
    fc.assert(
      fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 40 }), (points) => {
        const area = parse(areaPath(points, FRAME));
        const line = parse(linePath(points, FRAME));
        expect(area.length).toBe(line.length);
        const base = FRAME.height - (FRAME.pad ?? 0);
        for (const [i, sub] of area.entries()) {
          expect(sub.commands[sub.commands.length - 1]).toBe("Z");
          expect(sub.points[0]?.y).toBe(base);
          expect(sub.points[sub.points.length - 1]?.y).toBe(base);
          // Between the two baseline corners lies exactly the line.
          expect(sub.points.slice(1, -1)).toEqual(line[i]?.points);
        }
      }),
    );
  });
});

describe("niceCeiling", () => {
  it("is the smallest 1, 2 or 5 × 10ⁿ at or above the largest value", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: null }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 1000 }),
        (values, floor) => {
          const ceiling = niceCeiling(values, floor);
          const max = Math.max(floor, ...values.map((v) => v ?? 0));
          expect(ceiling).toBeGreaterThanOrEqual(max);
          const magnitude = 10 ** Math.floor(Math.log10(ceiling) + 1e-9);
          expect([1, 2, 5, 10].some((m) => Math.abs(ceiling - m * magnitude) < 1e-6 * ceiling)).toBe(true);
          // Tight: the next step down would not hold the largest value.
          expect(ceiling).toBeLessThanOrEqual(2.5 * max + 1e-9);
        },
      ),
    );
  });

  it("ignores gaps and non-finite values, and answers 1 with nothing positive", () => {
    expect(niceCeiling([null, Number.NaN, Number.POSITIVE_INFINITY, 3], 1)).toBe(5);
    expect(niceCeiling([], 0)).toBe(1);
  });
});

describe("withGaps", () => {
  it("puts a gap exactly between neighbours further apart than maxStep, in time order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 30 }), (times) => {
        const points = times.map((t) => ({ t: t * 1_000, v: 1 }));
        const out = withGaps(points, 10_000);
        const measured = out.filter((p) => p.v !== null);
        expect(measured.map((p) => p.t)).toEqual([...points.map((p) => p.t)].sort((a, b) => a - b));
        const sorted = measured.map((p) => p.t);
        const expectedGaps = sorted.slice(1).filter((t, i) => t - (sorted[i] ?? t) > 10_000).length;
        expect(out.length - measured.length).toBe(expectedGaps);
        for (const [i, p] of out.entries()) {
          if (p.v !== null) continue;
          expect(out[i - 1]?.v).not.toBeNull();
          expect(out[i + 1]?.v).not.toBeNull();
        }
      }),
    );
  });
});

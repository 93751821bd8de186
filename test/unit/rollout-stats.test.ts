/**
 * The distributions under a rollout's analysis (src/rollout/stats.ts), against values from
 * SciPy 1.17 (binom.sf, t.sf, norm.isf, beta.cdf), and Wilson bounds against their formula's
 * known behaviour at 0 and n.
 */
import { describe, expect, it } from "vitest";
import {
  binomialUpperTail,
  incompleteBeta,
  lnGamma,
  normalUpperQuantile,
  normalUpperTail,
  studentUpperTail,
  wilsonBounds,
} from "../../src/rollout/stats.ts";

/** |a − b| within `rel` of b (or `abs` near 0). */
function near(a: number, b: number, rel = 1e-9, abs = 1e-15): void {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(Math.max(abs, rel * Math.abs(b)));
}

describe("binomial tail P(X ≥ k)", () => {
  it.each([
    // k, n, p, SciPy binom.sf(k − 1, n, p)
    [5, 50, 0.01, 0.00014568926807182703],
    [3, 50, 0.01, 0.013817270830600381],
    [1, 60, 0.01, 0.45284335760923855],
    [10_100, 1_000_000, 0.01, 0.15865123214580007],
    [100_500, 10_000_000, 0.01, 0.05628709204638556],
  ])("k = %d of n = %d at p = %d", (k, n, p, expected) => {
    near(binomialUpperTail(k, n, p), expected, 1e-8);
  });

  it("is 1 for k ≤ 0, 0 for k > n or p = 0, 1 for p = 1", () => {
    expect(binomialUpperTail(0, 10, 0.3)).toBe(1);
    expect(binomialUpperTail(11, 10, 0.3)).toBe(0);
    expect(binomialUpperTail(1, 10, 0)).toBe(0);
    expect(binomialUpperTail(10, 10, 1)).toBe(1);
  });

  it("agrees with the sum of the probability mass for small n", () => {
    const n = 30;
    const p = 0.07;
    let pmf = (1 - p) ** n;
    const masses = [pmf];
    for (let k = 0; k < n; k++) {
      pmf *= ((n - k) / (k + 1)) * (p / (1 - p));
      masses.push(pmf);
    }
    for (let k = 0; k <= n; k++)
      near(
        binomialUpperTail(k, n, p),
        masses.slice(k).reduce((a, b) => a + b, 0),
        1e-10,
        1e-15,
      );
  });
});

describe("Student's t tail P(T ≥ t)", () => {
  it.each([
    [2.0, 10, 0.03669401738537018],
    [3.5, 49, 0.0005006636919721181],
    [-1, 5, 0.8183912661754386],
    [1.96, 1e6, 0.024998033792634926],
    [3, 1e7, 0.0013499013555185817],
  ])("t = %d, df = %d", (t, df, expected) => {
    near(studentUpperTail(t, df), expected, 1e-8);
  });

  it("is ½ at 0 and runs to 0 and 1 at the infinities", () => {
    near(studentUpperTail(0, 7), 0.5, 1e-12);
    expect(studentUpperTail(Number.POSITIVE_INFINITY, 7)).toBe(0);
    expect(studentUpperTail(Number.NEGATIVE_INFINITY, 7)).toBe(1);
  });
});

describe("normal distribution", () => {
  it.each([
    [0.05, 1.6448536269514729],
    [0.025, 1.9599639845400545],
    [1e-6, 4.753424308822899],
    [0.9, -1.2815515655446004],
  ])("upper quantile of %d", (p, z) => {
    near(normalUpperQuantile(p), z, 1e-7);
    near(normalUpperTail(z), p, 1e-6);
  });
});

describe("special functions", () => {
  it("ln Γ of whole numbers is ln (n − 1)!", () => {
    near(lnGamma(1), 0, 0, 1e-13);
    near(lnGamma(10), Math.log(362_880), 1e-13);
    near(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-13);
  });
  it("I_x(a, b) matches SciPy's beta.cdf", () => {
    near(incompleteBeta(2, 3, 0.4), 0.5248, 1e-12);
    expect(incompleteBeta(2, 3, 0)).toBe(0);
    expect(incompleteBeta(2, 3, 1)).toBe(1);
  });
});

describe("Wilson score bounds", () => {
  const z95 = normalUpperQuantile(0.05);
  it("stay inside [0, 1] at 0 and n, and the upper bound of 0 of n is about z²/(n + z²)", () => {
    const zero = wilsonBounds(0, 60, z95);
    near(zero.lower, 0, 0, 1e-12);
    near(zero.upper, (z95 * z95) / (60 + z95 * z95), 1e-12);
    const all = wilsonBounds(60, 60, z95);
    near(all.upper, 1, 0, 1e-12);
    expect(all.lower).toBeLessThan(1);
  });
  it("hold the estimate between them and narrow as n grows", () => {
    const small = wilsonBounds(5, 50, z95);
    const large = wilsonBounds(500, 5_000, z95);
    expect(small.lower).toBeLessThan(0.1);
    expect(small.upper).toBeGreaterThan(0.1);
    expect(large.upper - large.lower).toBeLessThan(small.upper - small.lower);
  });
  it("take no requests as knowing nothing", () => {
    expect(wilsonBounds(0, 0, z95)).toEqual({ lower: 0, upper: 1 });
  });
});

/**
 * The distributions a rollout's analysis needs, in plain TypeScript (a Worker has no
 * statistics library and needs none for this): the exact binomial tail, Student's t tail,
 * the normal distribution and its quantile, and Wilson score bounds. Everything goes
 * through the regularized incomplete beta function I_x(a, b), evaluated by its continued
 * fraction (modified Lentz), as in Numerical Recipes §6.4; the log-gamma is Lanczos's
 * (g = 7, 9 terms), good to about 15 significant digits.
 */

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0. */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const y = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) sum += (LANCZOS[i] as number) / (y + i);
  const t = y + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(sum);
}

const TINY = 1e-300;
const EPS = 1e-15;
/** Enough for a, b up to ~10⁸ (the fraction needs O(√max(a, b)) terms). */
const MAX_TERMS = 100_000;

/** The continued fraction of I_x(a, b), for x < (a + 1) / (a + b + 2) where it converges fast. */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_TERMS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const step = d * c;
    h *= step;
    if (Math.abs(step - 1) < EPS) return h;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(a, b, x)) / a;
  return 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(X ≥ k) for X ~ Binomial(n, p): the exact one-sided p-value of k failures in n at rate p. */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  // P(X ≥ k) = I_p(k, n − k + 1) (Abramowitz & Stegun 26.5.24).
  return incompleteBeta(k, n - k + 1, p);
}

/** P(T ≥ t) for T ~ Student's t with `df` degrees of freedom (df > 0, not necessarily whole). */
export function studentUpperTail(t: number, df: number): number {
  if (Number.isNaN(t)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (t === Number.NEGATIVE_INFINITY) return 1;
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? tail : 1 - tail;
}

/** erfc(x), by the Chebyshev fit of Numerical Recipes (relative error below 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** P(Z ≥ z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * The z with P(Z ≥ z) = p (0 < p < 1): Acklam's rational approximation (relative error
 * 1.15e-9), then one Halley step against normalUpperTail.
 */
export function normalUpperQuantile(p: number): number {
  if (p <= 0) return Number.POSITIVE_INFINITY;
  if (p >= 1) return Number.NEGATIVE_INFINITY;
  const q = 1 - p; // the lower-tail probability Acklam's formula takes
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (q < low) {
    const r = Math.sqrt(-2 * Math.log(q));
    x =
      (((((c[0] as number) * r + (c[1] as number)) * r + (c[2] as number)) * r + (c[3] as number)) * r + (c[4] as number)) * r +
      (c[5] as number);
    x /= ((((d[0] as number) * r + (d[1] as number)) * r + (d[2] as number)) * r + (d[3] as number)) * r + 1;
  } else if (q <= 1 - low) {
    const r0 = q - 0.5;
    const r = r0 * r0;
    x =
      ((((((a[0] as number) * r + (a[1] as number)) * r + (a[2] as number)) * r + (a[3] as number)) * r + (a[4] as number)) * r +
        (a[5] as number)) *
      r0;
    x /= (((((b[0] as number) * r + (b[1] as number)) * r + (b[2] as number)) * r + (b[3] as number)) * r + (b[4] as number)) * r + 1;
  } else {
    const r = Math.sqrt(-2 * Math.log(p));
    x = -(
      (((((c[0] as number) * r + (c[1] as number)) * r + (c[2] as number)) * r + (c[3] as number)) * r + (c[4] as number)) * r +
      (c[5] as number)
    );
    x /= ((((d[0] as number) * r + (d[1] as number)) * r + (d[2] as number)) * r + (d[3] as number)) * r + 1;
  }
  // Halley refinement: e is the error of the upper tail at x.
  const e = normalUpperTail(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x + u / (1 + (x * u) / 2);
}

/**
 * Wilson's score bounds for a proportion: x successes (here: failed requests) of n, at the
 * normal quantile z (one-sided bounds at level P(Z ≥ z) each). Counts may be fractional
 * (an effective sample size). Both bounds stay inside [0, 1], also at x = 0 or x = n.
 */
export function wilsonBounds(x: number, n: number, z: number): { readonly lower: number; readonly upper: number } {
  if (n <= 0) return { lower: 0, upper: 1 };
  const p = x / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

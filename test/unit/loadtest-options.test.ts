/** `npm run loadtest` options and the throughput config they produce (--registrations). */
import { describe, expect, it } from "vitest";
import { leftOutPiece, MAX_REGISTRATIONS, OPT_IN_SCENARIOS, parseOptions } from "../../scripts/lib/loadtest/options.ts";
import { throughputConfig } from "../../scripts/lib/loadtest/scenarios.ts";
import { validateConfig } from "../../src/config/validate.ts";

const ORIGINS = ["o1", "o2", "o3"].map((id, i) => ({ id, url: `http://127.0.0.1:${9300 + i}` }));

function options(argv: string[]) {
  const parsed = parseOptions(argv, "2026-12-04");
  if (parsed === "help") throw new Error("unexpected help");
  return parsed;
}

describe("--registrations", () => {
  it("defaults to none and takes up to Edgeway's maximum", () => {
    expect(options([]).registrations).toBe(0);
    expect(options(["--registrations", "1000"]).registrations).toBe(MAX_REGISTRATIONS);
  });

  it("refuses more than the maximum, fractions and negatives, naming the option", () => {
    expect(() => options(["--registrations", "1001"])).toThrow(/--registrations must be at most 1000/);
    expect(() => options(["--registrations", "2.5"])).toThrow(/--registrations/);
    expect(() => options(["--registrations", "-1"])).toThrow(/--registrations/);
  });

  it("gives the weighted pool a registration policy for that many origins on 127.0.0.1, and the config validates", () => {
    const withPolicy = throughputConfig(ORIGINS, 1000) as { pools: { id: string; registration?: { maxOrigins: number } }[] };
    expect(withPolicy.pools.find((p) => p.id === "weighted")?.registration?.maxOrigins).toBe(1000);
    expect(validateConfig(withPolicy).ok).toBe(true);
    const without = throughputConfig(ORIGINS) as { pools: { registration?: unknown }[] };
    expect(without.pools.every((p) => p.registration === undefined)).toBe(true);
    expect(validateConfig(without).ok).toBe(true);
  });

  it("gives this checkout's Edgeway the routes a baseline build may not know (/rules, /continue), and that config validates too", () => {
    const current = throughputConfig(ORIGINS, 0, true) as { routes: { id: string; traceContext?: string }[] };
    expect(current.routes.find((r) => r.id === "continue")?.traceContext).toBe("continue");
    expect(current.routes.some((r) => r.id === "rules")).toBe(true);
    expect(validateConfig(current).ok).toBe(true);
    const baseline = throughputConfig(ORIGINS) as { routes: { id: string }[] };
    expect(baseline.routes.some((r) => r.id === "continue" || r.id === "rules")).toBe(false);
  });
});

describe("--baseline", () => {
  it("adds the baseline's runs beside the Edgeway scenarios it has a counterpart for", () => {
    const o = options(["--baseline", "/tmp/base", "--only", "passthrough,edgeway-weighted"]);
    expect(o.baseline).toBe("/tmp/base");
    expect(o.scenarios).toEqual(["passthrough", "edgeway-weighted", "edgeway-baseline-weighted"]);
    expect(options(["--baseline", "/tmp/base"]).scenarios).toContain("edgeway-baseline-latency");
  });

  it("runs no baseline scenario without --baseline, and refuses --baseline with nothing to compare", () => {
    expect(options([]).scenarios.some((s) => s.startsWith("edgeway-baseline-"))).toBe(false);
    expect(options(["--only", "edgeway-baseline-weighted"]).scenarios).toEqual([]);
    expect(() => options(["--baseline", "/tmp/base", "--only", "minimal"])).toThrow(/--baseline needs edgeway-weighted or edgeway-latency/);
  });
});

describe("the minimal workers' pieces", () => {
  it("names the piece each -no- scenario leaves out, for the minimal worker and minimal-headers alike", () => {
    expect(leftOutPiece("minimal-no-timeout")).toBe("timeout");
    expect(leftOutPiece("minimal-headers-no-ids")).toBe("ids");
    expect(leftOutPiece("minimal-headers-no-spread")).toBe("spread");
    expect(leftOutPiece("minimal-headers")).toBeUndefined();
    expect(leftOutPiece("minimal")).toBeUndefined();
  });

  it("runs the header floor and its pieces only when --only names them", () => {
    for (const s of ["minimal-headers", "minimal-headers-no-ids", "minimal-headers-no-looks", "minimal-headers-no-spread"] as const)
      expect(OPT_IN_SCENARIOS).toContain(s);
    expect(options([]).scenarios).not.toContain("minimal-headers");
    expect(options(["--only", "minimal,minimal-headers-no-ids"]).scenarios).toEqual(["minimal", "minimal-headers-no-ids"]);
  });
});

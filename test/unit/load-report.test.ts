/** The ORCA `endpoint-load-metrics` parser: TEXT and JSON forms, per-field ranges, and never a throw. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_LOAD_REPORT_CHARS, parseLoadReport, utilizationOf } from "../../src/steering/load-report.ts";
import type { LoadReport } from "../../src/steering/load-report.ts";

const ZERO: LoadReport = { cpuUtilization: 0, memUtilization: 0, applicationUtilization: 0, rpsFractional: 0, eps: 0 };

describe("parseLoadReport: good reports", () => {
  it("reads the TEXT form with every standard field", () => {
    expect(parseLoadReport("TEXT cpu_utilization=0.3, mem_utilization=0.8, rps_fractional=10, eps=1, application_utilization=0.5")).toEqual(
      {
        cpuUtilization: 0.3,
        memUtilization: 0.8,
        rpsFractional: 10,
        eps: 1,
        applicationUtilization: 0.5,
      },
    );
  });

  it("reads Envoy's older name:value TEXT entries, and leaves missing fields at 0 (proto3's default)", () => {
    expect(parseLoadReport("TEXT cpu_utilization:0.25,rps_fractional:4")).toEqual({ ...ZERO, cpuUtilization: 0.25, rpsFractional: 4 });
  });

  it("skips metrics Edgeway does not use (named_metrics.*) but still requires them to be numbers", () => {
    expect(parseLoadReport("TEXT cpu_utilization=0.5, named_metrics.queue=12, rps_fractional=2")).toEqual({
      ...ZERO,
      cpuUtilization: 0.5,
      rpsFractional: 2,
    });
    expect(parseLoadReport("TEXT cpu_utilization=0.5, named_metrics.queue=lots")).toBe("malformed");
  });

  it("reads the JSON form in proto names and in proto3 JSON's lowerCamelCase, numbers as strings too", () => {
    expect(parseLoadReport('JSON {"cpu_utilization":0.3,"rps_fractional":10,"eps":0.5}')).toEqual({
      ...ZERO,
      cpuUtilization: 0.3,
      rpsFractional: 10,
      eps: 0.5,
    });
    expect(parseLoadReport('JSON {"cpuUtilization":"0.7","rpsFractional":3,"namedMetrics":{"x":1}}')).toEqual({
      ...ZERO,
      cpuUtilization: 0.7,
      rpsFractional: 3,
    });
  });

  it("accepts cpu utilization above 1 (beyond the origin's soft limit, as ORCA allows) up to 100", () => {
    expect(parseLoadReport("TEXT cpu_utilization=1.5")).toEqual({ ...ZERO, cpuUtilization: 1.5 });
    expect(parseLoadReport("TEXT cpu_utilization=100")).toEqual({ ...ZERO, cpuUtilization: 100 });
  });
});

describe("parseLoadReport: bad reports are named, never thrown", () => {
  it.each([
    ["negative cpu", "TEXT cpu_utilization=-0.1", "out_of_range"],
    ["cpu above 100", "TEXT cpu_utilization=101", "out_of_range"],
    ["application utilization above 100", "TEXT application_utilization=250", "out_of_range"],
    ["memory above 1 (a fraction)", "TEXT mem_utilization=1.01", "out_of_range"],
    ["negative rps", "TEXT rps_fractional=-3", "out_of_range"],
    ["negative eps", 'JSON {"eps":-1}', "out_of_range"],
    ["NaN", "TEXT cpu_utilization=NaN", "out_of_range"],
    ["infinity", "TEXT rps_fractional=inf", "out_of_range"],
    ["overflow to infinity", "TEXT rps_fractional=1e999", "out_of_range"],
    ["proto3 JSON NaN", 'JSON {"cpu_utilization":"NaN"}', "out_of_range"],
    ["a word for a number", "TEXT cpu_utilization=high", "malformed"],
    ["hex", "TEXT cpu_utilization=0x1", "malformed"],
    ["an empty value", "TEXT cpu_utilization=", "malformed"],
    ["a name without value", "TEXT cpu_utilization", "malformed"],
    ["a metric twice", "TEXT cpu_utilization=0.1, cpu_utilization=0.2", "malformed"],
    ["a metric twice in two spellings", 'JSON {"cpu_utilization":0.1,"cpuUtilization":0.2}', "malformed"],
    ["garbage text", "hello world", "malformed"],
    ["no format", "cpu_utilization=0.3", "malformed"],
    ["JSON that is not an object", "JSON [1,2]", "malformed"],
    ["broken JSON", 'JSON {"cpu_utilization":', "malformed"],
    ["a JSON value of the wrong type", 'JSON {"cpu_utilization":true}', "malformed"],
    ["the binary form", "BIN CgQIARAB", "unsupported"],
    ["an empty header", "", "malformed"],
  ])("%s", (_name, header, problem) => {
    expect(parseLoadReport(header)).toBe(problem);
  });

  it("refuses a 10 KB header before reading it", () => {
    const huge = `TEXT cpu_utilization=0.5, ${"named_metrics.x=1, ".repeat(600)}`;
    expect(huge.length).toBeGreaterThan(10_000);
    expect(parseLoadReport(huge)).toBe("too_large");
    expect(parseLoadReport(`TEXT cpu_utilization=0.5${" ".repeat(MAX_LOAD_REPORT_CHARS)}`)).toBe("too_large");
  });

  it("never throws, and a report it accepts always has every field finite and in range (property)", () => {
    const number = fc.oneof(
      fc.double().map(String),
      fc.constantFrom("NaN", "-inf", "1e999", "", "0x10", "-0", ".5", "5."),
      fc.integer({ min: -5, max: 200 }).map(String),
    );
    const name = fc.constantFrom(
      "cpu_utilization",
      "mem_utilization",
      "application_utilization",
      "rps_fractional",
      "eps",
      "named_metrics.q",
      "",
    );
    const textReport = fc
      .array(fc.tuple(name, fc.constantFrom("=", ":", ""), number), { maxLength: 8 })
      .map((entries) => `TEXT ${entries.map(([n, sep, v]) => `${n}${sep}${v}`).join(", ")}`);
    const jsonReport = fc
      .dictionary(name, fc.oneof(fc.double(), number, fc.boolean(), fc.constant(null)))
      .map((o) => `JSON ${JSON.stringify(o)}`);
    const header = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      textReport,
      jsonReport,
      fc.string().map((s) => `JSON ${s}`),
    );
    fc.assert(
      fc.property(header, (value) => {
        const result = parseLoadReport(value);
        if (typeof result === "string") return ["malformed", "out_of_range", "too_large", "unsupported"].includes(result);
        const { cpuUtilization, memUtilization, applicationUtilization, rpsFractional, eps } = result;
        return (
          [cpuUtilization, memUtilization, applicationUtilization, rpsFractional, eps].every((v) => Number.isFinite(v) && v >= 0) &&
          memUtilization <= 1 &&
          cpuUtilization <= 100 &&
          applicationUtilization <= 100
        );
      }),
      { numRuns: 2_000, seed: 13 },
    );
  });
});

describe("utilizationOf", () => {
  it("prefers the application's own utilization when it reports one above 0, as Envoy", () => {
    expect(utilizationOf({ ...ZERO, cpuUtilization: 0.9, applicationUtilization: 0.2 })).toBe(0.2);
    expect(utilizationOf({ ...ZERO, cpuUtilization: 0.9 })).toBe(0.9);
  });
});

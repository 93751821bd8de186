import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/observe/metrics.ts";
import { parsePrometheus } from "../../scripts/lib/prometheus.ts";
import type { ParsedMetrics } from "../../scripts/lib/prometheus.ts";

function valueOf(parsed: ParsedMetrics, name: string, labels: Record<string, string>): number | undefined {
  return parsed.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()))?.value;
}

describe("Metrics.render", () => {
  it("renders nothing but a newline when empty", () => {
    expect(new Metrics().render()).toBe("\n");
  });

  it("writes HELP and TYPE lines before each family's samples", () => {
    const m = new Metrics();
    m.inc("edgeway_requests_total", "Requests proxied.", { route: "api" });
    m.set("edgeway_origin_healthy", "1 when the origin is healthy.", { origin: "aws-use1" }, 1);
    const text = m.render();
    expect(text).toBe(
      [
        "# HELP edgeway_requests_total Requests proxied.",
        "# TYPE edgeway_requests_total counter",
        'edgeway_requests_total{route="api"} 1',
        "# HELP edgeway_origin_healthy 1 when the origin is healthy.",
        "# TYPE edgeway_origin_healthy gauge",
        'edgeway_origin_healthy{origin="aws-use1"} 1',
        "",
      ].join("\n"),
    );
    const parsed = parsePrometheus(text);
    expect(parsed.type.get("edgeway_requests_total")).toBe("counter");
    expect(parsed.type.get("edgeway_origin_healthy")).toBe("gauge");
    expect(parsed.help.get("edgeway_requests_total")).toBe("Requests proxied.");
  });

  it("renders a sample without labels bare", () => {
    const m = new Metrics();
    m.inc("edgeway_unmatched_requests_total", "Unmatched.");
    expect(m.render()).toContain("\nedgeway_unmatched_requests_total 1\n");
  });

  it("escapes quotes, backslashes and newlines in label values, and they round-trip", () => {
    const nasty = 'a "quoted" C:\\path\\ and\na newline \\n literal';
    const m = new Metrics();
    m.inc("edgeway_test_total", "Test.", { value: nasty, plain: "ok" });
    const text = m.render();
    expect(text).toContain('value="a \\"quoted\\" C:\\\\path\\\\ and\\na newline \\\\n literal"');
    expect(text.split("\n")).toHaveLength(4);
    const parsed = parsePrometheus(text);
    expect(parsed.samples).toHaveLength(1);
    expect(parsed.samples[0]?.labels).toEqual({ value: nasty, plain: "ok" });
  });

  it("counters add up per label set, whatever the label order", () => {
    const m = new Metrics();
    for (let i = 0; i < 7; i++) m.inc("edgeway_requests_total", "Requests.", { route: "api", origin: "a" });
    m.inc("edgeway_requests_total", "Requests.", { origin: "a", route: "api" }, 3);
    m.inc("edgeway_requests_total", "Requests.", { route: "api", origin: "b" }, 2);
    const parsed = parsePrometheus(m.render());
    expect(valueOf(parsed, "edgeway_requests_total", { route: "api", origin: "a" })).toBe(10);
    expect(valueOf(parsed, "edgeway_requests_total", { route: "api", origin: "b" })).toBe(2);
    expect(parsed.samples).toHaveLength(2);
    expect(parsed.samples.reduce((sum, s) => sum + s.value, 0)).toBe(12);
  });

  it("gauges are set, not added, and clear drops their series", () => {
    const m = new Metrics();
    m.set("edgeway_origin_healthy", "Health.", { origin: "a" }, 1);
    m.set("edgeway_origin_healthy", "Health.", { origin: "a" }, 0);
    m.set("edgeway_origin_healthy", "Health.", { origin: "b" }, 1);
    expect(valueOf(parsePrometheus(m.render()), "edgeway_origin_healthy", { origin: "a" })).toBe(0);
    m.clear("edgeway_origin_healthy");
    m.set("edgeway_origin_healthy", "Health.", { origin: "c" }, 1);
    const parsed = parsePrometheus(m.render());
    expect(parsed.samples.map((s) => s.labels.origin)).toEqual(["c"]);
  });

  it("the whole output of a busy registry parses", () => {
    const m = new Metrics();
    for (const route of ["api", "web", 'we"ird']) {
      for (const status of ["2xx", "5xx"]) m.inc("edgeway_requests_total", "Requests.", { route, status_class: status }, 5);
    }
    m.set("edgeway_snapshot_age_seconds", "Age of the health snapshot.", {}, 1.5);
    const parsed = parsePrometheus(m.render());
    expect(parsed.samples).toHaveLength(7);
    expect(valueOf(parsed, "edgeway_snapshot_age_seconds", {})).toBe(1.5);
    expect(valueOf(parsed, "edgeway_requests_total", { route: 'we"ird', status_class: "5xx" })).toBe(5);
  });
});

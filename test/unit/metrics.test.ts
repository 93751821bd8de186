/**
 * The metrics registry (counters, gauges, histograms, series handles), its Prometheus
 * text, the strict reader that parses it back, and the request path's cached handles.
 */
import { describe, expect, it } from "vitest";
import { formatValue, Metrics } from "../../src/observe/metrics.ts";
import { ORIGIN_LATENCY_BUCKETS_SECONDS, RequestMetrics, statusClass } from "../../src/observe/request-metrics.ts";
import { histogramOf, parsePrometheus, sumMetric } from "../../scripts/lib/prometheus.ts";
import type { ParsedMetrics } from "../../scripts/lib/prometheus.ts";
import { compile, poolOf, routeOf } from "./helpers/configs.ts";

function metricValue(parsed: ParsedMetrics, name: string, labels: Record<string, string>): number | undefined {
  return parsed.samples.find(
    (s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === JSON.stringify(Object.entries(labels).sort()),
  )?.value;
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
    expect(metricValue(parsed, "edgeway_requests_total", { route: "api", origin: "a" })).toBe(10);
    expect(metricValue(parsed, "edgeway_requests_total", { route: "api", origin: "b" })).toBe(2);
    expect(parsed.samples).toHaveLength(2);
    expect(parsed.samples.reduce((sum, s) => sum + s.value, 0)).toBe(12);
  });

  it("gauges are set, not added, and clear drops their series", () => {
    const m = new Metrics();
    m.set("edgeway_origin_healthy", "Health.", { origin: "a" }, 1);
    m.set("edgeway_origin_healthy", "Health.", { origin: "a" }, 0);
    m.set("edgeway_origin_healthy", "Health.", { origin: "b" }, 1);
    expect(metricValue(parsePrometheus(m.render()), "edgeway_origin_healthy", { origin: "a" })).toBe(0);
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
    expect(metricValue(parsed, "edgeway_snapshot_age_seconds", {})).toBe(1.5);
    expect(metricValue(parsed, "edgeway_requests_total", { route: 'we"ird', status_class: "5xx" })).toBe(5);
  });
});

describe("series handles", () => {
  it("the same labels, in any order, give the same handle; its inc and the registry's inc add up", () => {
    const m = new Metrics();
    const requests = m.counter("edgeway_requests_total", "Requests.");
    const a = requests.series({ route: "api", origin: "a" });
    expect(requests.series({ origin: "a", route: "api" })).toBe(a);
    a.inc();
    a.inc(4);
    m.inc("edgeway_requests_total", "Requests.", { origin: "a", route: "api" }, 2);
    expect(a.value).toBe(7);
    expect(m.render()).toBe(
      [
        "# HELP edgeway_requests_total Requests.",
        "# TYPE edgeway_requests_total counter",
        'edgeway_requests_total{origin="a",route="api"} 7',
        "",
      ].join("\n"),
    );
  });

  it("a counter refuses to go down, and a name keeps its type", () => {
    const m = new Metrics();
    const series = m.counter("edgeway_x_total", "X.").series();
    expect(() => series.inc(-1)).toThrow(RangeError);
    expect(() => series.inc(Number.NaN)).toThrow(RangeError);
    expect(series.value).toBe(0);
    expect(() => m.gauge("edgeway_x_total", "X.")).toThrow(/is a counter, not a gauge/);
    m.histogram("edgeway_h_seconds", "H.", [1, 2]);
    expect(() => m.histogram("edgeway_h_seconds", "H.", [1, 3])).toThrow(/other buckets/);
  });

  it("a family whose series were cleared is left out of the text", () => {
    const m = new Metrics();
    m.set("edgeway_origin_weight", "Weight.", { origin: "a" }, 3);
    m.clear("edgeway_origin_weight");
    expect(m.render()).toBe("\n");
  });

  it("render(...also) appends scrape registries after this one, and refuses a name in two", () => {
    const isolateMetrics = new Metrics();
    isolateMetrics.inc("edgeway_requests_total", "Requests.", { route: "r" });
    const scrape = new Metrics();
    scrape.set("edgeway_config_version", "Version.", {}, 4);
    const parsed = parsePrometheus(isolateMetrics.render(scrape));
    expect(parsed.samples.map((s) => s.name)).toEqual(["edgeway_requests_total", "edgeway_config_version"]);
    const clash = new Metrics();
    clash.inc("edgeway_requests_total", "Requests.", { route: "other" });
    expect(() => isolateMetrics.render(clash)).toThrow(/two registries/);
  });

  it("writes infinite and NaN values as Prometheus does, and they parse back", () => {
    expect([
      formatValue(Number.POSITIVE_INFINITY),
      formatValue(Number.NEGATIVE_INFINITY),
      formatValue(Number.NaN),
      formatValue(0.0025),
    ]).toEqual(["+Inf", "-Inf", "NaN", "0.0025"]);
    const m = new Metrics();
    m.set("edgeway_g", "G.", { k: "up" }, Number.POSITIVE_INFINITY);
    m.set("edgeway_g", "G.", { k: "down" }, Number.NEGATIVE_INFINITY);
    m.set("edgeway_g", "G.", { k: "nan" }, Number.NaN);
    const values = parsePrometheus(m.render()).samples.map((s) => s.value);
    expect(values.slice(0, 2)).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(values[2]).toBeNaN();
  });
});

describe("histograms", () => {
  it("render cumulative buckets with le among the sorted labels, then _sum and _count", () => {
    const m = new Metrics();
    const latency = m.histogram("edgeway_origin_latency_seconds", "Latency.", [0.01, 0.1, 1]).series({ pool: "p", origin: "a" });
    const values = [0.005, 0.01, 0.05, 0.5, 0.5, 3];
    for (const v of values) latency.observe(v);
    const sum = values.reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(4.065, 12);
    expect(m.render()).toBe(
      [
        "# HELP edgeway_origin_latency_seconds Latency.",
        "# TYPE edgeway_origin_latency_seconds histogram",
        'edgeway_origin_latency_seconds_bucket{le="0.01",origin="a",pool="p"} 2',
        'edgeway_origin_latency_seconds_bucket{le="0.1",origin="a",pool="p"} 3',
        'edgeway_origin_latency_seconds_bucket{le="1",origin="a",pool="p"} 5',
        'edgeway_origin_latency_seconds_bucket{le="+Inf",origin="a",pool="p"} 6',
        `edgeway_origin_latency_seconds_sum{origin="a",pool="p"} ${sum}`,
        'edgeway_origin_latency_seconds_count{origin="a",pool="p"} 6',
        "",
      ].join("\n"),
    );
    expect(latency.count).toBe(6);
  });

  it("a bound is inclusive (le), NaN is not counted, and values above every bound land in +Inf only", () => {
    const m = new Metrics();
    const h = m.histogram("edgeway_h", "H.", [1, 2]).series();
    h.observe(1);
    h.observe(2);
    h.observe(Number.NaN);
    h.observe(1e9);
    const parsed = histogramOf(parsePrometheus(m.render()).samples, "edgeway_h");
    expect(parsed.buckets).toEqual([
      { le: 1, count: 1 },
      { le: 2, count: 2 },
      { le: Number.POSITIVE_INFINITY, count: 3 },
    ]);
    expect(parsed.count).toBe(3);
    expect(parsed.sum).toBe(1e9 + 3);
  });

  it("escapes label values in every bucket line, and they round-trip", () => {
    const nasty = 'o"1\\x\ny';
    const m = new Metrics();
    m.histogram("edgeway_h", "H.", [0.5]).series({ origin: nasty }).observe(0.1);
    const parsed = parsePrometheus(m.render());
    expect(parsed.samples).toHaveLength(4);
    for (const s of parsed.samples) expect(s.labels.origin).toBe(nasty);
    expect(histogramOf(parsed.samples, "edgeway_h", { origin: nasty }).buckets.map((b) => b.count)).toEqual([1, 1]);
  });

  it("refuses bad buckets and an le label", () => {
    const m = new Metrics();
    expect(() => m.histogram("edgeway_a", "A.", [])).toThrow(RangeError);
    expect(() => m.histogram("edgeway_b", "B.", [1, 1])).toThrow(/increasing/);
    expect(() => m.histogram("edgeway_c", "C.", [1, Number.POSITIVE_INFINITY])).toThrow(/finite/);
    expect(() => m.histogram("edgeway_d", "D.", [1]).series({ le: "1" })).toThrow(/reserved/);
  });

  it("the origin latency buckets rise, and start below the Prometheus default's first (5 ms)", () => {
    const b = ORIGIN_LATENCY_BUCKETS_SECONDS;
    for (let i = 1; i < b.length; i++) expect(b[i]).toBeGreaterThan(b[i - 1] ?? Number.POSITIVE_INFINITY);
    expect(b[0]).toBeLessThan(0.005);
    // Every Prometheus client default bucket is kept, so dashboards built on them still line up.
    for (const d of [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]) expect(b).toContain(d);
  });
});

describe("parsePrometheus on histograms", () => {
  const head = "# HELP h H.\n# TYPE h histogram\n";
  it("accepts a well-formed histogram", () => {
    const parsed = parsePrometheus(`${head}h_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3.5\nh_count 2\n`);
    expect(sumMetric(parsed.samples, "h_count")).toBe(2);
  });
  it.each([
    ["buckets that fall", 'h_bucket{le="1"} 3\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 2\n', /cumulative/],
    ["le that does not rise", 'h_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n', /does not rise/],
    ["no +Inf bucket", 'h_bucket{le="1"} 1\nh_sum 1\nh_count 1\n', /\+Inf/],
    ["+Inf differing from _count", 'h_bucket{le="+Inf"} 2\nh_sum 1\nh_count 3\n', /differs from _count/],
    ["no _sum", 'h_bucket{le="+Inf"} 1\nh_count 1\n', /no _sum/],
    ["a bucket without le", "h_bucket 1\nh_sum 1\nh_count 1\n", /without an le/],
    ["a bare histogram sample", "h 1\n", /_bucket, _sum or _count/],
  ])("rejects %s", (_, body, message) => {
    expect(() => parsePrometheus(`${head}${body}`)).toThrow(message);
  });
  it("rejects a _bucket sample of a family that is not a histogram, and a value that is not a number", () => {
    expect(() => parsePrometheus("# TYPE c counter\nc_bucket 1\n")).toThrow(/before its TYPE/);
    expect(() => parsePrometheus("# TYPE c counter\nc 0x10\n")).toThrow(/not a number/);
  });
});

describe("the request path's handles", () => {
  const config = compile({
    origins: [
      { id: "a", url: "http://a.test" },
      { id: "b", url: "http://b.test" },
    ],
    pools: [
      { id: "p", origins: ["a", "b"] },
      { id: "q", origins: ["a"] },
    ],
    routes: [{ id: "r", pools: ["p", "q"] }],
  });
  const route = routeOf(config);
  const p = poolOf(config, "p");
  const q = poolOf(config, "q");
  const origin = (id: string) => config.origins.get(id) ?? expect.unreachable(`no origin ${id}`);

  it("are made once per route, pool and origin, and write the README's labels", () => {
    const m = new Metrics();
    const rm = new RequestMetrics(m);
    const series = rm.route(route);
    expect(rm.route(route)).toBe(series);
    const pa = series.path(p, origin("a"));
    expect(series.path(p, origin("a"))).toBe(pa);
    expect(series.path(q, origin("a"))).not.toBe(pa);
    expect(pa.tries("response")).toBe(pa.tries("response"));
    expect(pa.requests(503)).toBe(pa.requests(599));

    pa.tries("response").inc();
    pa.requests(200).inc();
    pa.latency.observe(0.02);
    series.path(q, origin("a")).latency.observe(0.2);
    series.path(undefined, undefined).requests(503).inc();
    pa.retries(503).inc();
    series.retriesSkipped("budget").inc();
    rm.unmatched.inc();
    const parsed = parsePrometheus(m.render());
    expect(sumMetric(parsed.samples, "edgeway_requests_total", { route: "r", pool: "p", origin: "a", status_class: "2xx" })).toBe(1);
    expect(sumMetric(parsed.samples, "edgeway_requests_total", { route: "r", pool: "none", origin: "none", status_class: "5xx" })).toBe(1);
    expect(sumMetric(parsed.samples, "edgeway_origin_tries_total", { route: "r", origin: "a", outcome: "response" })).toBe(1);
    expect(sumMetric(parsed.samples, "edgeway_retries_total", { route: "r", origin: "a", reason: "503" })).toBe(1);
    expect(sumMetric(parsed.samples, "edgeway_retries_skipped_total", { route: "r", reason: "budget" })).toBe(1);
    expect(sumMetric(parsed.samples, "edgeway_unmatched_requests_total")).toBe(1);
    // The latency histogram is per origin and pool: a's tries through p and through q stay apart.
    expect(histogramOf(parsed.samples, "edgeway_origin_latency_seconds", { origin: "a", pool: "p" }).count).toBe(1);
    expect(histogramOf(parsed.samples, "edgeway_origin_latency_seconds", { origin: "a" }).count).toBe(2);
    // Series nothing moved are not rendered: no hedges, no panic, no ejections.
    expect(
      parsed.samples.some(
        (s) => s.name === "edgeway_hedges_total" || s.name === "edgeway_panic_total" || s.name === "edgeway_ejections_total",
      ),
    ).toBe(false);
  });

  it("a new compiled route (a new config version) gets new handles onto the same series", () => {
    const m = new Metrics();
    const rm = new RequestMetrics(m);
    const next = compile(
      { origins: [{ id: "a", url: "http://a.test" }], pools: [{ id: "p", origins: ["a"] }], routes: [{ id: "r", pools: ["p"] }] },
      2,
    );
    rm.route(route).path(p, origin("a")).requests(200).inc();
    const again = rm.route(routeOf(next)).path(poolOf(next, "p"), next.origins.get("a"));
    expect(again).not.toBe(rm.route(route).path(p, origin("a")));
    again.requests(204).inc();
    expect(
      sumMetric(parsePrometheus(m.render()).samples, "edgeway_requests_total", { route: "r", pool: "p", origin: "a", status_class: "2xx" }),
    ).toBe(2);
  });

  it("status classes", () => {
    expect([100, 204, 302, 404, 503, 599].map(statusClass)).toEqual(["1xx", "2xx", "3xx", "4xx", "5xx", "5xx"]);
  });
});

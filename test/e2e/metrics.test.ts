/**
 * /_edgeway/metrics checked against the traffic that made it: a known mix of requests
 * through real origins (o27 weight 3, o28 weight 1; o28 then answering 503, which GETs
 * retry and POSTs do not), then the scrape parsed with the strict Prometheus reader and
 * every count compared with what the client saw and what the origins served. A cron
 * probe round then moves the probe counters the Durable Object keeps; a self-registered
 * origin is counted like a configured one; a Durable Object that fails or hangs costs the
 * scrape its probe series and counts a fail-static event.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, inject, it } from "vitest";
import worker from "../../src/index.ts";
import { ADMIN_TOKEN } from "../worker/helpers.ts";
import { admin, originRequests, probeRound, proxied, setOriginMode, useConfig } from "../worker/helpers.ts";
import { histogramOf, parsePrometheus, sumMetric } from "../../scripts/lib/prometheus.ts";
import type { MetricSample } from "../../scripts/lib/prometheus.ts";

const ROUTE = "mix";
const ORIGINS = ["o27", "o28"] as const;

async function scrape(): Promise<readonly MetricSample[]> {
  const res = await admin("/metrics");
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text}`);
  if (!(res.headers.get("content-type") ?? "").startsWith("text/plain; version=0.0.4"))
    throw new Error(`content-type ${res.headers.get("content-type")}`);
  return parsePrometheus(text).samples;
}

/** What the client saw, per origin. */
class Seen {
  /** `<origin> <status class>` → responses. */
  readonly responses = new Map<string, number>();
  /** Tries the responses say were sent (x-edgeway-tries, else 1). */
  tries = 0;
  /** Responses that needed a second try. */
  retried = 0;
  /** Responses whose retryable failure was not retried because of the method. */
  skippedForMethod = 0;

  async send(path: string, init: RequestInit = {}): Promise<void> {
    const res = await proxied(path, init);
    await res.arrayBuffer();
    const origin = res.headers.get("x-edgeway-origin") ?? "none";
    const key = `${origin} ${Math.floor(res.status / 100)}xx`;
    this.responses.set(key, (this.responses.get(key) ?? 0) + 1);
    const tries = Number(res.headers.get("x-edgeway-tries") ?? "1");
    this.tries += tries;
    if (tries > 1) this.retried++;
    if (res.headers.get("x-edgeway-retry-skipped") === "method") this.skippedForMethod++;
  }
}

/** The change of a metric between two scrapes. */
function delta(
  before: readonly MetricSample[],
  after: readonly MetricSample[],
  name: string,
  match: Readonly<Record<string, string>>,
): number {
  return sumMetric(after, name, match) - sumMetric(before, name, match);
}

describe("metrics match the traffic", () => {
  it("requests, tries, retries and latency histograms per origin add up to what was sent", async ({ expect }) => {
    const all = inject("origins");
    const urls = { o27: all.o27 ?? "", o28: all.o28 ?? "" };
    const version = await useConfig({
      origins: [
        { id: "o27", url: urls.o27, weight: 3 },
        { id: "o28", url: urls.o28, weight: 1 },
      ],
      monitors: [{ id: "http", path: "/healthz", timeoutMs: 1000, unhealthyThreshold: 1, healthyThreshold: 1 }],
      // Outlier detection off: o28 keeps its share while it fails, so retries keep happening.
      pools: [{ id: "main", origins: ["o27", "o28"], monitor: "http", outlierDetection: { enabled: false } }],
      routes: [{ id: ROUTE, pools: ["main"] }],
    });
    const servedBefore = { o27: await originRequests(urls.o27), o28: await originRequests(urls.o28) };
    const before = await scrape();
    const seen = new Seen();
    const started = Date.now();
    try {
      for (let i = 0; i < 24; i++) await seen.send(`/ok/${i}`);
      await setOriginMode(urls.o28, "fail");
      // GETs that land on o28 are retried on o27; POSTs are not (not idempotent), so o28's 503 reaches the client.
      for (let i = 0; i < 16; i++) await seen.send(`/get/${i}`);
      for (let i = 0; i < 8; i++) await seen.send(`/post/${i}`, { method: "POST", body: "x" });
    } finally {
      await setOriginMode(urls.o28, "ok");
    }
    const elapsedSeconds = (Date.now() - started) / 1000;
    const after = await scrape();
    const served = { o27: (await originRequests(urls.o27)) - servedBefore.o27, o28: (await originRequests(urls.o28)) - servedBefore.o28 };

    // The mix did what it was meant to: both origins served, o28 failed, GETs were retried, POSTs were not.
    expect(seen.responses.get("o27 2xx") ?? 0).toBeGreaterThan(0);
    expect(seen.responses.get("o28 2xx") ?? 0).toBeGreaterThan(0);
    expect(seen.responses.get("o28 5xx") ?? 0).toBeGreaterThan(0);
    expect(seen.retried).toBeGreaterThan(0);
    expect(seen.skippedForMethod).toBe(seen.responses.get("o28 5xx"));

    // edgeway_requests_total per origin and status class equals what the client saw.
    const counted = new Map<string, number>();
    for (const origin of [...ORIGINS, "none"]) {
      for (const cls of ["2xx", "3xx", "4xx", "5xx"]) {
        const n = delta(before, after, "edgeway_requests_total", { route: ROUTE, origin, status_class: cls });
        if (n !== 0) counted.set(`${origin} ${cls}`, n);
      }
    }
    expect(counted).toEqual(seen.responses);
    expect(delta(before, after, "edgeway_requests_total", { route: ROUTE, pool: "main" })).toBe(48);

    // Tries: per origin, the counter, the histogram's _count and the origin's own count agree;
    // in all, they are the tries the responses reported.
    for (const origin of ORIGINS) {
      const tries = delta(before, after, "edgeway_origin_tries_total", { route: ROUTE, origin });
      const latencyCount = delta(before, after, "edgeway_origin_latency_seconds_count", { origin, pool: "main" });
      expect({ origin, tries, latencyCount }).toEqual({ origin, tries: served[origin], latencyCount: served[origin] });
    }
    expect(served.o27 + served.o28).toBe(seen.tries);
    // Every retry was of a 503 from o28; every skipped one was a POST.
    expect(delta(before, after, "edgeway_retries_total", { route: ROUTE, origin: "o28", reason: "503" })).toBe(seen.retried);
    expect(delta(before, after, "edgeway_retries_total", { route: ROUTE, origin: "o27" })).toBe(0);
    expect(delta(before, after, "edgeway_retries_skipped_total", { route: ROUTE, reason: "method" })).toBe(seen.skippedForMethod);
    expect(delta(before, after, "edgeway_hedges_total", { route: ROUTE })).toBe(0);

    // The histograms: cumulative, monotone, +Inf equal to _count, and a _sum no larger than the
    // time the (sequential) tries could have taken.
    for (const origin of ORIGINS) {
      const h = histogramOf(after, "edgeway_origin_latency_seconds", { origin, pool: "main" });
      expect(h.buckets.length).toBeGreaterThan(1);
      for (let i = 1; i < h.buckets.length; i++) {
        expect(h.buckets[i]?.le).toBeGreaterThan(h.buckets[i - 1]?.le ?? Number.POSITIVE_INFINITY);
        expect(h.buckets[i]?.count).toBeGreaterThanOrEqual(h.buckets[i - 1]?.count ?? Number.POSITIVE_INFINITY);
      }
      expect(h.buckets.at(-1)).toEqual({ le: Number.POSITIVE_INFINITY, count: h.count });
      const sumDelta = delta(before, after, "edgeway_origin_latency_seconds_sum", { origin, pool: "main" });
      expect(sumDelta).toBeGreaterThanOrEqual(0);
      expect(sumDelta).toBeLessThanOrEqual(elapsedSeconds + 1e-9);
    }

    // Gauges of this scrape: config version, effective weights, health, ejection.
    expect(sumMetric(after, "edgeway_config_version")).toBe(version);
    expect(sumMetric(after, "edgeway_origin_weight", { origin: "o27" })).toBe(3);
    expect(sumMetric(after, "edgeway_origin_weight", { origin: "o28" })).toBe(1);
    for (const origin of ORIGINS) expect(sumMetric(after, "edgeway_origin_ejected", { origin })).toBe(0);
  });

  it("probe counters move after a probe round, and health follows", async ({ expect }) => {
    const all = inject("origins");
    const urls = { o27: all.o27 ?? "", o28: all.o28 ?? "" };
    await useConfig({
      origins: [
        { id: "o27", url: urls.o27 },
        { id: "o28", url: urls.o28 },
      ],
      monitors: [{ id: "http", path: "/healthz", timeoutMs: 1000, unhealthyThreshold: 1, healthyThreshold: 1 }],
      pools: [{ id: "main", origins: ["o27", "o28"], monitor: "http" }],
      routes: [{ id: ROUTE, pools: ["main"] }],
    });
    await setOriginMode(urls.o28, "fail");
    try {
      const before = await scrape();
      await probeRound();
      const after = await scrape();
      expect(delta(before, after, "edgeway_probes_total", { origin: "o27", result: "pass" })).toBe(1);
      expect(delta(before, after, "edgeway_probes_total", { origin: "o27", result: "fail" })).toBe(0);
      expect(delta(before, after, "edgeway_probes_total", { origin: "o28", result: "fail" })).toBe(1);
      expect(delta(before, after, "edgeway_probes_total", { origin: "o28", result: "pass" })).toBe(0);
      expect(sumMetric(after, "edgeway_origin_healthy", { origin: "o27" })).toBe(1);
      expect(sumMetric(after, "edgeway_origin_healthy", { origin: "o28" })).toBe(0);

      await setOriginMode(urls.o28, "ok");
      await probeRound();
      const recovered = await scrape();
      expect(delta(after, recovered, "edgeway_probes_total", { origin: "o28", result: "pass" })).toBe(1);
      expect(sumMetric(recovered, "edgeway_origin_healthy", { origin: "o28" })).toBe(1);
    } finally {
      await setOriginMode(urls.o28, "ok");
    }
  });
});

/** A Durable Object namespace whose objects' RPCs all `answer` (reject, or never settle). */
function brokenState(answer: () => Promise<never>): Env["ORIGIN_STATE"] {
  return {
    idFromName: (name: string) => env.ORIGIN_STATE.idFromName(name),
    get: () => new Proxy({}, { get: (_target, prop) => (prop === "then" ? undefined : answer) }),
  } as unknown as Env["ORIGIN_STATE"];
}

/** Scrapes with `ORIGIN_STATE` replaced. */
async function scrapeWith(state: Env["ORIGIN_STATE"]): Promise<readonly MetricSample[]> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request("http://edgeway.test/_edgeway/metrics", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }),
    { ...env, ORIGIN_STATE: state } as typeof env,
    ctx,
  );
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${text}`);
  return parsePrometheus(text).samples;
}

describe("registered origins", () => {
  it("count as origins: their requests, health and effective weight are in the metrics", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o27", url: all.o27 }],
      pools: [
        {
          id: "main",
          origins: ["o27"],
          steering: "round_robin",
          registration: { addresses: ["127.0.0.1/32"], weight: { max: 5 } },
        },
      ],
      routes: [{ id: ROUTE, pools: ["main"] }],
    });
    const registered = await admin("/register", {
      method: "POST",
      body: JSON.stringify({ id: "reg-o28", url: all.o28, pool: "main", weight: 2 }),
    });
    expect(registered.status).toBe(201);
    await registered.arrayBuffer();
    try {
      const before = await scrape();
      const seen = new Seen();
      for (let i = 0; i < 6; i++) await seen.send(`/reg/${i}`);
      const after = await scrape();
      expect(seen.responses.get("reg-o28 2xx") ?? 0).toBeGreaterThan(0);
      expect(delta(before, after, "edgeway_requests_total", { route: ROUTE, pool: "main", origin: "reg-o28", status_class: "2xx" })).toBe(
        seen.responses.get("reg-o28 2xx"),
      );
      expect(delta(before, after, "edgeway_origin_latency_seconds_count", { origin: "reg-o28", pool: "main" })).toBe(
        seen.responses.get("reg-o28 2xx"),
      );
      expect(sumMetric(after, "edgeway_origin_weight", { origin: "reg-o28" })).toBe(2);
      expect(sumMetric(after, "edgeway_origin_healthy", { origin: "reg-o28" })).toBe(1);
      expect(sumMetric(after, "edgeway_origin_ejected", { origin: "reg-o28" })).toBe(0);
    } finally {
      await (await admin("/register/reg-o28", { method: "DELETE" })).arrayBuffer();
    }
    // Deregistered: the origin's gauges go with it.
    expect((await scrape()).some((s) => s.name === "edgeway_origin_weight" && s.labels.origin === "reg-o28")).toBe(false);
  });

  it("refused registrations are counted by reason", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o27", url: all.o27 }],
      pools: [
        { id: "open", origins: ["o27"], registration: { addresses: ["127.0.0.1/32"] } },
        { id: "closed", origins: ["o27"] },
      ],
      routes: [{ id: ROUTE, pools: ["open", "closed"] }],
    });
    const refusedBy = (samples: Awaited<ReturnType<typeof scrape>>, reason: string): number =>
      sumMetric(samples, "edgeway_registrations_refused_total", { reason });
    const before = await scrape();
    const attempts: [Record<string, unknown>, number][] = [
      [{ id: "reg-m1", url: all.o28, pool: "closed" }, 403],
      [{ id: "reg-m2", url: "http://169.254.169.254/latest/meta-data", pool: "open" }, 403],
      [{ id: "reg-m3", url: "http://10.1.2.3:8080", pool: "open" }, 403],
      [{ id: "reg-m4", url: all.o28, pool: "open", weight: 9 }, 403],
    ];
    for (const [body, status] of attempts) {
      const res = await admin("/register", { method: "POST", body: JSON.stringify(body) });
      expect(res.status, JSON.stringify(body)).toBe(status);
      await res.arrayBuffer();
    }
    const after = await scrape();
    expect(refusedBy(after, "no_policy") - refusedBy(before, "no_policy")).toBe(1);
    expect(refusedBy(after, "dangerous_address") - refusedBy(before, "dangerous_address")).toBe(1);
    expect(refusedBy(after, "address") - refusedBy(before, "address")).toBe(1);
    expect(refusedBy(after, "weight") - refusedBy(before, "weight")).toBe(1);
  });
});

describe("admin overrides", () => {
  it("the weight gauge is the effective weight: an override, a drain and a disable show at once, and undoing them restores it", async ({
    expect,
  }) => {
    const all = inject("origins");
    await useConfig({
      origins: [
        { id: "o27", url: all.o27, weight: 3 },
        { id: "o28", url: all.o28, weight: 1 },
      ],
      pools: [{ id: "main", origins: ["o27", "o28"] }],
      routes: [{ id: ROUTE, pools: ["main"] }],
    });
    const change = async (method: "POST" | "DELETE", path: string, body?: unknown): Promise<void> => {
      const res = await admin(path, {
        method,
        ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    };
    const weights = async (): Promise<[number, number]> => {
      const samples = await scrape();
      return [
        sumMetric(samples, "edgeway_origin_weight", { origin: "o27" }),
        sumMetric(samples, "edgeway_origin_weight", { origin: "o28" }),
      ];
    };
    try {
      expect(await weights()).toEqual([3, 1]);
      await change("POST", "/origins/o28/weight", { weight: 7, reason: "metrics test" });
      expect(await weights()).toEqual([3, 7]);
      await change("POST", "/origins/o27/drain", { reason: "metrics test" });
      expect(await weights()).toEqual([0, 7]);
      await change("POST", "/origins/o28/disable", { reason: "metrics test" });
      expect(await weights()).toEqual([0, 0]);
    } finally {
      await change("DELETE", "/origins/o27/overrides");
      await change("DELETE", "/origins/o28/overrides");
    }
    expect(await weights()).toEqual([3, 1]);
  });
});

describe("metrics when the Durable Object fails", () => {
  it.for([
    ["throws", () => Promise.reject(new Error("Durable Object is overloaded (test)"))],
    ["hangs", () => new Promise<never>(() => undefined)],
  ] as const)(
    "it %s: the scrape answers without probe series, from this isolate's snapshot, and counts a fail-static event",
    async ([, answer], { expect }) => {
      const all = inject("origins");
      await useConfig({
        origins: [
          { id: "o27", url: all.o27, weight: 2 },
          { id: "o28", url: all.o28 },
        ],
        pools: [{ id: "main", origins: ["o27", "o28"] }],
        routes: [{ id: ROUTE, pools: ["main"] }],
      });
      await probeRound();
      const before = await scrape();
      expect(sumMetric(before, "edgeway_probes_total")).toBeGreaterThan(0);
      const failed = await scrapeWith(brokenState(answer));
      expect(failed.filter((s) => s.name === "edgeway_probes_total")).toEqual([]);
      expect(delta(before, failed, "edgeway_fail_static_total", { component: "durable_object", reason: "metrics_state_unavailable" })).toBe(
        1,
      );
      // The gauges still describe every origin, from the snapshot this isolate holds.
      expect(sumMetric(failed, "edgeway_origin_weight", { origin: "o27" })).toBe(2);
      for (const origin of ORIGINS) expect(sumMetric(failed, "edgeway_origin_healthy", { origin })).toBe(1);
    },
  );
});

describe("ejections", () => {
  // Last in the file: it ejects o28, and ends by bringing it back through a passing probe.
  it("an ejection is counted once and shows in the ejected gauge until a probe brings the origin back", async ({ expect }) => {
    const all = inject("origins");
    const o28 = all.o28 ?? "";
    await useConfig({
      origins: [
        { id: "o27", url: all.o27 },
        { id: "o28", url: o28 },
      ],
      monitors: [{ id: "http", path: "/healthz", timeoutMs: 1000, unhealthyThreshold: 2, healthyThreshold: 1 }],
      pools: [{ id: "main", origins: ["o27", "o28"], monitor: "http", steering: "round_robin" }],
      routes: [{ id: ROUTE, pools: ["main"] }],
    });
    const before = await scrape();
    expect(sumMetric(before, "edgeway_origin_ejected", { origin: "o28" })).toBe(0);
    await setOriginMode(o28, "fail");
    const seen = new Seen();
    try {
      // Round robin sends every other request to o28 first: three 503s in a row eject it
      // (consecutiveGatewayFailure 3); the retries hide them from the client.
      for (let i = 0; i < 10; i++) await seen.send(`/eject/${i}`);
      const after = await scrape();
      expect(seen.responses).toEqual(new Map([["o27 2xx", 10]]));
      expect(delta(before, after, "edgeway_ejections_total", { pool: "main", origin: "o28", kind: "consecutive-gateway-failure" })).toBe(1);
      expect(delta(before, after, "edgeway_origin_tries_total", { route: ROUTE, origin: "o28" })).toBe(3);
      expect(sumMetric(after, "edgeway_origin_ejected", { origin: "o28" })).toBe(1);
      expect(sumMetric(after, "edgeway_origin_ejected", { origin: "o27" })).toBe(0);
    } finally {
      await setOriginMode(o28, "ok");
      // A passing probe ends the ejection (unejectOnProbeSuccess); a request syncs this isolate.
      await probeRound();
      await seen.send("/eject/done");
    }
    expect(sumMetric(await scrape(), "edgeway_origin_ejected", { origin: "o28" })).toBe(0);
  });
});

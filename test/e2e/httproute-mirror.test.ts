/**
 * RequestMirror as the Gateway API's conformance suite holds HTTPRoute implementations to
 * it (conformance/tests/httproute-request-mirror, -request-multiple-mirrors,
 * -request-percentage-mirror), ported against real echo origins on 127.0.0.1: the route's
 * backend (o1) answers the client, and the mirror pools' origins (o39, o40, which only
 * this file uses) must each see a copy within a bounded wait, counted through their
 * request counters. The percentage cases send a bounded number of requests and accept the
 * binomial spread (4 standard deviations). Then what Edgeway adds: a mirror that hangs or
 * fails never slows or fails the client and is counted in edgeway_mirror_requests_total,
 * and the config refuses a mirror to a pool the route already sends to.
 */
import { exports } from "cloudflare:workers";
import { describe, inject, it } from "vitest";
import { parsePrometheus, sumMetric } from "../../scripts/lib/prometheus.ts";
import { admin, originRequests, putConfig, setOriginMode, useConfig } from "../worker/helpers.ts";

const HOST = "mirror.test";
/** How long a copy may take to reach the mirror's origin. */
const DEADLINE_MS = 5_000;

interface Echo {
  readonly origin: string;
  readonly path: string;
  readonly headers: Record<string, string>;
}

const mirror = (pool: string, share: object = {}) => ({ type: "RequestMirror", requestMirror: { pool, ...share } });
const COMBINED_REQUEST_EDITS = {
  type: "RequestHeaderModifier",
  requestHeaderModifier: {
    set: [{ name: "X-Header-Set", value: "set-overwrites-values" }],
    add: [
      { name: "X-Header-Add", value: "header-val-1" },
      { name: "X-Header-Add-Append", value: "header-val-2" },
    ],
    remove: ["X-Header-Remove"],
  },
};

function route(id: string, prefix: string, filters: unknown[]): unknown {
  return { id, match: { host: HOST, pathPrefix: prefix }, pools: ["v1"], filters };
}

function config(origins: Record<string, string>): unknown {
  return {
    origins: [
      { id: "o1", url: origins.o1 },
      { id: "o39", url: origins.o39 },
      { id: "o40", url: origins.o40 },
    ],
    pools: [
      { id: "v1", origins: ["o1"] },
      { id: "shadow", origins: ["o39"] },
      { id: "shadow2", origins: ["o40"] },
    ],
    routes: [
      route("mirror", "/mirror", [mirror("shadow")]),
      route("mirror-headers", "/mirror-and-modify-headers", [COMBINED_REQUEST_EDITS, mirror("shadow")]),
      route("multi-mirror", "/multi-mirror", [mirror("shadow"), mirror("shadow2")]),
      route("multi-mirror-headers", "/multi-mirror-and-modify-request-headers", [
        COMBINED_REQUEST_EDITS,
        mirror("shadow"),
        mirror("shadow2"),
      ]),
      route("percent", "/percent-mirror", [mirror("shadow", { percent: 20 })]),
      route("fraction", "/percent-mirror-fraction", [mirror("shadow", { fraction: { numerator: 25, denominator: 50 } })]),
      route("percent-headers", "/percent-mirror-and-modify-headers", [COMBINED_REQUEST_EDITS, mirror("shadow", { percent: 35 })]),
      route("troubled", "/troubled-mirror", [mirror("shadow2")]),
    ],
  };
}

async function send(path: string, init: RequestInit = {}): Promise<{ status: number; echo: Echo }> {
  const res = await exports.default.fetch(new Request(`http://${HOST}${path}`, init));
  return { status: res.status, echo: (await res.json()) as Echo };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests each origin served, once they stop changing (no change for 400 ms), within DEADLINE_MS. */
async function settledCounts(urls: readonly string[]): Promise<number[]> {
  const deadline = Date.now() + DEADLINE_MS;
  let last = await Promise.all(urls.map(originRequests));
  let stableSince = Date.now();
  while (Date.now() < deadline && Date.now() - stableSince < 400) {
    await sleep(50);
    const now = await Promise.all(urls.map(originRequests));
    if (now.some((n, i) => n !== last[i])) stableSince = Date.now();
    last = now;
  }
  return last;
}

/** Waits until each origin has served `want[i]` requests (or the deadline), then a little longer, and returns the counts. */
async function countsReaching(urls: readonly string[], want: readonly number[]): Promise<number[]> {
  const deadline = Date.now() + DEADLINE_MS;
  while (Date.now() < deadline) {
    const now = await Promise.all(urls.map(originRequests));
    if (now.every((n, i) => n >= (want[i] ?? 0))) break;
    await sleep(25);
  }
  // A little longer: a second copy would show now.
  await sleep(200);
  return Promise.all(urls.map(originRequests));
}

const COMBINED_SENT = {
  "x-header-add": "header-val-1",
  "x-header-add-append": "append-val-1, header-val-2",
  "x-header-set": "set-overwrites-values",
};

describe("RequestMirror (Gateway API conformance cases)", () => {
  it("mirrors every request to one pool, the backend answering the client, with the route's header edits", async ({ expect }) => {
    const origins = inject("origins");
    const shadow = [origins.o39 ?? "", origins.o40 ?? ""];
    await useConfig(config(origins));
    for (const [path, headers, sent] of [
      ["/mirror", {}, {}],
      ["/mirror-and-modify-headers", { "X-Header-Remove": "remove-val", "X-Header-Add-Append": "append-val-1" }, COMBINED_SENT],
    ] as const) {
      const before = await settledCounts(shadow);
      const { status, echo } = await send(path, { headers });
      expect([status, echo.origin, echo.path]).toEqual([200, "o1", path]);
      for (const [name, value] of Object.entries(sent)) expect(echo.headers[name], name).toBe(value);
      expect(echo.headers["x-header-remove"]).toBeUndefined();
      const after = await countsReaching(shadow, [(before[0] ?? 0) + 1, 0]);
      expect([(after[0] ?? 0) - (before[0] ?? 0), (after[1] ?? 0) - (before[1] ?? 0)], path).toEqual([1, 0]);
    }
  });

  it("mirrors every request to each of two pools", async ({ expect }) => {
    const origins = inject("origins");
    const shadow = [origins.o39 ?? "", origins.o40 ?? ""];
    await useConfig(config(origins));
    for (const path of ["/multi-mirror", "/multi-mirror-and-modify-request-headers"]) {
      const before = await settledCounts(shadow);
      const { echo } = await send(path, { headers: { "X-Header-Add-Append": "append-val-1" } });
      expect(echo.origin).toBe("o1");
      const after = await countsReaching(
        shadow,
        before.map((n) => n + 1),
      );
      expect(
        after.map((n, i) => n - (before[i] ?? 0)),
        path,
      ).toEqual([1, 1]);
    }
  });

  it("mirrors percent and fraction shares of requests, within 4 standard deviations over 200 requests", async ({ expect }) => {
    const origins = inject("origins");
    await useConfig(config(origins));
    const N = 200;
    for (const [path, share] of [
      ["/percent-mirror", 0.2],
      ["/percent-mirror-fraction", 0.5],
      ["/percent-mirror-and-modify-headers", 0.35],
    ] as const) {
      const [before = 0] = await settledCounts([origins.o39 ?? ""]);
      for (let i = 0; i < N; i++) {
        const { echo } = await send(`${path}?n=${i}`);
        expect(echo.origin).toBe("o1");
      }
      const [after = 0] = await settledCounts([origins.o39 ?? ""]);
      const margin = 4 * Math.sqrt(N * share * (1 - share));
      const copies = after - before;
      expect(
        Math.abs(copies - N * share),
        `${path}: ${copies} copies of ${N}, expected ${N * share} ± ${margin.toFixed(1)}`,
      ).toBeLessThanOrEqual(margin);
    }
  });
});

describe("a mirror is never the client's problem", () => {
  async function mirrorOutcomes(): Promise<Record<string, number>> {
    const samples = parsePrometheus(await (await admin("/metrics")).text()).samples;
    const outcomes = ["sent", "failed", "skipped_body", "skipped_no_origin"];
    return Object.fromEntries(
      outcomes.map((outcome) => [
        outcome,
        sumMetric(samples, "edgeway_mirror_requests_total", { route: "troubled", pool: "shadow2", outcome }),
      ]),
    );
  }

  it("a mirror origin that hangs or fails neither slows nor fails the request; each copy is counted", async ({ expect }) => {
    const origins = inject("origins");
    const o40 = origins.o40 ?? "";
    await useConfig(config(origins));
    const before = await mirrorOutcomes();
    try {
      await setOriginMode(o40, "hang");
      const started = Date.now();
      const hung = await send("/troubled-mirror/a", { method: "POST", body: "payload", headers: { "content-type": "text/plain" } });
      const elapsed = Date.now() - started;
      expect([hung.status, hung.echo.origin, hung.echo.path]).toEqual([200, "o1", "/troubled-mirror/a"]);
      // The copy hangs until the route's 15 s timeout; the client's answer does not wait for it.
      expect(elapsed).toBeLessThan(1_500);
    } finally {
      // Ends the hanging copy: its connection is closed, so it fails.
      await setOriginMode(o40, "ok");
    }
    try {
      await setOriginMode(o40, "fail");
      const failed = await send("/troubled-mirror/b");
      expect([failed.status, failed.echo.origin]).toEqual([200, "o1"]);
      const deadline = Date.now() + DEADLINE_MS;
      let after = await mirrorOutcomes();
      while (Date.now() < deadline && (after.failed ?? 0) - (before.failed ?? 0) < 2) {
        await sleep(50);
        after = await mirrorOutcomes();
      }
      expect((after.failed ?? 0) - (before.failed ?? 0)).toBe(2);
      expect((after.sent ?? 0) - (before.sent ?? 0)).toBe(0);
    } finally {
      await setOriginMode(o40, "ok");
    }
  });

  it("refuses a mirror to a pool the route already sends to, naming the field", async ({ expect }) => {
    const origins = inject("origins");
    const document = config(origins) as { routes: unknown[] };
    const res = await putConfig({ ...document, routes: [route("loop", "/loop", [mirror("v1")])] });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("routes[0].filters[0].requestMirror.pool");
  });
});

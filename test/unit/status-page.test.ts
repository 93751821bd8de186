/**
 * The status page's components (src/observe/status-page.tsx) rendered in Node from
 * props: the states a running system rarely shows on cue — the Durable Object out of
 * reach, an ejection in force, a self-registered origin, an origin in no pool, a long
 * transition log — each reach the HTML. Rows are read back through their data attributes.
 */
import { describe, expect, it } from "vitest";
import { StatusPage } from "../../src/observe/status-page/index.ts";
import type { OriginRow, StatusPageProps } from "../../src/observe/status-page/index.ts";

const NOW = Date.parse("2026-11-20T12:00:00Z");

function origin(id: string, extra: Partial<OriginRow> = {}): OriginRow {
  return {
    id,
    url: `http://127.0.0.1:9${id.length}00`,
    healthy: true,
    reason: "not probed yet",
    since: NOW - 60_000,
    lastProbeAt: null,
    overrides: {},
    configuredWeight: 1,
    configuredEnabled: true,
    effectiveWeight: 1,
    history: [],
    traffic: [],
    transitions: [],
    ...extra,
  };
}

function render(props: Partial<StatusPageProps>): string {
  const full: StatusPageProps = {
    now: NOW,
    config: { version: 4, storedAt: new Date(NOW - 300_000).toISOString() },
    source: "durable_object",
    pools: [],
    unpooled: [],
    refreshSeconds: 10,
    trafficBucketMs: 10_000,
    ...props,
  };
  return String(StatusPage(full));
}

/** data-* attributes of every origin row, in document order. */
function rows(html: string): Record<string, string>[] {
  return [...html.matchAll(/<tr class="origin[^"]*"([^>]*)>/g)].map((m) =>
    Object.fromEntries([...(m[1] ?? "").matchAll(/data-([a-z-]+)="([^"]*)"/g)].map((a) => [a[1] ?? "", a[2] ?? ""])),
  );
}

describe("StatusPage", () => {
  it("says when health comes from the isolate's snapshot, and why", () => {
    const html = render({
      source: "isolate_snapshot",
      error: "Durable Object reset",
      snapshotAt: NOW - 30_000,
      pools: [{ id: "p", steering: "weighted", monitor: "http", minHealthy: 1, origins: [origin("a")] }],
    });
    expect(html).toContain("could not be reached (Durable Object reset)");
    expect(html).toContain("30 s ago");
    expect(render({ pools: [] })).not.toContain("could not be reached");
  });

  it("colours a row by its worst state: disabled, unhealthy, ejected, drained, healthy", () => {
    const ejection = { until: NOW + 20_000, reason: "5 consecutive 5xx", kind: "consecutive-5xx" };
    const html = render({
      pools: [
        {
          id: "p",
          steering: "weighted",
          monitor: "http",
          minHealthy: 1,
          origins: [
            origin("dis", { configuredEnabled: false, effectiveWeight: 0, healthy: false }),
            origin("sick", { healthy: false, ejection }),
            origin("out", { ejection }),
            origin("gone", { ejection: { ...ejection, until: NOW - 1 } }),
            origin("drain", {
              effectiveWeight: 0,
              overrides: { state: { value: "drained", reason: "patching", actor: "ops", at: NOW - 5_000 } },
            }),
            origin("ok"),
          ],
        },
      ],
    });
    expect(rows(html).map((r) => `${r["origin"]}:${r["state"]}`)).toEqual([
      "dis:disabled",
      "sick:unhealthy",
      "out:ejected",
      "gone:healthy",
      "drain:drained",
      "ok:healthy",
    ]);
    expect(html).toContain("5 consecutive 5xx");
    expect(html).toContain("in 20 s");
    expect(html).toContain("patching");
    // The summary counts facets, which overlap: "sick" is unhealthy and ejected.
    expect(html).toMatch(
      /<b>6<\/b> origins: <span class="to healthy">4 healthy<\/span> · <span class="to unhealthy">2 unhealthy<\/span> · 2 ejected · 1 drained · 1 disabled · 1 with overrides/,
    );
    // Two of six take new traffic: the pool is degraded, not down.
    expect(html).toMatch(/badge pool-degraded">degraded<\/span> pool <b>p<\/b>/);
  });

  it("marks a pool down below minHealthy, and shares traffic only among available origins", () => {
    const html = render({
      pools: [
        {
          id: "p",
          steering: "weighted",
          monitor: undefined,
          minHealthy: 2,
          origins: [origin("a", { effectiveWeight: 3, configuredWeight: 3 }), origin("b", { healthy: false })],
        },
      ],
    });
    expect(html).toContain("pool-down");
    expect(html).toContain("share 100 %");
    expect(html).toContain("no new traffic");
  });

  it("shows a registered origin's heartbeat, and origins in no pool in a section of their own", () => {
    const html = render({
      pools: [
        {
          id: "p",
          steering: "weighted",
          monitor: undefined,
          minHealthy: 1,
          origins: [origin("reg", { registered: { lastHeartbeat: NOW - 4_000, ttlSeconds: 30 } })],
        },
      ],
      unpooled: [origin("stray")],
    });
    expect(html).toContain("registered</span>");
    expect(html).toContain("TTL 30 s");
    expect(rows(html).map((r) => `${r["pool"]}/${r["origin"]}`)).toEqual(["p/reg", "/stray"]);
    expect(html).toContain("not in any pool");
  });

  it("names who registered an origin and under which policy, and counts the registered origins it does not list", () => {
    const html = render({
      pools: [
        {
          id: "p",
          steering: "weighted",
          monitor: undefined,
          minHealthy: 1,
          origins: [
            origin("reg", { registered: { lastHeartbeat: NOW - 4_000, ttlSeconds: 30, registrant: "team-a", matched: "10.0.0.0/8" } }),
          ],
          moreRegistered: { count: 40, available: 39 },
        },
      ],
    });
    expect(html).toContain("· by team-a · policy 10.0.0.0/8");
    expect(html).toContain("and 40 more registered origins (39 available), not listed");
    // The pool's counts include the origins not listed: 1 shown + 39 of 40 hidden available.
    expect(html).toContain("40/41 available");
    expect(html).toMatch(/badge pool-degraded/);
  });

  it("lists the last two transitions and folds the rest away", () => {
    const transitions = Array.from(
      { length: 5 },
      (_, i) =>
        ({
          from: i % 2 === 0 ? "healthy" : "unhealthy",
          to: i % 2 === 0 ? "unhealthy" : "healthy",
          at: NOW - (i + 1) * 60_000,
          reason: `step ${i}`,
        }) as const,
    );
    const html = render({
      pools: [{ id: "p", steering: "weighted", monitor: "http", minHealthy: 1, origins: [origin("a", { transitions })] }],
    });
    for (let i = 0; i < 5; i++) expect(html).toContain(`step ${i}`);
    expect(html).toContain("<summary>3 earlier</summary>");
    expect(html.indexOf("step 1")).toBeLessThan(html.indexOf("<summary>"));
    expect(html.indexOf("step 2")).toBeGreaterThan(html.indexOf("<summary>"));
  });

  it("escapes what operators and origins wrote", () => {
    const html = render({
      pools: [
        {
          id: "p",
          steering: "weighted",
          monitor: "http",
          minHealthy: 1,
          origins: [
            origin("a", {
              reason: "<script>alert(1)</script>",
              overrides: { weight: { value: 2, reason: '"><img src=x>', actor: "<b>", at: NOW } },
            }),
          ],
        },
      ],
    });
    expect(html).not.toContain("<script>alert");
    expect(html).not.toContain("<img src=x>");
    expect(html).toContain("&lt;script&gt;");
  });

  it("draws the latency line over passing probes and a tick for each failed one", () => {
    const history = Array.from({ length: 6 }, (_, i) => ({
      at: NOW - (6 - i) * 5_000,
      ok: i !== 3,
      latencyMs: 10 + i,
      status: i === 3 ? 503 : 200,
      reason: i === 3 ? "HTTP 503" : "HTTP 200",
    }));
    const html = render({
      pools: [
        { id: "p", steering: "weighted", monitor: "http", minHealthy: 1, origins: [origin("a", { history, lastProbeAt: NOW - 5_000 })] },
      ],
    });
    const line = /<path class="line" d="([^"]*)"/.exec(html)?.[1] ?? "";
    // The failed probe breaks the line in two.
    expect(line.match(/M/g)?.length).toBe(2);
    expect(html.match(/<rect class="fail"/g)?.length).toBe(1);
    expect(html).toContain("HTTP 200, 15 ms");
  });

  it("reloads itself unless told not to", () => {
    expect(render({})).toContain('<meta http-equiv="refresh" content="10"');
    expect(render({ refreshSeconds: 0 })).not.toContain('http-equiv="refresh"');
  });

  it("shows which colos eject an origin, since when, until when and why, and the global quorum's votes", () => {
    const fra = { colo: "FRA", since: NOW - 20_000, until: NOW + 10_000, reason: "3 consecutive gateway failures (last: connect-failure)" };
    const sin = { colo: "SIN", since: NOW - 5_000, until: NOW + 25_000, reason: "5 consecutive 5xx (last: HTTP 500)" };
    const html = render({
      pools: [
        {
          id: "p",
          steering: "weighted",
          monitor: undefined,
          minHealthy: 1,
          origins: [
            // Ejected in FRA only: this colo still serves it.
            origin("a", { colos: [fra], quorum: { ejected: false, failing: 1, voters: 4, needed: 2 } }),
            // Ejected everywhere by FRA and SIN.
            origin("b", {
              ejection: { until: NOW + 10_000, reason: "ejected everywhere: 2 of 4 colos …", kind: "consecutive-gateway-failure" },
              colos: [fra, sin],
              quorum: { ejected: true, failing: 2, voters: 4, needed: 2 },
            }),
            // An ended colo ejection is not shown.
            origin("c", { colos: [{ ...fra, until: NOW - 1 }] }),
          ],
        },
      ],
    });
    expect(rows(html).map((r) => [r["origin"], r["state"]])).toEqual([
      ["a", "healthy"],
      ["b", "ejected"],
      ["c", "healthy"],
    ]);
    expect(html).toContain('data-colos="FRA"');
    expect(html).toContain("not here");
    expect(html).toContain("not everywhere: 1 of 4 colos eject it (needs 2)");
    expect(html).toContain('data-colos="FRA,SIN"');
    expect(html).toContain("everywhere: 2 of 4 colos eject it (needs 2)");
    expect(html).toMatch(/<b>FRA<\/b> since <time[^>]*>20 s ago<\/time>, until <time[^>]*>in 10 s<\/time>: 3 consecutive gateway failures/);
    expect(html).toContain("5 consecutive 5xx (last: HTTP 500)");
    expect(html).not.toContain('data-colos=""');
  });
});

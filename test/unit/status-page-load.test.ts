/** The status page for a load-aware pool: each origin's live weight and its source, and shares that follow the live weights. */
import { describe, expect, it } from "vitest";
import { StatusPage } from "../../src/observe/status-page/index.ts";
import type { OriginRow, StatusPageProps } from "../../src/observe/status-page/index.ts";

const NOW = Date.parse("2026-11-20T12:00:00Z");

function origin(id: string, extra: Partial<OriginRow> = {}): OriginRow {
  return {
    id,
    url: "http://127.0.0.1:9100",
    healthy: true,
    reason: "HTTP 200",
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

function render(origins: OriginRow[]): string {
  const props: StatusPageProps = {
    now: NOW,
    config: { version: 1, storedAt: new Date(NOW).toISOString() },
    source: "durable_object",
    pools: [{ id: "p", steering: "weighted", monitor: undefined, minHealthy: 1, origins }],
    unpooled: [],
    refreshSeconds: 0,
    trafficBucketMs: 10_000,
  };
  return String(StatusPage(props));
}

describe("StatusPage: load-aware weights", () => {
  it("shows the live weight and where it comes from, and the share of new traffic by live weight", () => {
    const html = render([
      origin("a", { liveWeight: { weight: 50, source: "report" } }),
      origin("b", { configuredWeight: 3, effectiveWeight: 3, liveWeight: { weight: 12.5, source: "report" } }),
      origin("c", { liveWeight: { weight: 31.25, source: "blackout" } }),
    ]);
    expect(html).toContain("live 50 · from load reports");
    expect(html).toContain("live 12.5 · from load reports");
    expect(html).toContain("live 31.3 · reports in blackout");
    // 50 of 93.75, not 1 of 5 as the configured weights would say.
    expect(html).toContain("share 53 %");
    expect(html).toContain("share 13 %");
  });

  it("shows nothing of it in a pool that is not load-aware", () => {
    const html = render([origin("a"), origin("b")]);
    expect(html).not.toContain("live ");
    expect(html).toContain("share 50 %");
  });
});

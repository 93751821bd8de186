/**
 * Workers Analytics Engine: with an `ANALYTICS` binding, one data point per proxied
 * request, laid out as docs/analytics-engine.md says; without one, nothing and no error.
 * The real Analytics Engine cannot run here, so the binding is a recording stand-in
 * handed to the worker in its env; the origins are real (o1–o2, whose modes no test
 * changes) plus a port nothing listens on, for connect failures.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, inject, it } from "vitest";
import worker from "../../src/index.ts";
import { useConfig } from "../worker/helpers.ts";

/** An AnalyticsEngineDataset that keeps what it is given. */
class RecordingDataset implements AnalyticsEngineDataset {
  readonly points: AnalyticsEngineDataPoint[] = [];
  writeDataPoint(point?: AnalyticsEngineDataPoint): void {
    this.points.push(point ?? {});
  }
}

/** Nothing listens on port 1 of the loopback: a connect there is refused at once. */
const DEAD_URL = "http://127.0.0.1:1";

interface Sent {
  readonly status: number;
  readonly origin: string | null;
  readonly tries: number;
  readonly error: string | null;
}

async function send(
  path: string,
  overrides: Partial<Env> & { ANALYTICS?: AnalyticsEngineDataset },
  cf?: Record<string, unknown>,
): Promise<Sent> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://app.test${path}`, cf === undefined ? {} : { cf }),
    { ...env, ...overrides } as typeof env,
    ctx,
  );
  await res.arrayBuffer();
  await waitOnExecutionContext(ctx);
  return {
    status: res.status,
    origin: res.headers.get("x-edgeway-origin"),
    tries: Number(res.headers.get("x-edgeway-tries") ?? "1"),
    error: res.headers.get("x-edgeway-error"),
  };
}

async function configure(): Promise<void> {
  const all = inject("origins");
  const noOutliers = { enabled: false };
  await useConfig({
    origins: [
      { id: "o1", url: all.o1, weight: 3 },
      { id: "o2", url: all.o2 },
      { id: "dead", url: DEAD_URL },
    ],
    pools: [
      { id: "live", origins: ["o1", "o2"], outlierDetection: noOutliers },
      { id: "down", origins: ["dead"], outlierDetection: noOutliers },
    ],
    routes: [
      { id: "web", match: { pathPrefix: "/web" }, pools: ["live"] },
      // Failover: the dead pool first, so every request is retried on the live one.
      { id: "retry", match: { pathPrefix: "/retry" }, pools: ["down", "live"] },
      { id: "broken", match: { pathPrefix: "/broken" }, pools: ["down"] },
    ],
  });
}

describe("Analytics Engine data points", () => {
  it("one per proxied request, with route, pool, origin, colo, country, status, latency and tries", async ({ expect }) => {
    await configure();
    const dataset = new RecordingDataset();
    const cf = { colo: "FRA", country: "DE", continent: "EU" };
    const sent: Sent[] = [];
    for (let i = 0; i < 6; i++) sent.push(await send(`/web/${i}`, { ANALYTICS: dataset }, cf));
    sent.push(await send("/retry/1", { ANALYTICS: dataset }, cf));
    sent.push(await send("/broken/1", { ANALYTICS: dataset }));
    // Not proxied (no route matches): no data point.
    const unmatched = await send("/", { ANALYTICS: dataset });
    expect(unmatched.status).toBe(404);

    expect(dataset.points).toHaveLength(sent.length);
    const routes = ["web", "web", "web", "web", "web", "web", "retry", "broken"];
    for (const [i, point] of dataset.points.entries()) {
      const s = sent[i] ?? expect.unreachable();
      const route = routes[i] ?? expect.unreachable();
      const answeredByEdgeway = s.error !== null;
      expect(point.indexes).toEqual([route]);
      expect(point.blobs).toEqual([
        route,
        route === "broken" ? "down" : "live",
        s.origin ?? "dead",
        route === "broken" ? "local" : "FRA",
        route === "broken" ? "" : "DE",
        `${Math.floor(s.status / 100)}xx`,
        answeredByEdgeway ? "error" : "response",
        route === "retry" ? "true" : "false",
        s.error ?? "",
      ]);
      const [status, latencyMs, tries] = point.doubles ?? [];
      expect(status).toBe(s.status);
      expect(tries).toBe(s.tries);
      expect(latencyMs).toBeGreaterThanOrEqual(0);
    }
    // The mix covered what it meant to: both live origins, a retry, and an error Edgeway answered.
    expect(new Set(sent.slice(0, 6).map((s) => s.origin))).toEqual(new Set(["o1", "o2"]));
    expect(sent[6]).toMatchObject({ status: 200, tries: 2 });
    expect(sent[7]).toMatchObject({ status: 502, error: "origin_unreachable", origin: null });
  });

  it("without the binding: no data point, and requests are served as usual", async ({ expect }) => {
    await configure();
    const dataset = new RecordingDataset();
    const without: Partial<Env> = {};
    const served = [await send("/web/a", without), await send("/retry/a", without)];
    expect(served.map((s) => s.status)).toEqual([200, 200]);
    expect(dataset.points).toHaveLength(0);
    // The same requests with the binding are recorded: the dataset above was not merely unused.
    await send("/web/b", { ANALYTICS: dataset });
    expect(dataset.points).toHaveLength(1);
  });
});

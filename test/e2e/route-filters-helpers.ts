/**
 * What the route filter tests share: the echo an origin answers with, a config of
 * one-origin pools, a request read as its echo, and a route's plan as /_edgeway/explain shows it.
 */
import { admin, proxied } from "../worker/helpers.ts";

/** What the test origins echo of a request (scripts/lib/origin-server.ts). */
export interface Echo {
  origin: string;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  bodyLength: number;
  body: string;
}

/**
 * `origins` (id → URL), one in each of `pools` (pool id → origin id), with outlier
 * detection off (a test's failures stay its own), behind `routes`.
 */
export function filterConfig(
  origins: Readonly<Record<string, string>>,
  pools: Readonly<Record<string, string>>,
  routes: unknown[],
): unknown {
  const quiet = { outlierDetection: { enabled: false } };
  return {
    origins: Object.entries(origins).map(([id, url]) => ({ id, url })),
    pools: Object.entries(pools).map(([id, origin]) => ({ id, origins: [origin], ...quiet })),
    routes,
  };
}

/** Sends `path` through the data plane and reads the origin's echo (any status but 200 fails the test). */
export async function echoOf(path: string, init: RequestInit = {}): Promise<{ res: Response; echo: Echo }> {
  const res = await proxied(path, init);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text}`);
  return { res, echo: JSON.parse(text) as Echo };
}

/** The stage names of the plan for a request to `path` on app.test. */
export async function planOf(path: string): Promise<string[]> {
  const res = await admin(`/explain?url=${encodeURIComponent(`http://app.test${path}`)}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`explain answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { plan: string[] }).plan;
}

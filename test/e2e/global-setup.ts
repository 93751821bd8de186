/**
 * Starts real origin servers on 127.0.0.1 for the tests that run inside workerd, and
 * hands their URLs to the tests through `inject("origins")`. Each test file that needs
 * origins controls them through their /__origin/* paths. Test files run in parallel, so
 * a file that changes an origin's mode uses origins no other file uses:
 *   o1–o4 balancing (modes never changed), o5–o6 failover, o7–o8 scheduled probes,
 *   o9–o10 proxy behaviour, o11–o13 latency steering, o14–o15 session affinity.
 */
import type { TestProject } from "vitest/node";
import { startOrigin } from "../../scripts/lib/origin-server.ts";
import type { OriginServer } from "../../scripts/lib/origin-server.ts";

/** Origin ids the tests use, each a separate server. */
export const ORIGIN_IDS = ["o1", "o2", "o3", "o4", "o5", "o6", "o7", "o8", "o9", "o10", "o11", "o12", "o13", "o14", "o15"] as const;

declare module "vitest" {
  export interface ProvidedContext {
    origins: Record<string, string>;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers: OriginServer[] = await Promise.all(ORIGIN_IDS.map((id) => startOrigin({ id })));
  project.provide("origins", Object.fromEntries(servers.map((s) => [s.id, s.url])));
  return async () => {
    await Promise.all(servers.map((s) => s.close()));
  };
}

/**
 * Starts real origin servers on 127.0.0.1 for the tests that run inside workerd, and
 * hands their URLs to the tests through `inject("origins")`. Each test file that needs
 * origins controls them through their /__origin/* paths. Test files run in parallel, so
 * a file that changes an origin's mode uses origins no other file uses:
 *   o1–o4 balancing and the real-export import (modes never changed; import-real counts their region probes), o5–o6 failover, o7–o8 scheduled probes,
 *   o9–o10 proxy behaviour, o11–o13 latency steering, o14–o15 session affinity,
 *   o16–o18 resilience (killed and restarted), o19–o21 alarms and heartbeats, o22 passive ejection (with o21 failing),
 *   o23–o24 registration and fail-static, o25–o26 hedging and retry limits, o27–o28 metrics,
 *   o29–o30 explain, o31–o34 admin operations, o35–o38 passive health per colo, o41–o44 probe regions,
 *   o39–o40 the HTTPRoute mirror conformance cases (request counts only),
 *   o45–o46 the Consul-compatible registration surface; f1–f3 route filters, f4–f5 mirrors,
 *   f6–f7 explain's route matching (modes never changed);
 *   ro1–ro2 a failing canary (ro2 fails), ro3–ro4 good canaries, the rollout API and staged config changes (no counts read),
 *   ro5 rollout webhooks.
 *
 * A control server (`inject("control")`) kills an origin (closes its listener and every
 * open connection, so connects are refused) and restarts it on the same port:
 *   POST /kill?id=o16   POST /restart?id=o16   GET /requests?id=o16 (all incarnations)
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { startOrigin } from "../../scripts/lib/origin-server.ts";
import type { OriginServer } from "../../scripts/lib/origin-server.ts";

/** Origin ids the tests use, each a separate server. */
export const ORIGIN_IDS = Array.from({ length: 46 }, (_, i) => `o${i + 1}`);
/** Origins of the load-aware weights test (they send load reports), named apart so the numbered list can grow. */
export const LOAD_ORIGIN_IDS = ["load1", "load2"];
/** Origins of the latency-steering registration test (their latency is set), named apart likewise. */
export const LATENCY_REGISTRATION_ORIGIN_IDS = ["lreg1", "lreg2"];
/** Origins of the per-colo latency test (latency per colo path), named apart likewise. */
export const LATENCY_COLO_ORIGIN_IDS = ["lcolo1", "lcolo2"];
/** Origins of the route filters test (header edits, rewrites, redirects, mirrors), named apart likewise. */
export const FILTER_ORIGIN_IDS = ["f1", "f2", "f3", "f4", "f5", "f6", "f7"];
/** Origins of the rollout tests (stable and canary pools, a webhook), named apart likewise. */
export const ROLLOUT_ORIGIN_IDS = ["ro1", "ro2", "ro3", "ro4", "ro5"];

declare module "vitest" {
  export interface ProvidedContext {
    origins: Record<string, string>;
    control: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers = new Map<string, OriginServer | undefined>();
  const ports = new Map<string, number>();
  /** Requests served by earlier incarnations of a restarted origin. */
  const earlier = new Map<string, number>();
  for (const server of await Promise.all(
    [
      ...ORIGIN_IDS,
      ...LOAD_ORIGIN_IDS,
      ...LATENCY_REGISTRATION_ORIGIN_IDS,
      ...LATENCY_COLO_ORIGIN_IDS,
      ...FILTER_ORIGIN_IDS,
      ...ROLLOUT_ORIGIN_IDS,
    ].map((id) => startOrigin({ id })),
  )) {
    servers.set(server.id, server);
    ports.set(server.id, server.port);
  }

  const control = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://control.invalid");
      const id = url.searchParams.get("id") ?? "";
      const port = ports.get(id);
      if (port === undefined) {
        res.writeHead(404).end(`no origin ${id}\n`);
        return;
      }
      const running = servers.get(id);
      if (url.pathname === "/kill" && req.method === "POST") {
        if (running !== undefined) {
          earlier.set(id, (earlier.get(id) ?? 0) + running.requests());
          servers.set(id, undefined);
          await running.close();
        }
        res.writeHead(200).end(`${id} killed\n`);
      } else if (url.pathname === "/restart" && req.method === "POST") {
        if (running === undefined) servers.set(id, await startOrigin({ id, port }));
        res.writeHead(200).end(`${id} running\n`);
      } else if (url.pathname === "/requests") {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ id, requests: (earlier.get(id) ?? 0) + (running?.requests() ?? 0), running: running !== undefined }));
      } else {
        res.writeHead(404).end("unknown control path\n");
      }
    })().catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));

  project.provide("origins", Object.fromEntries([...servers].map(([id]) => [id, `http://127.0.0.1:${ports.get(id)}`])));
  project.provide("control", `http://127.0.0.1:${(control.address() as AddressInfo).port}`);
  return async () => {
    control.closeAllConnections();
    await new Promise<void>((resolve) => control.close(() => resolve()));
    await Promise.all([...servers.values()].map((s) => s?.close()));
  };
}

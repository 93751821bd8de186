/**
 * The real `consul` npm client pointed at Edgeway: `wrangler dev` (workerd) started once
 * for this file on 127.0.0.1:8650 with the Consul surface on (EDGEWAY_CONSUL_API=true),
 * REGISTER_TOKEN as the client's ACL token, and two origins as real HTTP servers on
 * 127.0.0.1. The client speaks HTTP to a host and port, and the vitest worker pool serves
 * no port, so this test lives on the Node side (as the CLI's admin tests do). The story:
 * register, traffic reaches the registered origin, heartbeats keep it, no heartbeat turns
 * it critical and traffic stops, an unsupported field is refused by name, deregister.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Consul from "consul";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin } from "../../scripts/lib/origin-server.ts";
import type { OriginServer } from "../../scripts/lib/origin-server.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
/** Ports from the range this surface's tests own (8600–8699). */
const PORT = 8650;
const INSPECTOR = 8651;
const ADMIN = "consul-client-admin-token";
const REGISTER = "consul-client-register-token";
const STARTUP_MS = 120_000;
const base = `http://127.0.0.1:${PORT}`;

const dir = mkdtempSync(join(tmpdir(), "edgeway-consul-client-"));
let worker: ChildProcess | undefined;
const workerLog: string[] = [];
let configured: OriginServer;
let registered: OriginServer;

/** Sends n requests through Edgeway; counts them by serving origin. */
async function servedBy(n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/hello`, { signal: AbortSignal.timeout(5_000) });
    await res.arrayBuffer();
    const id = res.status === 200 ? (res.headers.get("x-edgeway-origin") ?? "none") : `status ${res.status}`;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** Polls every 300 ms, at most `ms`; returns the last value. */
async function until<T>(ms: number, probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    value = await probe();
  }
  return value;
}

beforeAll(async () => {
  configured = await startOrigin({ id: "configured", host: "127.0.0.1", port: 0 });
  registered = await startOrigin({ id: "registered", host: "127.0.0.1", port: 0 });
  worker = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--port",
      String(PORT),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(INSPECTOR),
      "--persist-to",
      join(dir, "state"),
      "--var",
      `ADMIN_TOKEN:${ADMIN}`,
      "--var",
      `REGISTER_TOKEN:${REGISTER}`,
      "--var",
      "EDGEWAY_CONSUL_API:true",
      "--show-interactive-dev-session=false",
    ],
    // Its own process group, so afterAll ends wrangler and the workerd it starts together.
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, detached: true },
  );
  for (const stream of [worker.stdout, worker.stderr]) {
    stream?.setEncoding("utf8").on("data", (chunk: string) => {
      workerLog.push(chunk);
      if (workerLog.length > 50) workerLog.shift();
    });
  }
  const deadline = Date.now() + STARTUP_MS - 10_000;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`wrangler dev exited with ${worker.exitCode}:\n${workerLog.join("")}`);
    try {
      await fetch(`${base}/_edgeway/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.arrayBuffer());
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${base}:\n${workerLog.join("")}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const put = await fetch(`${base}/_edgeway/config`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({
      origins: [{ id: "configured", url: configured.url }],
      pools: [
        {
          id: "web",
          origins: ["configured"],
          steering: "round_robin",
          registration: { addresses: ["127.0.0.1/32"], schemes: ["http"], serviceNames: ["web"] },
        },
      ],
      routes: [{ id: "all", pools: ["web"] }],
    }),
  });
  expect(put.status, await put.text()).toBeLessThan(300);
}, STARTUP_MS);

afterAll(async () => {
  const child = worker;
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const group = -child.pid;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(group, "SIGTERM");
    const outcome = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
    if (outcome === "timeout") process.kill(group, "SIGKILL");
    try {
      process.kill(group, "SIGKILL");
    } catch {
      // the group is gone
    }
  }
  await Promise.all([configured?.close(), registered?.close()]);
  rmSync(dir, { recursive: true, force: true });
}, 20_000);

describe("the consul npm client against Edgeway", () => {
  it("registers, heartbeats, lapses when heartbeats stop, and deregisters", { timeout: 60_000 }, async () => {
    const consul = new Consul({ host: "127.0.0.1", port: PORT, defaults: { token: REGISTER } });
    await consul.agent.service.register({
      name: "web",
      id: "web-1",
      address: "127.0.0.1",
      port: registered.port,
      tags: ["region=aws:us-east-1"],
      check: { name: "web heartbeat", ttl: "3s", timeout: "1s", deregistercriticalserviceafter: "1m" },
    });
    const before = registered.requests();
    expect(await servedBy(6)).toEqual({ configured: 3, "web-1": 3 });
    expect(registered.requests() - before).toBe(3);
    const services = await consul.agent.service.list();
    expect(services["web-1"]).toMatchObject({ Service: "web", Address: "127.0.0.1", Port: registered.port });

    // Heartbeats across more than one TTL keep it passing.
    for (let i = 0; i < 4; i++) {
      await consul.agent.check.pass("service:web-1");
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(await consul.health.service({ service: "web", passing: true })).toHaveLength(1);

    // No heartbeat: critical, and traffic stops reaching it.
    const lapsed = await until(
      10_000,
      () => consul.health.service({ service: "web", passing: true }),
      (h) => h.length === 0,
    );
    expect(lapsed).toEqual([]);
    const quiet = await until(
      6_000,
      () => servedBy(4),
      (c) => c["web-1"] === undefined,
    );
    expect(quiet).toEqual({ configured: 4 });

    // A Connect sidecar is not something Edgeway does: refused, naming the field.
    const refused = await consul.agent.service
      .register({
        name: "web",
        id: "web-2",
        address: "127.0.0.1",
        port: registered.port,
        check: { name: "web heartbeat", ttl: "5s", timeout: "1s" },
        connect: { native: true, sidecarservice: {} },
      })
      .then(
        () => undefined,
        (e: Error & { statusCode?: number; response?: { body?: unknown } }) => e,
      );
    expect(refused?.statusCode).toBe(400);
    // Edgeway answers errors as JSON naming the field; the client keeps the body on the error.
    expect(JSON.stringify(refused?.response?.body)).toContain("Connect: not supported by Edgeway");

    await consul.agent.service.deregister("web-1");
    expect(await consul.agent.service.list()).toEqual({});
  });
});

/**
 * Fail static: KV failing or holding garbage, and the Durable Object throwing, never take
 * traffic down. Edgeway keeps serving with its last-known-good config and last snapshot,
 * and counts each event in `edgeway_fail_static_total`. The failing KV and Durable Object
 * are stand-ins handed to the worker as its env: a real binding cannot be made to fail.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, inject, it } from "vitest";
import worker from "../../src/index.ts";
import { isolate } from "../../src/isolate.ts";
import { CONFIG_KEY } from "../../src/config/store.ts";
import { ADMIN_TOKEN, roundRobinConfig, useConfig } from "./helpers.ts";
import { parsePrometheus, sumMetric } from "../../scripts/lib/prometheus.ts";

/** A KV namespace whose every call rejects. */
const failingKv = new Proxy({} as KVNamespace, {
  get: () => () => Promise.reject(new Error("KV is unavailable (test)")),
});

/** A Durable Object namespace whose objects' every RPC rejects. */
const throwingState = {
  idFromName: (name: string) => env.ORIGIN_STATE.idFromName(name),
  get: () =>
    new Proxy(
      {},
      {
        get: (_target, prop) => (prop === "then" ? undefined : () => Promise.reject(new Error("Durable Object is overloaded (test)"))),
      },
    ),
} as unknown as Env["ORIGIN_STATE"];

/** Calls the worker with `overrides` in its env; reads the body and waits for its waitUntil work. */
async function call(request: Request, overrides: Partial<Env> = {}): Promise<{ res: Response; body: string }> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...overrides } as typeof env, ctx);
  const body = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, body };
}

/** edgeway_fail_static_total for one component and reason. */
async function failStatic(component: string, reason: string): Promise<number> {
  const { body } = await call(new Request("http://edgeway.test/_edgeway/metrics", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }));
  return sumMetric(parsePrometheus(body).samples, "edgeway_fail_static_total", { component, reason });
}

/** Makes the isolate's config look stale, so the next request re-reads KV in the background. */
function ageConfig(): void {
  const current = isolate.config.current;
  if (current === undefined) throw new Error("no config in force");
  isolate.config.install(current, Date.now() - 60_000);
}

async function twoOrigins(): Promise<void> {
  await useConfig(roundRobinConfig(inject("origins"), ["o23", "o24"]));
}

describe("fail static", () => {
  it("KV failing: the last-known-good config keeps serving, and the event is counted", async ({ expect }) => {
    await twoOrigins();
    const before = await failStatic("kv", "kv_error");
    ageConfig();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await call(new Request("http://app.test/x"), { CONFIG: failingKv })).res.status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(await failStatic("kv", "kv_error")).toBeGreaterThan(before);
    expect(isolate.config.current?.compiled.origins.has("o23")).toBe(true);
  });

  it("KV holding an invalid document: the last-known-good config stays in force", async ({ expect }) => {
    await twoOrigins();
    const version = isolate.config.current?.envelope.version;
    const before = await failStatic("kv", "invalid_document");
    const good = await env.CONFIG.get(CONFIG_KEY, "text");
    await env.CONFIG.put(CONFIG_KEY, JSON.stringify({ version: 999_999, updatedAt: "now", document: { origins: "not a list" } }));
    try {
      ageConfig();
      expect((await call(new Request("http://app.test/x"))).res.status).toBe(200);
      expect((await call(new Request("http://app.test/x"))).res.status).toBe(200);
      expect(isolate.config.current?.envelope.version).toBe(version);
      expect(await failStatic("kv", "invalid_document")).toBeGreaterThan(before);
    } finally {
      if (good !== null) await env.CONFIG.put(CONFIG_KEY, good);
    }
  });

  it("the Durable Object throwing: requests are served from the last snapshot, and the event is counted", async ({ expect }) => {
    await twoOrigins();
    // The last snapshot says o24 is down; it is old, so the next request tries to refresh it.
    isolate.health.set(
      { generatedAt: Date.now(), origins: { o24: { healthy: false, since: 0, reason: "test: marked down" } } },
      Date.now() - 60_000,
    );
    const before = await failStatic("durable_object", "snapshot_refresh_failed");
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      // A colo of its own: no snapshot in the colo's Cache API stands in for the object.
      // (The debug geo header: an isolate reads request.cf.colo once, on its first request.)
      const { res } = await call(new Request("http://app.test/x", { headers: { "x-edgeway-debug-geo": "colo=ZFS" } }), {
        ORIGIN_STATE: throwingState,
        // The colo's aggregator writes to the same object, so it fails as well (a real one would reach the real object here).
        COLO_AGGREGATOR: throwingState as unknown as Env["COLO_AGGREGATOR"],
      });
      expect(res.status).toBe(200);
      served.push(res.headers.get("x-edgeway-origin") ?? "none");
    }
    expect(served).toEqual(["o23", "o23", "o23", "o23", "o23", "o23"]);
    expect(await failStatic("durable_object", "snapshot_refresh_failed")).toBeGreaterThan(before);
  });

  it("the Durable Object throwing: the admin health view answers from the snapshot and says so; a config PUT stores nothing", async ({
    expect,
  }) => {
    await twoOrigins();
    const headers = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const health = await call(new Request("http://edgeway.test/_edgeway/health", { headers }), { ORIGIN_STATE: throwingState });
    expect(health.res.status).toBe(200);
    const body = JSON.parse(health.body) as { source: string; error?: string };
    expect(body.source).toBe("isolate_snapshot");
    expect(body.error).toMatch(/overloaded/);

    const version = isolate.config.current?.envelope.version;
    const stored = await env.CONFIG.get(CONFIG_KEY, "text");
    const put = await call(
      new Request("http://edgeway.test/_edgeway/config", {
        method: "PUT",
        headers,
        body: JSON.stringify({
          origins: [{ id: "x", url: "http://127.0.0.1:1" }],
          pools: [{ id: "p", origins: ["x"] }],
          routes: [{ id: "r", pools: ["p"] }],
        }),
      }),
      { ORIGIN_STATE: throwingState },
    );
    expect(put.res.status).toBe(503);
    expect((JSON.parse(put.body) as { code: string }).code).toBe("state_unavailable");
    expect(await env.CONFIG.get(CONFIG_KEY, "text")).toBe(stored);
    expect(isolate.config.current?.envelope.version).toBe(version);
  });
});

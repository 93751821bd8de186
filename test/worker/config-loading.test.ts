/** KV loading: the isolate cache, last-known-good, and fail-static on bad KV content. */
import { env } from "cloudflare:test";
import { describe, it } from "vitest";
import { ConfigCache, readConfig, writeConfig } from "../../src/config/store.ts";
import type { LoadProblem } from "../../src/config/store.ts";
import example from "../../examples/multi-cloud.json";

const noDefer = (p: Promise<void>): void => void p;

describe("config loading from KV", () => {
  it("reads, validates and compiles the stored envelope", async ({ expect }) => {
    await writeConfig(env.CONFIG, { version: 7, updatedAt: "2026-11-21T00:00:00Z", document: example });
    const result = await readConfig(env.CONFIG);
    expect(result && "loaded" in result).toBe(true);
    if (result && "loaded" in result) {
      expect(result.loaded.compiled.version).toBe(7);
      expect([...result.loaded.compiled.origins.keys()]).toEqual(["aws-use1", "aws-usw2", "gcp-euw1", "az-sea"]);
    }
  });

  it("nothing stored: undefined, not an error", async ({ expect }) => {
    await env.CONFIG.delete("config");
    expect(await readConfig(env.CONFIG)).toBeUndefined();
  });

  it("keeps the last-known-good config when KV later holds an invalid document", async ({ expect }) => {
    const cache = new ConfigCache(0);
    const problems: LoadProblem[] = [];
    await writeConfig(env.CONFIG, { version: 1, updatedAt: "t", document: example });
    const first = await cache.get(env.CONFIG, 1, noDefer, (p) => problems.push(p));
    expect(first?.envelope.version).toBe(1);

    await env.CONFIG.put("config", JSON.stringify({ version: 2, updatedAt: "t", document: { origins: [] } }));
    await cache.refresh(env.CONFIG, 2, (p) => problems.push(p));
    expect(cache.current?.envelope.version).toBe(1);
    expect(problems.map((p) => p.kind)).toEqual(["invalid_document"]);

    await env.CONFIG.put("config", "not json at all");
    await cache.refresh(env.CONFIG, 3, (p) => problems.push(p));
    expect(cache.current?.envelope.version).toBe(1);
    expect(problems).toHaveLength(2);
  });

  it("keeps the last-known-good config when KV throws", async ({ expect }) => {
    const cache = new ConfigCache(0);
    await writeConfig(env.CONFIG, { version: 3, updatedAt: "t", document: example });
    await cache.get(env.CONFIG, 1, noDefer, () => undefined);
    const failing = { get: () => Promise.reject(new Error("KV is down")) } as unknown as KVNamespace;
    const problems: LoadProblem[] = [];
    await cache.refresh(failing, 2, (p) => problems.push(p));
    expect(cache.current?.envelope.version).toBe(3);
    expect(problems).toEqual([{ kind: "kv_error", message: "KV is down" }]);
  });

  it("serves the cached config while stale and refreshes it in the background", async ({ expect }) => {
    const cache = new ConfigCache(1_000);
    await writeConfig(env.CONFIG, { version: 1, updatedAt: "t", document: example });
    await cache.get(env.CONFIG, 0, noDefer, () => undefined);
    await writeConfig(env.CONFIG, { version: 2, updatedAt: "t", document: example });
    // Fresh: no KV read, still version 1.
    expect((await cache.get(env.CONFIG, 500, noDefer, () => undefined))?.envelope.version).toBe(1);
    // Stale: answers at once with version 1, refresh deferred.
    const deferred: Promise<void>[] = [];
    expect(
      (
        await cache.get(
          env.CONFIG,
          1_500,
          (p) => deferred.push(p),
          () => undefined,
        )
      )?.envelope.version,
    ).toBe(1);
    expect(deferred).toHaveLength(1);
    await Promise.all(deferred);
    expect(cache.current?.envelope.version).toBe(2);
  });
});

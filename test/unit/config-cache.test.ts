import { describe, expect, it } from "vitest";
import { CONFIG_KEY, ConfigCache, versionKey, writeConfig } from "../../src/config/store.ts";
import type { LoadProblem } from "../../src/config/store.ts";
import { singlePool } from "./helpers/configs.ts";

/** A KV namespace holding strings in memory; `failWith` makes every read throw. */
class FakeKV {
  readonly values = new Map<string, string>();
  failWith: Error | undefined;
  gets = 0;

  get(key: string, type?: string): Promise<string | null> {
    this.gets++;
    if (type !== undefined && type !== "text") return Promise.reject(new Error(`fake KV only reads text, not ${type}`));
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    return Promise.resolve(this.values.get(key) ?? null);
  }

  put(key: string, value: string): Promise<void> {
    this.values.set(key, value);
    return Promise.resolve();
  }

  get namespace(): KVNamespace {
    return this as unknown as KVNamespace;
  }
}

const noDefer = (): void => {
  throw new Error("nothing should be deferred here");
};

function recorder(): { problems: LoadProblem[]; onProblem: (p: LoadProblem) => void } {
  const problems: LoadProblem[] = [];
  return { problems, onProblem: (p) => problems.push(p) };
}

async function writeGood(kv: FakeKV, version: number, origins = 3): Promise<void> {
  await writeConfig(kv.namespace, { version, updatedAt: "2026-11-21T00:00:00Z", document: singlePool({ origins }) });
}

describe("ConfigCache", () => {
  it("a KV error with no config: nothing in force, the problem kept and reported", async () => {
    const kv = new FakeKV();
    kv.failWith = new Error("KV is down");
    const cache = new ConfigCache(1_000);
    const { problems, onProblem } = recorder();
    expect(await cache.get(kv.namespace, 0, noDefer, onProblem)).toBeUndefined();
    expect(cache.current).toBeUndefined();
    expect(cache.lastProblem).toEqual({ kind: "kv_error", message: "KV is down" });
    expect(problems).toEqual([{ kind: "kv_error", message: "KV is down" }]);
  });

  it("a good document afterwards clears the problem and puts the config in force", async () => {
    const kv = new FakeKV();
    kv.failWith = new Error("KV is down");
    const cache = new ConfigCache(1_000);
    const { problems, onProblem } = recorder();
    await cache.get(kv.namespace, 0, noDefer, onProblem);
    expect(cache.lastProblem?.kind).toBe("kv_error");

    kv.failWith = undefined;
    await writeGood(kv, 4);
    // A cold isolate waits for KV on every request, whatever the TTL.
    const loaded = await cache.get(kv.namespace, 10, noDefer, onProblem);
    expect(loaded?.envelope.version).toBe(4);
    expect(loaded?.compiled.version).toBe(4);
    expect([...(loaded?.compiled.origins.keys() ?? [])]).toEqual(["o0", "o1", "o2"]);
    expect(cache.current).toBe(loaded);
    expect(cache.lastProblem).toBeUndefined();
    expect(problems).toHaveLength(1);
  });

  it("writeConfig stores the versioned copy and the pointer", async () => {
    const kv = new FakeKV();
    await writeGood(kv, 2);
    expect([...kv.values.keys()].sort()).toEqual([CONFIG_KEY, versionKey(2)].sort());
    expect(kv.values.get(CONFIG_KEY)).toBe(kv.values.get(versionKey(2)));
  });

  it("an invalid document after a good one keeps the good one in force", async () => {
    const kv = new FakeKV();
    const cache = new ConfigCache(1_000);
    const { problems, onProblem } = recorder();
    await writeGood(kv, 1);
    const good = await cache.get(kv.namespace, 0, noDefer, onProblem);
    expect(good?.envelope.version).toBe(1);

    await kv.put(CONFIG_KEY, JSON.stringify({ version: 2, updatedAt: "t", document: { origins: [] } }));
    await cache.refresh(kv.namespace, 2_000, onProblem);
    expect(cache.current).toBe(good);
    expect(cache.lastProblem?.kind).toBe("invalid_document");
    expect(cache.lastProblem?.message).toContain("version 2");
    expect(problems.map((p) => p.kind)).toEqual(["invalid_document"]);
    const problem = problems[0];
    expect(problem?.kind === "invalid_document" ? problem.issues?.length : 0).toBeGreaterThan(0);
  });

  it("text that is not JSON, or not an envelope, is an invalid document too", async () => {
    const kv = new FakeKV();
    const cache = new ConfigCache(0);
    const { problems, onProblem } = recorder();
    await writeGood(kv, 1);
    await cache.refresh(kv.namespace, 0, onProblem);

    await kv.put(CONFIG_KEY, "not json at all");
    await cache.refresh(kv.namespace, 1, onProblem);
    await kv.put(CONFIG_KEY, JSON.stringify({ document: singlePool() }));
    await cache.refresh(kv.namespace, 2, onProblem);
    expect(problems.map((p) => p.kind)).toEqual(["invalid_document", "invalid_document"]);
    expect(cache.current?.envelope.version).toBe(1);
  });

  it("a good document after an invalid one clears the problem", async () => {
    const kv = new FakeKV();
    const cache = new ConfigCache(0);
    const { onProblem } = recorder();
    await kv.put(CONFIG_KEY, "{");
    await cache.refresh(kv.namespace, 0, onProblem);
    expect(cache.current).toBeUndefined();
    expect(cache.lastProblem?.kind).toBe("invalid_document");
    await writeGood(kv, 3);
    await cache.refresh(kv.namespace, 1, onProblem);
    expect(cache.current?.envelope.version).toBe(3);
    expect(cache.lastProblem).toBeUndefined();
  });

  it("nothing stored: no config and no problem", async () => {
    const kv = new FakeKV();
    const cache = new ConfigCache(1_000);
    const { problems, onProblem } = recorder();
    expect(await cache.get(kv.namespace, 0, noDefer, onProblem)).toBeUndefined();
    expect(cache.lastProblem).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it("a fresh cache answers without reading KV", async () => {
    const kv = new FakeKV();
    const cache = new ConfigCache(1_000);
    await writeGood(kv, 1);
    await cache.get(kv.namespace, 0, noDefer, () => undefined);
    const reads = kv.gets;
    expect((await cache.get(kv.namespace, 999, noDefer, () => undefined))?.envelope.version).toBe(1);
    expect(kv.gets).toBe(reads);
  });

  it("a stale cache answers at once with the current config and defers the refresh", async () => {
    const kv = new FakeKV();
    const cache = new ConfigCache(1_000);
    await writeGood(kv, 1);
    const first = await cache.get(kv.namespace, 0, noDefer, () => undefined);
    await writeGood(kv, 2, 4);

    const deferred: Promise<void>[] = [];
    const answer = await cache.get(
      kv.namespace,
      1_000,
      (p) => deferred.push(p),
      () => undefined,
    );
    expect(answer).toBe(first);
    expect(answer?.envelope.version).toBe(1);
    expect(deferred).toHaveLength(1);
    expect(deferred[0]).toBeInstanceOf(Promise);

    await Promise.all(deferred);
    expect(cache.current?.envelope.version).toBe(2);
    expect(cache.current?.compiled.origins.size).toBe(4);
  });

  it("install ignores an older version than the one in force", async () => {
    const kv = new FakeKV();
    const cache = new ConfigCache(1_000);
    await writeGood(kv, 5);
    const v5 = await cache.get(kv.namespace, 0, noDefer, () => undefined);
    const other = new ConfigCache(1_000);
    await writeGood(kv, 4);
    const v4 = await other.get(kv.namespace, 0, noDefer, () => undefined);
    if (v4 === undefined) throw new Error("no config loaded");
    cache.install(v4, 10);
    expect(cache.current).toBe(v5);
  });
});

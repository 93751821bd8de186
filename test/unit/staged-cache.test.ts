/**
 * The isolate's config cache while a staged config change is in flight
 * (src/config/store.ts, staged-read.ts): it holds both compiled versions and answers per
 * colo; with nothing staged a refresh reads KV once, as before; a stage change keeps both
 * compiled configs (no second compile, steering memory kept); the end of the change drops
 * the candidate; anything wrong with the staged parts serves the version in force.
 */
import { describe, expect, it } from "vitest";
import { STAGED_KEY } from "../../src/config/staged.ts";
import type { StagedRecord } from "../../src/config/staged.ts";
import { CONFIG_KEY, ConfigCache, versionKey, writeConfig } from "../../src/config/store.ts";
import type { ConfigEnvelope, LoadProblem } from "../../src/config/store.ts";
import { singlePool } from "./helpers/configs.ts";

class FakeKV {
  readonly values = new Map<string, string>();
  readonly reads: string[] = [];

  get(key: string): Promise<string | null> {
    this.reads.push(key);
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

const envelope = (version: number, origins: number): ConfigEnvelope => ({
  version,
  updatedAt: "2026-12-06T00:00:00Z",
  document: singlePool({ origins }),
});

const record = (over: Partial<StagedRecord> = {}): StagedRecord => ({
  version: 2,
  from: 1,
  stages: [1, 50, 100],
  stage: 0,
  colos: ["FRA"],
  share: 0,
  startedAt: 0,
  state: "progressing",
  ...over,
});

/** Version 1 in force, version 2 staged in FRA. */
async function stagedKv(): Promise<FakeKV> {
  const kv = new FakeKV();
  await writeConfig(kv.namespace, envelope(1, 2));
  await kv.put(versionKey(2), JSON.stringify(envelope(2, 3)));
  await kv.put(STAGED_KEY, JSON.stringify(record()));
  await kv.put(CONFIG_KEY, JSON.stringify({ ...envelope(1, 2), staged: 2 }));
  return kv;
}

function problems(): { seen: LoadProblem[]; onProblem: (p: LoadProblem) => void } {
  const seen: LoadProblem[] = [];
  return { seen, onProblem: (p) => seen.push(p) };
}

describe("the config cache with a staged change", () => {
  it("nothing staged: one KV read per refresh, no staged part", async () => {
    const kv = new FakeKV();
    await writeConfig(kv.namespace, envelope(1, 2));
    const cache = new ConfigCache(1_000);
    await cache.refresh(kv.namespace, 0, problems().onProblem);
    expect(kv.reads).toEqual([CONFIG_KEY]);
    expect(cache.current?.staged).toBeUndefined();
    expect(cache.versionFor("FRA")).toBe(1);
  });

  it("holds both compiled versions and answers per colo", async () => {
    const kv = await stagedKv();
    const cache = new ConfigCache(1_000);
    await cache.refresh(kv.namespace, 0, problems().onProblem);
    const current = cache.current;
    expect(current?.envelope.version).toBe(1);
    expect(current?.compiled.config.origins.length).toBe(2);
    expect(current?.staged?.candidate.envelope.version).toBe(2);
    expect(current?.staged?.candidate.compiled.config.origins.length).toBe(3);
    expect(current?.staged?.inForceIn("FRA")).toBe(true);
    expect(current?.staged?.inForceIn("SIN")).toBe(false);
    expect(current?.staged?.inForceIn("FRA")).toBe(true);
    expect(cache.versionFor("FRA")).toBe(2);
    expect(cache.versionFor("SIN")).toBe(1);
  });

  it("a stage change keeps both compiled configs; the candidate is read once", async () => {
    const kv = await stagedKv();
    const cache = new ConfigCache(1_000);
    await cache.refresh(kv.namespace, 0, problems().onProblem);
    const base = cache.current?.compiled;
    const candidate = cache.current?.staged?.candidate.compiled;
    await kv.put(STAGED_KEY, JSON.stringify(record({ stage: 2, share: 100 })));
    kv.reads.length = 0;
    await cache.refresh(kv.namespace, 2_000, problems().onProblem);
    expect(kv.reads).toEqual([CONFIG_KEY, STAGED_KEY]);
    expect(cache.current?.compiled).toBe(base);
    expect(cache.current?.staged?.candidate.compiled).toBe(candidate);
    expect(cache.versionFor("SIN")).toBe(2);
  });

  it("the end of the change (pointer out) drops the candidate; the version in force stays compiled once", async () => {
    const kv = await stagedKv();
    const cache = new ConfigCache(1_000);
    await cache.refresh(kv.namespace, 0, problems().onProblem);
    const base = cache.current?.compiled;
    await kv.put(CONFIG_KEY, JSON.stringify(envelope(1, 2)));
    await kv.put(STAGED_KEY, JSON.stringify(record({ state: "rolled_back" })));
    await cache.refresh(kv.namespace, 2_000, problems().onProblem);
    expect(cache.current?.staged).toBeUndefined();
    expect(cache.current?.compiled).toBe(base);
    expect(cache.versionFor("FRA")).toBe(1);
  });

  it("an ended record, one of another version, or a candidate not stored: the version in force serves", async () => {
    for (const [label, change] of [
      ["ended", async (kv: FakeKV) => kv.put(STAGED_KEY, JSON.stringify(record({ state: "aborted" })))],
      ["other version", async (kv: FakeKV) => kv.put(STAGED_KEY, JSON.stringify(record({ version: 7 })))],
      ["no candidate", async (kv: FakeKV) => kv.values.delete(versionKey(2))],
      ["bad record", async (kv: FakeKV) => kv.put(STAGED_KEY, "{}")],
    ] as const) {
      const kv = await stagedKv();
      await change(kv);
      const cache = new ConfigCache(1_000);
      const { seen, onProblem } = problems();
      await cache.refresh(kv.namespace, 0, onProblem);
      expect(cache.current?.envelope.version, label).toBe(1);
      expect(cache.current?.staged, label).toBeUndefined();
      expect(cache.versionFor("FRA"), label).toBe(1);
      // Only what cannot be read is a problem; an ended change or another's record is not.
      expect(seen.length > 0, label).toBe(label === "no candidate" || label === "bad record");
    }
  });
});

describe("promotion in the cache", () => {
  it("the pointer moved to the candidate: its compiled config is kept, not compiled again", async () => {
    const kv = await stagedKv();
    const cache = new ConfigCache(1_000);
    await cache.refresh(kv.namespace, 0, problems().onProblem);
    const candidate = cache.current?.staged?.candidate.compiled;
    await kv.put(CONFIG_KEY, JSON.stringify({ ...envelope(2, 3), reason: "staged change 2 promoted" }));
    await cache.refresh(kv.namespace, 2_000, problems().onProblem);
    expect(cache.current?.envelope.version).toBe(2);
    expect(cache.current?.envelope.reason).toBe("staged change 2 promoted");
    expect(cache.current?.compiled).toBe(candidate);
    expect(cache.current?.staged).toBeUndefined();
    expect(cache.versionFor("SIN")).toBe(2);
  });
});

/**
 * Isolates in one colo share one snapshot read per TTL through the Cache API. Four
 * isolates are four SnapshotCaches (what each isolate holds), each refreshing through the
 * same loader the request path uses; the object reads are counted at the call.
 */
import { env } from "cloudflare:test";
import { describe, it } from "vitest";
import { SnapshotCache, SNAPSHOT_TTL_MS } from "../../src/state/snapshot-cache.ts";
import { loadSnapshot, snapshotCacheKey } from "../../src/state/snapshot-source.ts";
import { originStateStub } from "../../src/state/origin-state.ts";
import { countedCall } from "../../src/state/do-calls.ts";
import { isolate } from "../../src/isolate.ts";

const metric = (pattern: RegExp): number => Number(pattern.exec(isolate.metrics.render())?.[1] ?? 0);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("snapshot reads through the colo's Cache API", () => {
  it("four isolates in one colo read the object once per TTL; another colo reads its own", async ({ expect }) => {
    const colo = `T${Date.now() % 100_000}`;
    let reads = 0;
    const read = (c: string) => () => {
      reads++;
      return originStateStub(env).snapshot(c);
    };
    const isolates = Array.from({ length: 4 }, () => new SnapshotCache());
    const refreshAll = async (c: string): Promise<void> => {
      for (const held of isolates)
        await held.refresh(
          () => loadSnapshot(c, held.current, read(c)),
          Date.now,
          (error) => {
            throw error;
          },
        );
    };
    const objectCalls = () => metric(/edgeway_do_calls_total\{method="snapshot",outcome="ok"\} (\d+)/);
    const callsBefore = objectCalls();
    const cacheBefore = metric(/edgeway_snapshot_reads_total\{source="cache"\} (\d+)/);

    await refreshAll(colo);
    expect(reads).toBe(1);
    expect(isolates.every((i) => i.current !== undefined)).toBe(true);
    expect(metric(/edgeway_snapshot_reads_total\{source="cache"\} (\d+)/) - cacheBefore).toBe(3);

    // One TTL later (the cache entry's max-age): one more object read for the four.
    await sleep(SNAPSHOT_TTL_MS + 100);
    await refreshAll(colo);
    expect(reads).toBe(2);
    expect(objectCalls() - callsBefore).toBe(2);

    // Another colo's isolates do not share this colo's entry.
    await sleep(SNAPSHOT_TTL_MS + 100);
    await refreshAll(`${colo}-other`);
    expect(reads).toBe(3);
    expect(await caches.default.match(snapshotCacheKey(`${colo}-other`))).toBeDefined();
  });

  it("an isolate holding the colo's latest snapshot keeps it for a TTL, then reads the object itself", async ({ expect }) => {
    const colo = `U${Date.now() % 100_000}`;
    let reads = 0;
    const read = () => {
      reads++;
      return originStateStub(env).snapshot(colo);
    };
    const first = await loadSnapshot(colo, undefined, read);
    expect(reads).toBe(1);
    expect(await loadSnapshot(colo, first, read)).toBe(first);
    expect(reads).toBe(1);
    // A TTL later, to the millisecond (not the cache's whole-second expiry): a read.
    await sleep(SNAPSHOT_TTL_MS + 50);
    const second = await loadSnapshot(colo, first, read);
    expect(reads).toBe(2);
    expect(second.generatedAt).toBeGreaterThan(first.generatedAt);
  });

  it("while one isolate reads the object, the colo's other stale isolates hold off", async ({ expect }) => {
    const colo = `V${Date.now() % 100_000}`;
    let reads = 0;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = await loadSnapshot(colo, undefined, () => originStateStub(env).snapshot(colo));
    await sleep(SNAPSHOT_TTL_MS + 50);
    // Isolate A finds the entry stale, claims it and reads the object slowly.
    const slow = loadSnapshot(colo, first, async () => {
      reads++;
      await gate;
      return originStateStub(env).snapshot(colo);
    });
    await sleep(100);
    // Isolates B, C, D go stale meanwhile: they keep what they have.
    for (let i = 0; i < 3; i++)
      expect(
        await loadSnapshot(colo, first, () => {
          reads++;
          return originStateStub(env).snapshot(colo);
        }),
      ).toBe(first);
    release();
    expect((await slow).generatedAt).toBeGreaterThan(first.generatedAt);
    expect(reads).toBe(1);
  });
});

describe("Durable Object call metrics", () => {
  it("count calls by method and outcome, with their duration", async ({ expect }) => {
    const errors = () => metric(/edgeway_do_calls_total\{method="test_method",outcome="error"\} (\d+)/);
    const before = errors();
    await expect(countedCall("test_method", () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(errors() - before).toBe(1);
    await originStateStub(env).registrations();
    const text = isolate.metrics.render();
    expect(text).toMatch(/edgeway_do_calls_total\{method="registrations",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/edgeway_do_call_duration_seconds_count\{method="registrations"\} [1-9]/);
  });
});

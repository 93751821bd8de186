import { describe, expect, it, vi } from "vitest";
import { isHealthyIn } from "../../src/health/snapshot.ts";
import { SnapshotCache } from "../../src/state/snapshot-cache.ts";
import type { HealthSnapshot } from "../../src/health/snapshot.ts";

function snapshot(generatedAt: number, origins: Record<string, boolean> = {}): HealthSnapshot {
  return {
    generatedAt,
    origins: Object.fromEntries(
      Object.entries(origins).map(([id, healthy]) => [id, { healthy, since: 0, reason: healthy ? "ok" : "down" }]),
    ),
  };
}

/** A promise with its resolve and reject in hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("staleness", () => {
  it("is stale before any snapshot, fresh after one, stale again after the TTL", () => {
    const cache = new SnapshotCache(2_000, 1_000);
    expect(cache.isStale(0)).toBe(true);
    expect(cache.current).toBeUndefined();
    expect(cache.age(0)).toBeUndefined();
    cache.set(snapshot(1), 10_000);
    expect(cache.isStale(10_000)).toBe(false);
    expect(cache.isStale(11_999)).toBe(false);
    expect(cache.isStale(12_000)).toBe(true);
    expect(cache.age(11_500)).toBe(1_500);
  });
});

describe("refresh", () => {
  it("stores what the load returns, stamped with the clock", async () => {
    const cache = new SnapshotCache(2_000, 1_000);
    let clock = 5_000;
    const errors: unknown[] = [];
    await cache.refresh(
      async () => snapshot(7, { a: false }),
      () => clock,
      (e) => errors.push(e),
    );
    expect(errors).toEqual([]);
    expect(cache.current?.generatedAt).toBe(7);
    expect(cache.isStale(6_999)).toBe(false);
    clock = 7_000;
    expect(cache.isStale(clock)).toBe(true);
  });

  it("keeps a single refresh in flight", async () => {
    const cache = new SnapshotCache(2_000, 1_000);
    const pending = deferred<HealthSnapshot>();
    let loads = 0;
    const load = (): Promise<HealthSnapshot> => {
      loads++;
      return pending.promise;
    };
    const first = cache.refresh(
      load,
      () => 0,
      () => undefined,
    );
    const second = cache.refresh(
      load,
      () => 0,
      () => undefined,
    );
    const third = cache.refresh(
      load,
      () => 0,
      () => undefined,
    );
    expect(second).toBe(first);
    expect(third).toBe(first);
    pending.resolve(snapshot(1));
    await first;
    expect(loads).toBe(1);
    expect(cache.current?.generatedAt).toBe(1);
    // Once it settles, the next refresh loads again.
    await cache.refresh(
      async () => snapshot(2),
      () => 0,
      () => undefined,
    );
    expect(cache.current?.generatedAt).toBe(2);
  });

  it("a failing load keeps the old snapshot and calls onError", async () => {
    const cache = new SnapshotCache(2_000, 1_000);
    cache.set(snapshot(1, { a: true }), 0);
    const errors: unknown[] = [];
    const failure = new Error("durable object unreachable");
    await cache.refresh(
      () => Promise.reject(failure),
      () => 3_000,
      (e) => errors.push(e),
    );
    expect(errors).toEqual([failure]);
    expect(cache.current?.generatedAt).toBe(1);
    expect(isHealthyIn(cache.current, "a")).toBe(true);
  });

  it("after a failure it does not retry on every request, but does within a TTL", async () => {
    const cache = new SnapshotCache(2_000, 1_000);
    cache.set(snapshot(1), 0);
    expect(cache.isStale(3_000)).toBe(true);
    await cache.refresh(
      () => Promise.reject(new Error("down")),
      () => 3_000,
      () => undefined,
    );
    expect(cache.isStale(3_000)).toBe(false);
    expect(cache.isStale(3_000 + 2_000)).toBe(true);
  });

  it("a slow load times out, keeps the old snapshot and calls onError", async () => {
    const cache = new SnapshotCache(10_000, 20);
    cache.set(snapshot(1), 0);
    const never = deferred<HealthSnapshot>();
    const errors: unknown[] = [];
    await cache.refresh(
      () => never.promise,
      () => 0,
      (e) => errors.push(e),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Error);
    const error = errors[0];
    expect(error instanceof Error ? error.message : "").toContain("20 ms");
    expect(cache.current?.generatedAt).toBe(1);
    // The abandoned load arriving late changes nothing, and a new refresh may start.
    never.resolve(snapshot(99));
    await never.promise;
    expect(cache.current?.generatedAt).toBe(1);
    await cache.refresh(
      async () => snapshot(2),
      () => 0,
      () => undefined,
    );
    expect(cache.current?.generatedAt).toBe(2);
  });

  it("a load that throws before returning a promise still goes to onError", async () => {
    // The load is typed () => Promise<HealthSnapshot>, but the shell's load,
    // () => originStateStub(env).snapshot(), can throw synchronously (a missing or bad
    // binding). refresh() then throws to its caller (ensureFreshHealth, on the request
    // path) instead of calling onError, and leaves its timeout timer armed, whose promise
    // later rejects with no handler. Fake timers keep that rejection from firing here.
    vi.useFakeTimers();
    try {
      const cache = new SnapshotCache(2_000, 20);
      cache.set(snapshot(1), 0);
      const errors: unknown[] = [];
      const failure = new TypeError("ORIGIN_STATE is undefined");
      const load = (): Promise<HealthSnapshot> => {
        throw failure;
      };
      let thrown: unknown;
      try {
        await cache.refresh(
          load,
          () => 3_000,
          (e) => errors.push(e),
        );
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeUndefined();
      expect(errors).toEqual([failure]);
      expect(cache.current?.generatedAt).toBe(1);
    } finally {
      vi.clearAllTimers();
      vi.useRealTimers();
    }
  });

  it("an older snapshot never replaces a newer one", async () => {
    const cache = new SnapshotCache(2_000, 1_000);
    cache.set(snapshot(200, { a: false }), 0);
    cache.set(snapshot(100, { a: true }), 10);
    expect(cache.current?.generatedAt).toBe(200);
    await cache.refresh(
      async () => snapshot(150, { a: true }),
      () => 20,
      () => undefined,
    );
    expect(cache.current?.generatedAt).toBe(200);
    expect(isHealthyIn(cache.current, "a")).toBe(false);
    cache.set(snapshot(300, { a: true }), 30);
    expect(cache.current?.generatedAt).toBe(300);
  });
});

describe("isHealthyIn", () => {
  it("reads the snapshot's verdict", () => {
    const s = snapshot(1, { up: true, down: false });
    expect(isHealthyIn(s, "up")).toBe(true);
    expect(isHealthyIn(s, "down")).toBe(false);
  });

  it("treats an origin the snapshot does not know as healthy", () => {
    expect(isHealthyIn(snapshot(1, { down: false }), "new-origin")).toBe(true);
  });

  it("treats every origin as healthy without a snapshot (fail open)", () => {
    expect(isHealthyIn(undefined, "anything")).toBe(true);
  });

  it("does not take prototype names for origins", () => {
    expect(isHealthyIn(snapshot(1), "constructor")).toBe(true);
    expect(isHealthyIn(snapshot(1), "toString")).toBe(true);
  });
});

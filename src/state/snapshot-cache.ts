/**
 * The isolate's copy of the health snapshot, refreshed in the background
 * (stale-while-revalidate, one refresh in flight per isolate), so a request never waits
 * on the Durable Object (DESIGN.md principle 2). A refresh that fails or takes too long
 * keeps the last snapshot (principle 3); with none at all every origin counts as healthy.
 */
import type { HealthSnapshot } from "../health/snapshot.ts";
import { withDeadline } from "./deadline.ts";

/** How old the snapshot may get before a request starts a background refresh. */
export const SNAPSHOT_TTL_MS = 2_000;
/** A refresh that takes longer is abandoned (counted as a fail-static event). */
export const SNAPSHOT_TIMEOUT_MS = 1_000;

export class SnapshotCache {
  #snapshot: HealthSnapshot | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  readonly #ttlMs: number;
  readonly #timeoutMs: number;

  constructor(ttlMs = SNAPSHOT_TTL_MS, timeoutMs = SNAPSHOT_TIMEOUT_MS) {
    this.#ttlMs = ttlMs;
    this.#timeoutMs = timeoutMs;
  }

  /** The snapshot in hand, however old. */
  get current(): HealthSnapshot | undefined {
    return this.#snapshot;
  }

  /** Replaces the snapshot (after a refresh, or when this isolate ran the probes itself). */
  set(snapshot: HealthSnapshot, now: number): void {
    if (this.#snapshot !== undefined && snapshot.generatedAt < this.#snapshot.generatedAt) return;
    this.#snapshot = snapshot;
    this.#fetchedAt = now;
  }

  isStale(now: number): boolean {
    return now - this.#fetchedAt >= this.#ttlMs;
  }

  /** Age of the snapshot in ms, or undefined when there is none. */
  age(now: number): number | undefined {
    return this.#snapshot === undefined ? undefined : now - this.#fetchedAt;
  }

  /**
   * Starts a refresh unless one is in flight; returns the promise to hand to waitUntil.
   * `onError` hears about failures and timeouts; the old snapshot stays in place.
   */
  refresh(load: () => Promise<HealthSnapshot>, now: () => number, onError: (error: unknown) => void): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    // Stamp the attempt so a failing Durable Object is retried once per TTL, not per request.
    this.#fetchedAt = Math.max(this.#fetchedAt, now() - this.#ttlMs / 2);
    // Promise.resolve().then: a load that throws at once is a failure like any other.
    this.#inflight = withDeadline(Promise.resolve().then(load), this.#timeoutMs, "health snapshot refresh")
      .then((snapshot) => this.set(snapshot, now()))
      .catch(onError)
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}

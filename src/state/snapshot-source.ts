/**
 * Where an isolate's health snapshot comes from: the colo's Cache API first, the Durable
 * Object on a miss. Isolates in one colo share `caches.default`, so the first isolate to
 * find the entry missing or expired reads the object and stores the snapshot for
 * SNAPSHOT_TTL_MS; the others in the colo read it from the cache. Object reads then grow
 * with colos ÷ TTL, not with isolates (DESIGN.md, "At internet scale"; docs/do-budget.md).
 *
 * The key names the colo (a snapshot carries that colo's latency estimates) and the
 * state object (shard). An isolate takes a cached snapshot only when it is newer than
 * the one it holds, so an isolate that wrote the entry itself never re-reads its own copy
 * after its TTL. Staleness is at most two TTLs (cache age + isolate age); ejections do not
 * wait for it, they travel with traffic reports. Where the Cache API does nothing (a
 * workers.dev deploy), every miss goes to the object, as before.
 */
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { SNAPSHOT_TTL_MS } from "./snapshot-cache.ts";
import { isolate } from "../isolate.ts";
import { errorMessage, log } from "../observe/log.ts";

/** The cache keys' origin: never served, only a name in the colo's cache. */
export const SNAPSHOT_CACHE_ORIGIN = "https://edgeway-snapshot.invalid";

const READS_HELP = "Health snapshot reads by this isolate, by source: the colo's Cache API (cache) or the Durable Object (durable_object).";

/** The colo cache's key for a state object's snapshot as `colo` sees it. */
export function snapshotCacheKey(colo: string, shard = "global"): string {
  return `${SNAPSHOT_CACHE_ORIGIN}/${encodeURIComponent(shard)}/${encodeURIComponent(colo)}`;
}

/** The colo's cache, or undefined where the runtime has none. */
function coloCache(): Cache | undefined {
  return typeof caches === "undefined" ? undefined : caches.default;
}

/** A cached snapshot newer than `held`, or undefined (miss, older, unreadable). */
async function fromCache(cache: Cache, key: string, held: HealthSnapshot | undefined): Promise<HealthSnapshot | undefined> {
  try {
    const hit = await cache.match(key);
    if (hit === undefined) return undefined;
    const snapshot = HealthSnapshotSchema.parse(await hit.json());
    return held === undefined || snapshot.generatedAt > held.generatedAt ? snapshot : undefined;
  } catch (error) {
    log("warn", "snapshot_cache_unreadable", { message: errorMessage(error) });
    return undefined;
  }
}

/** Stores a snapshot for the colo's other isolates, for one TTL. A failed put costs only a later object read. */
export async function shareSnapshot(snapshot: HealthSnapshot, colo: string, shard = "global", ttlMs = SNAPSHOT_TTL_MS): Promise<void> {
  const cache = coloCache();
  if (cache === undefined) return;
  const maxAge = Math.max(1, Math.round(ttlMs / 1_000));
  const response = new Response(JSON.stringify(snapshot), {
    headers: { "content-type": "application/json", "cache-control": `max-age=${maxAge}` },
  });
  await cache.put(snapshotCacheKey(colo, shard), response).catch((error: unknown) => {
    log("warn", "snapshot_cache_put_failed", { message: errorMessage(error) });
  });
}

/**
 * The snapshot for `colo`: from the colo's cache when it holds one newer than `held`,
 * else from `readObject` (then shared through the cache).
 */
export async function loadSnapshot(
  colo: string,
  held: HealthSnapshot | undefined,
  readObject: () => Promise<unknown>,
  shard = "global",
): Promise<HealthSnapshot> {
  const cache = coloCache();
  const cached = cache === undefined ? undefined : await fromCache(cache, snapshotCacheKey(colo, shard), held);
  if (cached !== undefined) {
    isolate.metrics.inc("edgeway_snapshot_reads_total", READS_HELP, { source: "cache" });
    return cached;
  }
  isolate.metrics.inc("edgeway_snapshot_reads_total", READS_HELP, { source: "durable_object" });
  // Parse, don't cast: a snapshot from an older or newer object version is checked here.
  const snapshot = HealthSnapshotSchema.parse(await readObject());
  await shareSnapshot(snapshot, colo, shard);
  return snapshot;
}

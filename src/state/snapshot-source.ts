/**
 * Where an isolate's health snapshot comes from: the colo's Cache API first, the Durable
 * Object on a miss. Isolates in one colo share `caches.default`, so the first isolate to
 * find the entry missing or a TTL old reads the object and stores the snapshot; the others
 * in the colo read it from the cache. Object reads then grow with colos ÷ TTL, not with
 * isolates (DESIGN.md, "At internet scale"; docs/do-budget.md).
 *
 * - The key names the state object (shard) and the colo (a snapshot carries that colo's
 *   latency estimates).
 * - Freshness is the entry's own `x-edgeway-stored-at` against SNAPSHOT_TTL_MS, to the
 *   millisecond, not the cache's expiry (whole seconds): an entry stays cached for two
 *   TTLs so a stale one can still be handed out while one isolate refreshes it.
 * - The isolate that finds the entry stale first re-stamps it as claimed for CLAIM_MS,
 *   then reads the object: isolates that go stale meanwhile keep what they have (or take
 *   the claimed entry if it is newer) instead of all reading the object at once. Puts are
 *   not atomic, so two isolates may both claim; that costs a second read, nothing more.
 * - An isolate never replaces its snapshot with an older one.
 *
 * Staleness stays under two TTLs; ejections do not wait for it, they travel with traffic
 * reports. Where the Cache API does nothing (a workers.dev deploy) every stale isolate
 * reads the object, as before.
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

/** How long a claim holds off the colo's other isolates while one reads the object. */
export const CLAIM_MS = 1_000;
const STORED_AT = "x-edgeway-stored-at";

interface Entry {
  readonly snapshot: HealthSnapshot | undefined;
  readonly storedAt: number;
}

async function readEntry(cache: Cache, key: string): Promise<Entry | undefined> {
  try {
    const hit = await cache.match(key);
    if (hit === undefined) return undefined;
    const storedAt = Number(hit.headers.get(STORED_AT));
    const body: unknown = await hit.json();
    const parsed = HealthSnapshotSchema.safeParse(body);
    return { snapshot: parsed.success ? parsed.data : undefined, storedAt: Number.isFinite(storedAt) ? storedAt : 0 };
  } catch (error) {
    log("warn", "snapshot_cache_unreadable", { message: errorMessage(error) });
    return undefined;
  }
}

async function putEntry(cache: Cache, key: string, snapshot: HealthSnapshot | undefined, storedAt: number, ttlMs: number): Promise<void> {
  const maxAge = Math.max(1, Math.ceil((2 * ttlMs) / 1_000));
  const response = new Response(JSON.stringify(snapshot ?? {}), {
    headers: { "content-type": "application/json", "cache-control": `max-age=${maxAge}`, [STORED_AT]: String(storedAt) },
  });
  await cache.put(key, response).catch((error: unknown) => {
    log("warn", "snapshot_cache_put_failed", { message: errorMessage(error) });
  });
}

/** Stores a snapshot for the colo's other isolates. A failed put costs only a later object read. */
export async function shareSnapshot(snapshot: HealthSnapshot, colo: string, shard = "global", ttlMs = SNAPSHOT_TTL_MS): Promise<void> {
  const cache = coloCache();
  if (cache !== undefined) await putEntry(cache, snapshotCacheKey(colo, shard), snapshot, Date.now(), ttlMs);
}

const newer = (a: HealthSnapshot | undefined, than: HealthSnapshot | undefined): a is HealthSnapshot =>
  a !== undefined && (than === undefined || a.generatedAt > than.generatedAt);

/**
 * The snapshot for `colo`: the colo's cached one when it is fresh (or `held` when that is
 * as new), else from `readObject`, which is then shared through the cache.
 */
export async function loadSnapshot(
  colo: string,
  held: HealthSnapshot | undefined,
  readObject: () => Promise<unknown>,
  shard = "global",
  ttlMs = SNAPSHOT_TTL_MS,
): Promise<HealthSnapshot> {
  const cache = coloCache();
  const key = snapshotCacheKey(colo, shard);
  const entry = cache === undefined ? undefined : await readEntry(cache, key);
  const now = Date.now();
  if (cache !== undefined && entry !== undefined && now - entry.storedAt < ttlMs) {
    // Fresh, or claimed by an isolate that is reading the object now: nothing newer to get.
    const best = newer(entry.snapshot, held) ? entry.snapshot : held;
    if (best !== undefined) {
      isolate.metrics.inc("edgeway_snapshot_reads_total", READS_HELP, { source: "cache" });
      return best;
    }
  }
  // Stale or missing: claim it so the colo's other isolates hold off, then read the object.
  if (cache !== undefined) await putEntry(cache, key, entry?.snapshot, now - ttlMs + CLAIM_MS, ttlMs);
  isolate.metrics.inc("edgeway_snapshot_reads_total", READS_HELP, { source: "durable_object" });
  // Parse, don't cast: a snapshot from an older or newer object version is checked here.
  const snapshot = HealthSnapshotSchema.parse(await readObject());
  if (cache !== undefined) await putEntry(cache, key, snapshot, Date.now(), ttlMs);
  return snapshot;
}

/**
 * Config history: every stored version stays in KV under `config:v:<N>` with who stored
 * it, when, why and how much changed as the key's metadata, so a listing is one KV list
 * call. The newest HISTORY_KEEP versions are kept; older ones are deleted after a write.
 */
import { EnvelopeSchema, versionKey } from "./store.ts";
import type { ConfigEnvelope, VersionMetadata } from "./store.ts";

/** Versions kept in KV (rollback reaches this far back). */
export const HISTORY_KEEP = 100;

const PREFIX = "config:v:";

function versionOf(name: string): number | undefined {
  const n = Number(name.slice(PREFIX.length));
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/** Every stored version's metadata, newest first. */
export async function listHistory(kv: KVNamespace): Promise<VersionMetadata[]> {
  const out: VersionMetadata[] = [];
  let cursor: string | undefined;
  // Bounded: HISTORY_KEEP versions fit in one page; a few pages cover any backlog of deletes.
  for (let page = 0; page < 10; page++) {
    const listing: KVNamespaceListResult<unknown, string> = await kv.list({ prefix: PREFIX, ...(cursor === undefined ? {} : { cursor }) });
    for (const key of listing.keys) {
      const version = versionOf(key.name);
      if (version === undefined) continue;
      const meta = EnvelopeSchema.omit({ document: true }).safeParse(key.metadata);
      out.push(meta.success ? meta.data : { version, updatedAt: "unknown" });
    }
    if (listing.list_complete) break;
    cursor = listing.cursor;
  }
  return out.sort((a, b) => b.version - a.version);
}

/** One stored version, or undefined when it is not (or no longer) kept. */
export async function readVersion(kv: KVNamespace, version: number): Promise<ConfigEnvelope | undefined> {
  const text = await kv.get(versionKey(version), "text");
  if (text === null) return undefined;
  const parsed = EnvelopeSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** The newest stored version older than `version`. */
export async function previousVersion(
  kv: KVNamespace,
  version: number,
  history?: readonly VersionMetadata[],
): Promise<ConfigEnvelope | undefined> {
  const list = history ?? (await listHistory(kv));
  const before = list.find((m) => m.version < version);
  return before === undefined ? undefined : readVersion(kv, before.version);
}

/** Deletes versions beyond the newest HISTORY_KEEP (never the one in force). */
export async function pruneHistory(kv: KVNamespace, current: number, keep = HISTORY_KEEP): Promise<number> {
  const list = await listHistory(kv);
  const doomed = list.slice(keep).filter((m) => m.version !== current);
  await Promise.all(doomed.map((m) => kv.delete(versionKey(m.version))));
  return doomed.length;
}

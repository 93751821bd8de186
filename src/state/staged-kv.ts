/**
 * What a staged config change writes to KV, in the order that keeps every isolate's read
 * consistent: the candidate under its versioned key (history shows it at once), then
 * `config:staged` (where it is in force), then the `config` envelope's pointer to it. The
 * version in force (`config`'s `version`) does not move until promotion; ending a change
 * takes the pointer out first, then marks the record ended (an isolate that reads the
 * record alone of a stale pointer finds the record ended and serves the version in force).
 */
import { compileConfig } from "../config/compile.ts";
import { STAGED_KEY } from "../config/staged.ts";
import type { StagedRecord } from "../config/staged.ts";
import { CONFIG_KEY, EnvelopeSchema, metadataOf, versionKey } from "../config/store.ts";
import type { ConfigEnvelope } from "../config/store.ts";
import { validateConfig } from "../config/validate.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";

/** Stores the candidate's versioned copy (not the pointer). */
export async function writeCandidate(kv: KVNamespace, envelope: ConfigEnvelope): Promise<void> {
  await kv.put(versionKey(envelope.version), JSON.stringify(envelope), { metadata: metadataOf(envelope) });
}

/** The `config` envelope in force, read from KV now. */
export async function inForceEnvelope(kv: KVNamespace): Promise<ConfigEnvelope | undefined> {
  const parsed = EnvelopeSchema.safeParse(JSON.parse((await kv.get(CONFIG_KEY, "text")) ?? "null"));
  return parsed.success ? parsed.data : undefined;
}

/** Writes where the candidate is in force; with `pointer`, then points the `config` envelope (version `record.from`) at it. */
export async function writeStage(kv: KVNamespace, record: StagedRecord, pointer: boolean): Promise<void> {
  await kv.put(STAGED_KEY, JSON.stringify(record));
  if (!pointer) return;
  const envelope = await inForceEnvelope(kv);
  if (envelope === undefined || envelope.version !== record.from) throw new Error(`config version ${record.from} is no longer in force`);
  await kv.put(CONFIG_KEY, JSON.stringify({ ...envelope, staged: record.version }));
}

/**
 * Ends a change that was not promoted: the pointer to the candidate out (if the version in
 * force is still the change's), the record marked ended, the candidate's history line says why.
 */
export async function writeEnded(kv: KVNamespace, record: StagedRecord, why: string): Promise<void> {
  const envelope = await inForceEnvelope(kv);
  if (envelope !== undefined && envelope.staged === record.version) {
    const { staged: _, ...rest } = envelope;
    await kv.put(CONFIG_KEY, JSON.stringify(rest));
  }
  await kv.put(STAGED_KEY, JSON.stringify(record));
  await annotate(kv, record.version, why);
}

/**
 * Promotes: the candidate becomes the version in force (its reason says so), the record is
 * marked promoted. Put in force in this isolate (the object's) at once.
 */
export async function writePromoted(kv: KVNamespace, record: StagedRecord, why: string): Promise<ConfigEnvelope> {
  const candidate = await annotate(kv, record.version, why);
  if (candidate === undefined) throw new Error(`candidate version ${record.version} is not stored`);
  await kv.put(CONFIG_KEY, JSON.stringify(candidate));
  await kv.put(STAGED_KEY, JSON.stringify(record));
  const result = validateConfig(candidate.document);
  if (result.ok) isolate.config.install({ compiled: compileConfig(result.config, candidate.version), envelope: candidate }, Date.now());
  else
    reportConfigProblem({ kind: "invalid_document", message: `promoted version ${candidate.version} is invalid`, issues: result.issues });
  return candidate;
}

/** Adds `why` to the candidate's reason in history (the operator's own reason kept after it). */
async function annotate(kv: KVNamespace, version: number, why: string): Promise<ConfigEnvelope | undefined> {
  const parsed = EnvelopeSchema.safeParse(JSON.parse((await kv.get(versionKey(version), "text")) ?? "null"));
  if (!parsed.success) return undefined;
  const held = parsed.data;
  if (held.reason?.startsWith(why) === true) return held;
  const envelope: ConfigEnvelope = { ...held, reason: held.reason === undefined ? why : `${why}: ${held.reason}` };
  await writeCandidate(kv, envelope);
  return envelope;
}

/**
 * How an isolate reads a staged config change with its config: only when the `config`
 * envelope points at a candidate (`staged: N`) does it read `config:staged` (where the
 * candidate is in force) and, once per candidate version, the candidate itself. With nothing
 * staged a refresh costs the one read it always did.
 *
 * Anything wrong with the staged parts (KV failing, a record for another version, a candidate
 * that does not validate) leaves the candidate out: the version in force everywhere serves,
 * which is what a rollback would do.
 */
import { compileConfig } from "./compile.ts";
import { inForce, STAGED_KEY, StagedRecordSchema } from "./staged.ts";
import type { StagedRecord } from "./staged.ts";
import { validateConfig } from "./validate.ts";
import type { CompiledVersion, ConfigEnvelope } from "./envelope.ts";
import { EnvelopeSchema, versionKey } from "./envelope.ts";

/** A staged change as an isolate holds it: where it is in force, and the candidate compiled. */
export class StagedView {
  readonly record: StagedRecord;
  readonly candidate: CompiledVersion;
  /** The colo asked last and its answer (an isolate serves one colo in production). */
  #colo: string | undefined;
  #candidateHere = false;

  constructor(record: StagedRecord, candidate: CompiledVersion) {
    this.record = record;
    this.candidate = candidate;
  }

  /** Whether the candidate serves requests of `colo`. */
  inForceIn(colo: string): boolean {
    if (colo !== this.#colo) {
      this.#colo = colo;
      this.#candidateHere = inForce(this.record, colo);
    }
    return this.#candidateHere;
  }

  /** Whether `other` says the same (the refresh keeps this one, and its compiled candidate, then). */
  sameAs(other: StagedView | undefined): boolean {
    return other !== undefined && JSON.stringify(other.record) === JSON.stringify(this.record);
  }
}

async function readJson(kv: KVNamespace, key: string): Promise<unknown> {
  const text = await kv.get(key, "text");
  return text === null ? undefined : JSON.parse(text);
}

/**
 * The staged change the envelope points at, or why it is left out. `held` is the isolate's
 * view so far: its candidate is kept when the version is the same (no second compile, and the
 * candidate's steering memory survives a stage change).
 */
export async function readStaged(
  kv: KVNamespace,
  envelope: ConfigEnvelope,
  held: StagedView | undefined,
): Promise<{ view: StagedView } | { problem: string } | undefined> {
  const pointer = envelope.staged;
  if (pointer === undefined) return undefined;
  try {
    const record = StagedRecordSchema.safeParse(await readJson(kv, STAGED_KEY));
    if (!record.success) return { problem: `KV key "${STAGED_KEY}" is not a staged change record` };
    const r = record.data;
    // A record of another change, or of one that ended, puts nothing in force.
    if (r.version !== pointer || r.from !== envelope.version || (r.state !== "progressing" && r.state !== "paused")) return undefined;
    if (held !== undefined && held.candidate.envelope.version === pointer) return { view: new StagedView(r, held.candidate) };
    const parsed = EnvelopeSchema.safeParse(await readJson(kv, versionKey(pointer)));
    if (!parsed.success) return { problem: `candidate version ${pointer} is not stored` };
    const result = validateConfig(parsed.data.document);
    if (!result.ok) return { problem: `candidate version ${pointer} is invalid` };
    const candidate: CompiledVersion = { compiled: compileConfig(result.config, pointer), envelope: parsed.data };
    return { view: new StagedView(r, candidate) };
  } catch (error) {
    return { problem: `could not read the staged change: ${error instanceof Error ? error.message : String(error)}` };
  }
}

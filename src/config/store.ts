/**
 * The config in KV, and the isolate's cached copy of it. KV holds one envelope under
 * `config` (version, time, the document as the operator wrote it) and every version under
 * `config:v:<N>`. The isolate re-reads KV at most every CONFIG_TTL_MS, in the background
 * once it has a config; KV failing or holding an invalid document keeps the last-known-good
 * config in force (DESIGN.md principle 3), logged and counted.
 */
import { z } from "zod";
import { validateConfig } from "./validate.ts";
import type { ConfigIssue } from "./validate.ts";
import { compileConfig } from "./compile.ts";
import type { CompiledConfig } from "./compile.ts";
import { errorMessage } from "../util/error-message.ts";

export const CONFIG_KEY = "config";
export const versionKey = (version: number): string => `config:v:${version}`;

/** How long an isolate trusts its copy before re-reading KV (KV itself may be up to 60 s stale). */
export const CONFIG_TTL_MS = 5_000;

export const EnvelopeSchema = z.object({
  version: z.number().int().positive(),
  updatedAt: z.string(),
  document: z.unknown(),
  /** Who stored it (x-edgeway-actor, or the token's name); absent on versions stored before history existed. */
  actor: z.string().optional(),
  /** Why, as the operator said (x-edgeway-reason, or the rollback's reason). */
  reason: z.string().optional(),
  /** The version this one restored, for a rollback. */
  rollbackOf: z.number().int().positive().optional(),
  /** How it differs from the version before it. */
  changes: z.object({ added: z.number(), removed: z.number(), changed: z.number() }).optional(),
});

export type ConfigEnvelope = z.infer<typeof EnvelopeSchema>;

/** A config ready for the request path, with the document it came from. */
export interface LoadedConfig {
  readonly compiled: CompiledConfig;
  readonly envelope: ConfigEnvelope;
}

/** Why a KV read did not produce a usable config. */
export type LoadProblem =
  | { readonly kind: "kv_error"; readonly message: string }
  | { readonly kind: "invalid_document"; readonly message: string; readonly issues?: readonly ConfigIssue[] };

/** Reads and checks the envelope in KV; undefined when no config was ever stored. */
export async function readConfig(kv: KVNamespace): Promise<{ loaded: LoadedConfig } | { problem: LoadProblem } | undefined> {
  let text: string | null;
  try {
    text = await kv.get(CONFIG_KEY, "text");
  } catch (error) {
    return { problem: { kind: "kv_error", message: errorMessage(error) } };
  }
  if (text === null) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { problem: { kind: "invalid_document", message: `KV key "${CONFIG_KEY}" is not JSON` } };
  }
  const envelope = EnvelopeSchema.safeParse(raw);
  if (!envelope.success) return { problem: { kind: "invalid_document", message: `KV key "${CONFIG_KEY}" is not a config envelope` } };
  const result = validateConfig(envelope.data.document);
  if (!result.ok)
    return { problem: { kind: "invalid_document", message: `config version ${envelope.data.version} is invalid`, issues: result.issues } };
  return { loaded: { compiled: compileConfig(result.config, envelope.data.version), envelope: envelope.data } };
}

/** What a history listing shows of a version, kept as the versioned key's KV metadata (≤ 1 KiB). */
export type VersionMetadata = Omit<ConfigEnvelope, "document">;

export function metadataOf(envelope: ConfigEnvelope): VersionMetadata {
  const { document: _, ...meta } = envelope;
  return {
    ...meta,
    ...(meta.reason === undefined ? {} : { reason: meta.reason.slice(0, 300) }),
    ...(meta.actor === undefined ? {} : { actor: meta.actor.slice(0, 128) }),
  };
}

/**
 * Stores a validated document as `version`: the versioned copy first, then the pointer,
 * so the pointer never names a version that is not stored.
 */
export async function writeConfig(kv: KVNamespace, envelope: ConfigEnvelope): Promise<void> {
  const text = JSON.stringify(envelope);
  await kv.put(versionKey(envelope.version), text, { metadata: metadataOf(envelope) });
  await kv.put(CONFIG_KEY, text);
}

/** The isolate's cached config with stale-while-revalidate and last-known-good. */
export class ConfigCache {
  #current: LoadedConfig | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;
  #lastProblem: LoadProblem | undefined;
  readonly #ttlMs: number;

  constructor(ttlMs = CONFIG_TTL_MS) {
    this.#ttlMs = ttlMs;
  }

  get current(): LoadedConfig | undefined {
    return this.#current;
  }

  /** Why the last KV read gave no usable config; undefined after a good read. */
  get lastProblem(): LoadProblem | undefined {
    return this.#lastProblem;
  }

  /** Puts a config in force in this isolate at once (after an admin PUT here). */
  install(loaded: LoadedConfig, now: number): void {
    if (this.#current !== undefined && loaded.envelope.version < this.#current.envelope.version) return;
    this.#current = loaded;
    this.#fetchedAt = now;
  }

  /**
   * The cached config for a request, without waiting: a stale one is refreshed in the
   * background (`ctx.waitUntil`). Undefined on a cold isolate, which must `get` instead.
   */
  peek(
    kv: KVNamespace,
    now: number,
    ctx: { waitUntil(p: Promise<unknown>): void },
    onProblem: (p: LoadProblem) => void,
  ): LoadedConfig | undefined {
    const current = this.#current;
    if (current !== undefined && now - this.#fetchedAt >= this.#ttlMs) ctx.waitUntil(this.refresh(kv, now, onProblem));
    return current;
  }

  /**
   * The config for a request: the cached one, refreshed in the background when stale
   * (via `defer`); only a cold isolate waits for KV.
   */
  async get(
    kv: KVNamespace,
    now: number,
    defer: (p: Promise<void>) => void,
    onProblem: (p: LoadProblem) => void,
  ): Promise<LoadedConfig | undefined> {
    if (this.#current !== undefined) {
      if (now - this.#fetchedAt >= this.#ttlMs) defer(this.refresh(kv, now, onProblem));
      return this.#current;
    }
    await this.refresh(kv, now, onProblem);
    return this.#current;
  }

  /** Re-reads KV (one read in flight per isolate). */
  refresh(kv: KVNamespace, now: number, onProblem: (p: LoadProblem) => void): Promise<void> {
    if (this.#inflight !== undefined) return this.#inflight;
    this.#inflight = readConfig(kv)
      .then((outcome) => {
        this.#fetchedAt = now;
        this.#lastProblem = outcome !== undefined && "problem" in outcome ? outcome.problem : undefined;
        if (outcome === undefined) return;
        if ("problem" in outcome) {
          onProblem(outcome.problem);
          return;
        }
        // Compiling again for the same version would only throw away steering memory.
        if (this.#current?.envelope.version === outcome.loaded.envelope.version) return;
        this.install(outcome.loaded, now);
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}

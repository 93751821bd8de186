/**
 * The config in KV, and the isolate's cached copy of it. KV holds one envelope under
 * `config` (version, time, the document as the operator wrote it) and every version under
 * `config:v:<N>`. The isolate re-reads KV at most every CONFIG_TTL_MS, in the background
 * once it has a config; KV failing or holding an invalid document keeps the last-known-good
 * config in force (DESIGN.md principle 3), logged and counted.
 */
import { validateConfig } from "./validate.ts";
import type { ConfigIssue } from "./validate.ts";
import { compileConfig } from "./compile.ts";
import { errorMessage } from "../util/error-message.ts";
import { readStaged } from "./staged-read.ts";
import type { StagedView } from "./staged-read.ts";
import { CONFIG_KEY, EnvelopeSchema, versionKey } from "./envelope.ts";
import type { CompiledVersion, ConfigEnvelope } from "./envelope.ts";

export { CONFIG_KEY, EnvelopeSchema, versionKey } from "./envelope.ts";
export type { CompiledVersion, ConfigEnvelope } from "./envelope.ts";

/** How long an isolate trusts its copy before re-reading KV (KV itself may be up to 60 s stale). */
export const CONFIG_TTL_MS = 5_000;

/** A config ready for the request path, with the document it came from. */
export interface LoadedConfig extends CompiledVersion {
  /** A staged change in flight: its candidate serves the colos it is in force in (absent: none). */
  readonly staged?: StagedView | undefined;
}

/** Why a KV read did not produce a usable config. */
export type LoadProblem =
  | { readonly kind: "kv_error"; readonly message: string }
  | { readonly kind: "invalid_document"; readonly message: string; readonly issues?: readonly ConfigIssue[] };

/**
 * Reads and checks the envelope in KV; undefined when no config was ever stored. With a
 * staged change in flight, also where its candidate is in force (`held`: the view so far,
 * whose compiled candidate is kept); a staged part that cannot be read is left out.
 */
export async function readConfig(
  kv: KVNamespace,
  held?: StagedView,
  onStagedProblem?: (message: string) => void,
): Promise<{ loaded: LoadedConfig } | { problem: LoadProblem } | undefined> {
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
  const loaded: LoadedConfig = { compiled: compileConfig(result.config, envelope.data.version), envelope: envelope.data };
  if (envelope.data.staged === undefined) return { loaded };
  const staged = await readStaged(kv, envelope.data, held);
  if (staged !== undefined && "problem" in staged) onStagedProblem?.(staged.problem);
  return { loaded: staged !== undefined && "view" in staged ? { ...loaded, staged: staged.view } : loaded };
}

/** What a history listing shows of a version, kept as the versioned key's KV metadata (≤ 1 KiB). */
export type VersionMetadata = Omit<ConfigEnvelope, "document">;

export function metadataOf(envelope: ConfigEnvelope): VersionMetadata {
  const { document: _, staged: __, ...meta } = envelope;
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

  /**
   * The config version `colo`'s requests are served with (for its traffic reports): the
   * candidate where a staged change puts it in force.
   */
  versionFor(colo: string): number | undefined {
    const current = this.#current;
    if (current?.staged?.inForceIn(colo) === true) return current.staged.candidate.envelope.version;
    return current?.envelope.version;
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
    this.#inflight = readConfig(kv, this.#current?.staged, (message) => onProblem({ kind: "kv_error", message }))
      .then((outcome) => {
        this.#fetchedAt = now;
        this.#lastProblem = outcome !== undefined && "problem" in outcome ? outcome.problem : undefined;
        if (outcome === undefined) return;
        if ("problem" in outcome) {
          onProblem(outcome.problem);
          return;
        }
        // Compiling again for the same version would only throw away steering memory.
        const current = this.#current;
        if (current?.envelope.version === outcome.loaded.envelope.version) {
          const staged = outcome.loaded.staged;
          // A staged change that began, moved a stage or ended: the same compiled config, its new staged part.
          if (staged === undefined ? current.staged !== undefined : !staged.sameAs(current.staged))
            this.#current = { compiled: current.compiled, envelope: outcome.loaded.envelope, staged };
          return;
        }
        // A promoted candidate was compiled already: keep it, and the steering memory its colos built.
        const promoted = current?.staged?.candidate;
        if (promoted?.envelope.version === outcome.loaded.envelope.version && outcome.loaded.staged === undefined) {
          this.install({ compiled: promoted.compiled, envelope: outcome.loaded.envelope }, now);
          return;
        }
        this.install(outcome.loaded, now);
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}

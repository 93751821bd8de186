/**
 * The config envelope KV holds: under `config` the version in force (with, during a staged
 * change, the candidate's version), under `config:v:<N>` every version, each with who stored
 * it, why, and how it differs from the one before.
 */
import { z } from "zod";
import type { CompiledConfig } from "./compile.ts";

export const CONFIG_KEY = "config";
export const versionKey = (version: number): string => `config:v:${version}`;

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
  /** A staged change's candidate version, in force in some colos only (staged.ts; absent: none). */
  staged: z.number().int().positive().optional(),
});

export type ConfigEnvelope = z.infer<typeof EnvelopeSchema>;

/** A version compiled for the request path, with the envelope it came from. */
export interface CompiledVersion {
  readonly compiled: CompiledConfig;
  readonly envelope: ConfigEnvelope;
}

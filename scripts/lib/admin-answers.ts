/**
 * What the config CLI expects back from the admin API, as zod schemas: the answers are
 * parsed before the CLI prints anything from them. The schemas are loose (extra fields
 * are kept and ignored) so a newer worker that says more still works with this CLI.
 */
import { z } from "zod";

/** One difference between two config documents; collections are keyed by id in `path`. */
export const ChangeSchema = z.looseObject({
  op: z.enum(["add", "remove", "change"]),
  path: z.string(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
});
export type Change = z.infer<typeof ChangeSchema>;

/** PUT /config. */
export const PushAnswer = z.looseObject({ version: z.number() });

/** POST /config/validate, when the document is valid (a 400 carries the issues). */
export const ValidateAnswer = z.looseObject({
  valid: z.literal(true),
  version: z.number().nullable(),
  summary: z.looseObject({ origins: z.number(), pools: z.number(), routes: z.number() }),
  diff: z.array(ChangeSchema),
});

export const HistoryEntrySchema = z.looseObject({
  version: z.number(),
  updatedAt: z.string(),
  actor: z.string().nullable().optional(),
  reason: z.string().nullable().optional(),
  rollbackOf: z.number().nullable().optional(),
  changes: z.looseObject({ added: z.number(), removed: z.number(), changed: z.number() }).nullable().optional(),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** GET /config/history. */
export const HistoryAnswer = z.looseObject({ current: z.number().nullable(), versions: z.array(HistoryEntrySchema) });
export type History = z.infer<typeof HistoryAnswer>;

/** POST /config/rollback. */
export const RollbackAnswer = z.looseObject({ version: z.number(), rolledBackTo: z.number() });

/** Who set an override, when (epoch ms or ISO text) and why. */
const provenance = {
  reason: z.string().nullable().optional(),
  actor: z.string().nullable().optional(),
  at: z.union([z.number(), z.string()]).nullable().optional(),
};

export const OverridesSchema = z.looseObject({
  state: z.looseObject({ value: z.string(), ...provenance }).optional(),
  weight: z.looseObject({ value: z.number(), ...provenance }).optional(),
  health: z.looseObject({ value: z.string(), ...provenance }).optional(),
});
export type Overrides = z.infer<typeof OverridesSchema>;

const WeightAndEnabled = z.looseObject({ weight: z.number(), enabled: z.boolean() });

export const OriginViewSchema = z.looseObject({
  pools: z.array(z.string()).default([]),
  configured: WeightAndEnabled,
  effective: WeightAndEnabled,
  healthy: z.boolean(),
  overrides: OverridesSchema.default({}),
});
export type OriginView = z.infer<typeof OriginViewSchema>;

/** GET /origins. */
export const OriginsAnswer = z.looseObject({ origins: z.record(z.string(), OriginViewSchema) });
export type Origins = z.infer<typeof OriginsAnswer>;

export const OriginHealthSchema = z.looseObject({
  healthy: z.boolean(),
  reason: z.string().nullable().optional(),
  ejected: z.boolean().optional(),
  enabled: z.boolean().optional(),
  weight: z.number().optional(),
  pools: z.array(z.string()).optional(),
  /** For a registered origin: where it points and the token that registered it. */
  registered: z.looseObject({ url: z.string(), registrant: z.string().nullable().optional() }).optional(),
});
export type OriginHealth = z.infer<typeof OriginHealthSchema>;

/** GET /health. */
export const HealthAnswer = z.looseObject({
  configVersion: z.number().nullable(),
  source: z.string().optional(),
  error: z.string().optional(),
  /** Registered origins: how many in all, and the page shown. */
  registrations: z.looseObject({ total: z.number(), offset: z.number(), limit: z.number() }).optional(),
  origins: z.record(z.string(), OriginHealthSchema),
});
export type Health = z.infer<typeof HealthAnswer>;

/** POST /origins/:id/… and DELETE /origins/:id/…: the overrides held afterwards. */
export const OperationAnswer = z.looseObject({ overrides: OverridesSchema.optional() });

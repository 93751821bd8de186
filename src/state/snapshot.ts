/**
 * The health snapshot: what the request path knows of origin health. Produced by the
 * Durable Object, parsed with this schema when an isolate fetches it (the object may run
 * another code version during a deploy), then cached in the isolate.
 */
import { z } from "zod";

export const OriginStatusSchema = z.object({
  healthy: z.boolean(),
  since: z.number(),
  reason: z.string(),
});

export const HealthSnapshotSchema = z.object({
  generatedAt: z.number(),
  origins: z.record(z.string(), OriginStatusSchema),
  /** The requesting colo's latency estimates (ms) by origin id or `pool:<id>`. */
  latency: z.record(z.string(), z.number()).optional(),
});

export type OriginStatus = z.infer<typeof OriginStatusSchema>;
export type HealthSnapshot = z.infer<typeof HealthSnapshotSchema>;

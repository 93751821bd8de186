/**
 * Admin overrides: operations on an origin that do not edit the config document. An
 * operator drains an origin (weight 0; sessions pinned to it by affinity stay, as with
 * Cloudflare's drain), disables it (out of every pool), overrides its weight, or forces
 * its health for maintenance. Each override carries who set it, when and why, and one
 * call undoes it. Overrides live in the Durable Object and reach isolates in the health
 * snapshot; they outlive config pushes, because they describe the running system, not
 * the document.
 *
 * Precedence: disabled > drained > weight override > the document's weight. A forced
 * health state replaces what probes and heartbeats say; passive ejection still applies
 * on top of a forced "healthy" (real traffic failing outranks an operator's belief — the
 * complaint ANCHORS.md records about checks that un-eject failing hosts).
 */
import { z } from "zod";
import type { Config } from "./schema.ts";

/** Who, when and why, on every override. */
const Provenance = {
  reason: z.string().min(1).max(500),
  actor: z.string().min(1).max(128),
  at: z.number(),
};

export const OVERRIDE_KINDS = ["state", "weight", "health"] as const;
export type OverrideKind = (typeof OVERRIDE_KINDS)[number];

export const OriginOverridesSchema = z.object({
  state: z.object({ value: z.enum(["drained", "disabled"]), ...Provenance }).optional(),
  weight: z.object({ value: z.number().min(0).max(1_000_000), ...Provenance }).optional(),
  health: z.object({ value: z.enum(["healthy", "unhealthy"]), ...Provenance }).optional(),
});

export type OriginOverrides = z.infer<typeof OriginOverridesSchema>;
export type OverridesById = Readonly<Record<string, OriginOverrides>>;

/** An origin's weight and enabled flag after overrides. */
export function overriddenOrigin<T extends { weight: number; enabled: boolean }>(origin: T, o: OriginOverrides | undefined): T {
  if (o === undefined || (o.state === undefined && o.weight === undefined)) return origin;
  const enabled = o.state?.value === "disabled" ? false : origin.enabled;
  const weight = o.state?.value === "drained" ? 0 : (o.weight?.value ?? origin.weight);
  return enabled === origin.enabled && weight === origin.weight ? origin : { ...origin, enabled, weight };
}

/** The config with the overrides' weights and enabled flags applied (health is applied to the snapshot). */
export function withOverrides(config: Config, overrides: OverridesById): Config {
  let changed = false;
  const origins = config.origins.map((origin) => {
    const next = overriddenOrigin(origin, overrides[origin.id]);
    if (next !== origin) changed = true;
    return next;
  });
  return changed ? { ...config, origins } : config;
}

/** Whether any override is held for the origin. */
export function hasOverrides(o: OriginOverrides | undefined): boolean {
  return o !== undefined && (o.state !== undefined || o.weight !== undefined || o.health !== undefined);
}

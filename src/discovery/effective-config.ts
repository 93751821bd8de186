/**
 * The compiled config the request path steers by: the stored document, plus the origins
 * that registered themselves and those discovered through DNS, with admin overrides
 * (drain, disable, weight) applied, and the rollouts steering traffic bound to their routes
 * (effective-rollouts.ts). Recompiled only when the document, the set of registrations
 * (`registrationsVersion`), of discovered origins (`discoveryVersion`), the overrides
 * (`overridesVersion`) or the rollouts (`rolloutsVersion`) change — never per request.
 */
import { compileConfig } from "../config/compile.ts";
import type { CompiledConfig } from "../config/compile.ts";
import { withOverrides } from "../config/overrides.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { withDiscovered } from "./dns-merge.ts";
import { bindRollouts } from "./effective-rollouts.ts";
import { withRegistrations } from "./registration.ts";

let memo:
  | { base: CompiledConfig; registrations: number; discovery: number; overrides: number; rollouts: number; effective: CompiledConfig }
  | undefined;

export function effectiveConfig(base: CompiledConfig, snapshot: HealthSnapshot | undefined): CompiledConfig {
  const registrationsVersion = snapshot?.registrationsVersion ?? 0;
  const discoveryVersion = snapshot?.discoveryVersion ?? 0;
  const overridesVersion = snapshot?.overridesVersion ?? 0;
  const rolloutsVersion = snapshot?.rolloutsVersion ?? 0;
  if (
    memo !== undefined &&
    memo.base === base &&
    memo.registrations === registrationsVersion &&
    memo.discovery === discoveryVersion &&
    memo.overrides === overridesVersion &&
    memo.rollouts === rolloutsVersion
  )
    return memo.effective;
  const registrations = snapshot?.registrations ?? [];
  const discovered = snapshot?.discovered ?? [];
  const overrides = snapshot?.overrides ?? {};
  const rollouts = snapshot?.rollouts ?? [];
  // A rollout binds to compiled routes of its own, so routes without one keep plans without the stage.
  const effective =
    registrations.length === 0 && discovered.length === 0 && Object.keys(overrides).length === 0 && rollouts.length === 0
      ? base
      : compileConfig(withOverrides(withDiscovered(withRegistrations(base.config, registrations), discovered), overrides), base.version);
  if (rollouts.length > 0) bindRollouts(effective, rollouts);
  memo = {
    base,
    registrations: registrationsVersion,
    discovery: discoveryVersion,
    overrides: overridesVersion,
    rollouts: rolloutsVersion,
    effective,
  };
  return effective;
}

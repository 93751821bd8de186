/**
 * The compiled config the request path steers by: the stored document, plus the origins
 * that registered themselves, with admin overrides (drain, disable, weight) applied.
 * Recompiled only when the document, the set of registrations (`registrationsVersion`)
 * or the overrides (`overridesVersion`) change — never per request.
 */
import { compileConfig } from "../config/compile.ts";
import type { CompiledConfig } from "../config/compile.ts";
import { withOverrides } from "../config/overrides.ts";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { withRegistrations } from "./registration.ts";

let memo: { base: CompiledConfig; registrations: number; overrides: number; effective: CompiledConfig } | undefined;

export function effectiveConfig(base: CompiledConfig, snapshot: HealthSnapshot | undefined): CompiledConfig {
  const registrationsVersion = snapshot?.registrationsVersion ?? 0;
  const overridesVersion = snapshot?.overridesVersion ?? 0;
  if (memo !== undefined && memo.base === base && memo.registrations === registrationsVersion && memo.overrides === overridesVersion)
    return memo.effective;
  const registrations = snapshot?.registrations ?? [];
  const overrides = snapshot?.overrides ?? {};
  const effective =
    registrations.length === 0 && Object.keys(overrides).length === 0
      ? base
      : compileConfig(withOverrides(withRegistrations(base.config, registrations), overrides), base.version);
  memo = { base, registrations: registrationsVersion, overrides: overridesVersion, effective };
  return effective;
}

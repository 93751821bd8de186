/**
 * The compiled config the request path steers by: the stored document plus the origins
 * that registered themselves. Recompiled only when the document or the set of
 * registrations changes (the snapshot's `registrationsVersion`), never per request.
 */
import { compileConfig } from "../config/compile.ts";
import type { CompiledConfig } from "../config/compile.ts";
import type { HealthSnapshot } from "../state/snapshot.ts";
import { withRegistrations } from "./registration.ts";

let memo: { base: CompiledConfig; version: number; effective: CompiledConfig } | undefined;

export function effectiveConfig(base: CompiledConfig, snapshot: HealthSnapshot | undefined): CompiledConfig {
  const registrations = snapshot?.registrations ?? [];
  if (registrations.length === 0) return base;
  const version = snapshot?.registrationsVersion ?? 0;
  if (memo !== undefined && memo.base === base && memo.version === version) return memo.effective;
  const effective = compileConfig(withRegistrations(base.config, registrations), base.version);
  memo = { base, version, effective };
  return effective;
}

/**
 * What the Consul-compatible surface needs about the caller and the config: the config in
 * force, the secret a Consul client registers with, and who asks to change a
 * registration. Consul clients know nothing of Edgeway's registration secret, so the
 * surface derives one from the caller's token and the service id: an id registered
 * through Consul is bound to its token (another token cannot heartbeat, fail or remove
 * it), while an id registered through POST /_edgeway/register keeps its random secret
 * and cannot be driven from here.
 */
import type { Context } from "hono";
import { isolate, reportConfigProblem } from "../../isolate.ts";
import type { LoadedConfig } from "../../config/store.ts";
import type { Pool } from "../../config/schema.ts";
import type { Remover } from "../../state/registration-store.ts";
import { presentedToken } from "../auth.ts";
import { secretHash } from "../register-claim.ts";
import type { AdminEnv } from "../openapi.ts";
import { jsonError } from "../errors.ts";

/** The config in force, or undefined before the first config. */
export function loadedConfig(c: Context<AdminEnv>): Promise<LoadedConfig | undefined> {
  return isolate.config.get(c.env.CONFIG, Date.now(), (p) => c.executionCtx.waitUntil(p), reportConfigProblem);
}

/** The config's pools, as the document declares them. */
export function poolsOf(loaded: LoadedConfig | undefined): Pool[] {
  return loaded === undefined ? [] : [...loaded.compiled.pools.values()].map((p) => p.source);
}

/** The token the caller presented (Authorization first, then X-Consul-Token); auth has already accepted it. */
function rawToken(c: Context<AdminEnv>): string {
  return presentedToken(c.req.header("authorization")) ?? c.req.header("x-consul-token") ?? "";
}

/** The registration secret of `id` for this caller: derived, never sent, never stored (only its hash is). */
export function consulSecret(c: Context<AdminEnv>, id: string): Promise<string> {
  return secretHash(`edgeway-consul\u0000${rawToken(c)}\u0000${id}`);
}

/** Who asks to change `id`: undefined for the admin token (any id), else the token's name and its derived secret. */
export async function removerFor(c: Context<AdminEnv>, id: string): Promise<Remover> {
  const scope = c.get("registerScope");
  if (scope === undefined) return undefined;
  return { registrant: scope.name, presentedSecretHash: await secretHash(await consulSecret(c, id)) };
}

/** Consul's 404 for a service id it does not hold, said the Edgeway way. */
export function unknownService(id: string): Response {
  return jsonError(404, "not_registered", `Unknown service ID "${id}": no registered origin with that id`);
}

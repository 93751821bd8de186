import type { Context } from "hono";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { originStateStub } from "../state/origin-state.ts";
import type { RegisterOutcome } from "../state/registration-store.ts";
import { formatPath, originLocationIssues } from "../config/validate.ts";
import type { ConfigIssue } from "../config/validate.ts";
import type { AdminEnv } from "./openapi.ts";
import { RegistrationRequestSchema } from "../discovery/registration.ts";
import type { RegistrationRequest } from "../discovery/registration.ts";
import { checkRegistrationPolicy } from "../discovery/registration-policy.ts";
import { refusal } from "../discovery/refusal.ts";
import { mayRegisterInto } from "./register-tokens.ts";
import { bindingAllows, countRefusal, loopbackAllowed, maxRegistrations, newSecret, refused, secretHash } from "./register-claim.ts";
import { HealthSnapshotSchema } from "../health/snapshot.ts";
import { jsonError } from "./errors.ts";
import { errorMessage } from "../observe/log.ts";

/** 400 naming every bad field, as a config PUT does. */
function rejected(issues: readonly ConfigIssue[]): Response {
  countRefusal("invalid");
  return jsonError(400, "invalid_registration", `registration rejected: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`, {
    issues,
  });
}

/** Refusals before the Durable Object: no config, unknown pool, a configured id, the token's scope, the pool's policy. */
export async function admit(
  c: Context<AdminEnv>,
  request: RegistrationRequest,
): Promise<Response | { matched: string; configVersion: number; maxInPool: number }> {
  const loaded = await isolate.config.get(c.env.CONFIG, Date.now(), (p) => c.executionCtx.waitUntil(p), reportConfigProblem);
  if (loaded === undefined) {
    return refused(
      refusal("no_config", 409, "no_config", "config", "no config is stored yet: an origin can only join a pool of the config in force"),
    );
  }
  const pool = loaded.compiled.pools.get(request.pool);
  if (pool === undefined) {
    const known = [...loaded.compiled.pools.keys()].join(", ");
    return refused(
      refusal(
        "unknown_pool",
        400,
        "unknown_pool",
        "pool",
        `pool: no pool "${request.pool}" in config version ${loaded.envelope.version} (pools: ${known})`,
      ),
    );
  }
  if (loaded.compiled.origins.has(request.id)) {
    return refused(
      refusal(
        "id_taken",
        409,
        "id_taken",
        "id",
        `id: "${request.id}" is an origin of the config document; a registered origin needs an id of its own`,
      ),
    );
  }
  const scope = c.get("registerScope");
  if (scope !== undefined && !mayRegisterInto(scope, request.pool)) {
    return refused(
      refusal(
        "token_scope",
        403,
        "pool_not_allowed_for_token",
        `REGISTER_TOKENS.${scope.name}.pools`,
        `pool: token "${scope.name}" may not register into pool "${request.pool}" (its pools: ${scope.pools === "*" ? "*" : scope.pools.join(", ")})`,
      ),
      { token: scope.name },
    );
  }
  const policy = pool.source.registration;
  const verdict = checkRegistrationPolicy(
    { id: pool.id, registration: policy, heaviestWeight: Math.max(0, ...pool.origins.map((o) => o.weight)) },
    request,
    { allowLoopback: loopbackAllowed(c.env) },
  );
  if (!verdict.ok) return refused(verdict.refusal, { token: c.get("token"), origin: request.id, pool: request.pool });
  return { matched: verdict.matched, configVersion: loaded.envelope.version, maxInPool: policy?.maxOrigins ?? 0 };
}

/** The registration request in `body`, or the 400 naming every bad field (`rename` maps a field to the caller's name for it). */
export function checkRegistrationRequest(body: unknown, rename: (path: string) => string = (p) => p): RegistrationRequest | Response {
  const parsed = RegistrationRequestSchema.safeParse(body);
  if (!parsed.success) return rejected(parsed.error.issues.map((i) => ({ path: rename(formatPath(i.path)), message: i.message })));
  const location = originLocationIssues(parsed.data, "");
  if (location.length > 0) return rejected(location.map((i) => ({ ...i, path: rename(i.path) })));
  return parsed.data;
}

/** A registration that went through: what the store did, the policy that admitted it, and the secret it may have issued. */
export interface Registered {
  readonly outcome: Extract<RegisterOutcome, { ok: true }>;
  readonly admitted: { readonly matched: string; readonly configVersion: number };
  readonly secret: string;
}

/**
 * Registers (or heartbeats) `request` for the calling token. `presented` is the
 * registration secret the caller sent; `issue` the secret to bind to a new id (a fresh
 * random one unless the caller derives its own).
 */
export async function runRegistration(
  c: Context<AdminEnv>,
  request: RegistrationRequest,
  secrets: { readonly presented: string | undefined; readonly issue?: string },
): Promise<Registered | Response> {
  const admitted = await admit(c, request);
  if (admitted instanceof Response) return admitted;
  const token = c.get("token");
  const scope = c.get("registerScope");
  if (scope !== undefined && !(await bindingAllows(c.env, token))) {
    return refused(
      refusal(
        "rate_limited",
        429,
        "rate_limited",
        "REGISTER_RATE_LIMITER",
        `token "${token}" is over its registration call rate; retry in 60 s`,
        60,
      ),
    );
  }
  try {
    const stub = originStateStub(c.env);
    const secret = secrets.issue ?? newSecret();
    const outcome = await stub.register(
      request,
      {
        registrant: token,
        presentedSecretHash: secrets.presented === undefined ? undefined : await secretHash(secrets.presented),
        newSecretHash: await secretHash(secret),
        policy: { matched: admitted.matched, configVersion: admitted.configVersion },
        maxInPool: admitted.maxInPool,
        maxTotal: maxRegistrations(c.env),
      },
      scope === undefined ? undefined : { perMinute: scope.ratePerMinute },
    );
    if (!outcome.ok) return refused(outcome.refusal, { token, origin: request.id, pool: request.pool });
    const reg = outcome.registration;
    if (outcome.kind === "heartbeat") c.set("auditSkip", true);
    else c.set("auditSummary", `${reg.id} ${outcome.kind} in pool ${reg.pool} at ${reg.url} (policy: ${admitted.matched})`);
    // This isolate steers with the new origin at once; others pick it up with their next snapshot.
    if (outcome.kind !== "heartbeat") isolate.health.set(HealthSnapshotSchema.parse(await stub.snapshot()), Date.now());
    return { outcome, admitted: { matched: admitted.matched, configVersion: admitted.configVersion }, secret };
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not record the registration: ${errorMessage(error)}`);
  }
}

import type { LocalColoVars } from "./routing/local-colo.ts";

/**
 * The worker's bindings: `Env` is generated from wrangler.toml by `wrangler types`
 * (worker-configuration.d.ts); secrets are not in that file, so they are added here, and
 * so are the local-only colo variables (EDGEWAY_COLO…, never set in production).
 */
export interface EdgewayEnv extends Env, LocalColoVars {
  /** Bearer token for the admin API (`wrangler secret put ADMIN_TOKEN`, or `--var` locally). */
  readonly ADMIN_TOKEN?: string;
  /** A read-only admin token for dashboards and the status page: GET, HEAD and POST /config/validate only. */
  readonly ADMIN_READ_TOKEN?: string;
  /** Signs session-affinity cookies (`wrangler secret put AFFINITY_KEY`); ADMIN_TOKEN when unset. */
  readonly AFFINITY_KEY?: string;
  /** A second token accepted for /_edgeway/register only, so origins need not hold ADMIN_TOKEN. */
  readonly REGISTER_TOKEN?: string;
  /** Scoped registration tokens: JSON map of name → { token, pools, ratePerMinute? } (src/admin/register-tokens.ts). */
  readonly REGISTER_TOKENS?: string;
  /** Lowers the global maximum of registered origins (MAX_REGISTRATIONS, 1,000). */
  readonly EDGEWAY_MAX_REGISTRATIONS?: string;
  /** Workers rate limiting binding keyed by registration token name, when bound (docs/registration.md). */
  readonly REGISTER_RATE_LIMITER?: RateLimit;
  /** Workers Analytics Engine dataset: one data point per proxied request when bound (docs/analytics-engine.md). */
  readonly ANALYTICS?: AnalyticsEngineDataset;
}

/** The part of the execution context the request path uses. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

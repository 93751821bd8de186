/**
 * What one origin adds to a try beyond the client's request: the configured headers (the
 * pool's and the origin's, secrets read from the Worker's env), the fetch target for its
 * `host` option, and the mTLS certificate binding that sends the fetch. Resolved once per
 * compiled pool and origin and kept (WeakMap on the compiled pool, so a new config version
 * starts afresh), so a try only sets a few headers it already has as strings.
 */
import type { CompiledOrigin, CompiledPool } from "../config/compile.ts";
import { headerValueProblem, mergedHeaders } from "../config/origin-headers.ts";
import { originTarget } from "../config/origin-host.ts";
import type { OriginTarget } from "../config/origin-host.ts";
import { log } from "../observe/log.ts";
import type { HeaderEdits } from "./header-edits.ts";

/** A fetch function: the global one, or an mTLS certificate binding's. */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface OriginExtras {
  /** Header name → value to set on the request to this origin (secrets resolved). */
  readonly headers: readonly (readonly [string, string])[];
  readonly target: OriginTarget;
  /** The mTLS binding's fetch, or undefined for the global fetch. */
  readonly fetcher: FetchLike | undefined;
  /** Header edits for this pool's tries (the route's `poolFilters`, route-extras.ts), made before `headers` are set. Absent: none. */
  readonly edits?: HeaderEdits | undefined;
}

const cache = new WeakMap<CompiledPool, Map<string, OriginExtras>>();

function isFetcher(value: unknown): value is { fetch: FetchLike } {
  return typeof value === "object" && value !== null && typeof (value as { fetch?: unknown }).fetch === "function";
}

function resolve(pool: CompiledPool, origin: CompiledOrigin, env: object): OriginExtras {
  const bindings = env as Record<string, unknown>;
  const headers: [string, string][] = [];
  for (const [name, value] of mergedHeaders(pool.source.headers, origin.headers)) {
    if (typeof value === "string") {
      headers.push([name, value]);
      continue;
    }
    const secret = bindings[value.secret];
    // Validation refused a config that names a missing secret; one removed since is left
    // out (and said once per config version), never sent as an empty or broken header.
    if (typeof secret === "string" && headerValueProblem(secret) === undefined) headers.push([name, secret]);
    else log("error", "origin_secret_missing", { origin: origin.id, pool: pool.id, header: name, secret: value.secret });
  }
  let fetcher: FetchLike | undefined;
  if (origin.mtlsCertificate !== undefined) {
    const binding = bindings[origin.mtlsCertificate];
    if (isFetcher(binding)) fetcher = (input, init) => binding.fetch(input, init);
    else log("error", "origin_mtls_missing", { origin: origin.id, binding: origin.mtlsCertificate });
  }
  return { headers, target: originTarget(new URL(origin.url), origin.host), fetcher };
}

/** The extras of `origin` in `pool`, resolved on first use with `env`. */
export function originExtras(pool: CompiledPool, origin: CompiledOrigin, env: object): OriginExtras {
  let byOrigin = cache.get(pool);
  if (byOrigin === undefined) {
    byOrigin = new Map();
    cache.set(pool, byOrigin);
  }
  let extras = byOrigin.get(origin.id);
  if (extras === undefined) {
    extras = resolve(pool, origin, env);
    byOrigin.set(origin.id, extras);
  }
  return extras;
}

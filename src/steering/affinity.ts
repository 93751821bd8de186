/**
 * Session affinity decisions (the route's `affinity`), apart from how the pin is carried.
 * A pinned origin serves while it is enabled and healthy — also while drained (weight 0),
 * so clients finish their sessions (Cloudflare's drain_duration behaviour). When it is not
 * healthy, `onFailure` decides: `none` fails the request, `temporary` serves elsewhere and
 * keeps the pin, `sticky` serves elsewhere and moves the pin.
 */
import type { CompiledPool, CompiledRoute } from "../config/compile.ts";
import type { Affinity } from "../config/schema.ts";
import type { HealthView, Selection } from "./select.ts";

/** The header that carries the session key for `header` affinity when the route names none. */
export const DEFAULT_AFFINITY_HEADER = "x-session-id";

export type PinState =
  /** The pinned origin can serve: use it for the first try. */
  | { readonly kind: "usable"; readonly selection: Selection }
  /** The pinned origin exists but is unhealthy. */
  | { readonly kind: "unavailable"; readonly originId: string }
  /** No pin, or one naming an origin this route no longer has (or that is disabled). */
  | { readonly kind: "none" };

/** Where a pinned origin stands on this route. */
export function pinState(route: CompiledRoute, originId: string | undefined, health: HealthView): PinState {
  if (originId === undefined) return { kind: "none" };
  for (const pool of route.pools) {
    const state = stateIn(pool, originId, health, false);
    if (state !== undefined) return state;
  }
  const fallback = route.fallback;
  return (fallback === undefined ? undefined : stateIn(fallback, originId, health, true)) ?? { kind: "none" };
}

function stateIn(pool: CompiledPool, originId: string, health: HealthView, fallback: boolean): PinState | undefined {
  const origin = pool.origins.find((o) => o.id === originId);
  if (origin === undefined) return undefined;
  if (!origin.enabled) return { kind: "none" };
  if (!health.isHealthy(origin.id)) return { kind: "unavailable", originId };
  return { kind: "usable", selection: { pool, origin, fallback, panic: false } };
}

/** Whether the response should (re)write the pin to `servedBy`. */
export function shouldWritePin(
  affinity: Affinity,
  pinned: string | undefined,
  state: PinState["kind"],
  servedBy: string | undefined,
): boolean {
  if (servedBy === undefined || servedBy === pinned) return false;
  if (state === "none") return true;
  return affinity.onFailure === "sticky";
}

/**
 * One DNS name's resolution over time: the answer in force, when to ask again, and what a
 * failed or empty answer does to it. Pure: the clock and the random source come in.
 *
 * - TTLs are respected within bounds: at least 5 s (so a TTL of 0 cannot make the Durable
 *   Object ask in a loop), at most 300 s (so a day-long TTL still notices a change within
 *   five minutes). Envoy's `respect_dns_ttl` has no bounds; its fixed rate is 5 s.
 * - Refreshes are spread: the next query comes between 80% and 100% of the bounded TTL, so
 *   1,000 names resolved together drift apart instead of asking in lockstep.
 * - A failure (the resolver unreachable, a timeout, SERVFAIL, a malformed answer) keeps the
 *   last good answer (fail-static) and asks again after 5 s, doubling to at most 60 s.
 * - An empty answer (NXDOMAIN, or no record of the type) empties a set that had addresses
 *   only when it repeats: 3 empty answers in a row spanning at least 30 s. Until then the
 *   last good answer stays, and the name is asked again every 15 s. A set that was empty
 *   stays empty at once.
 */
import type { SrvService } from "./dns-answer.ts";

export const MIN_TTL_SECONDS = 5;
export const MAX_TTL_SECONDS = 300;
/** The TTL of an empty answer that carried no SOA (RFC 2308 §5 leaves it to the resolver). */
export const DEFAULT_NEGATIVE_TTL_SECONDS = 30;
/** Next query between (1 - REFRESH_SPREAD) × TTL and the TTL. */
export const REFRESH_SPREAD = 0.2;
export const FAILURE_RETRY_SECONDS = 5;
export const MAX_FAILURE_RETRY_SECONDS = 60;
/** Empty answers in a row, over at least EMPTY_CONFIRM_SECONDS, before a set with addresses is emptied. */
export const EMPTY_CONFIRMATIONS = 3;
export const EMPTY_CONFIRM_SECONDS = 30;
export const EMPTY_RECHECK_SECONDS = 15;

/** One address a name resolves to, with what SRV adds (port, priority, weight, target). */
export interface ResolvedAddress {
  readonly address: string;
  readonly port?: number;
  readonly priority?: number;
  readonly weight?: number;
  readonly target?: string;
}

/** What one resolution gave: addresses (already through CNAMEs and SRV targets), nothing, or a failure. */
export type DnsOutcome =
  | { readonly kind: "resolved"; readonly ttlSeconds: number; readonly addresses: readonly ResolvedAddress[] }
  | { readonly kind: "empty"; readonly rcode: "NXDOMAIN" | "NODATA"; readonly ttlSeconds: number | undefined }
  | { readonly kind: "failure"; readonly reason: string };

export interface DnsNameState {
  readonly name: string;
  readonly type: "A" | "AAAA" | "SRV";
  /** The answer in force: the last good one, or empty. */
  readonly addresses: readonly ResolvedAddress[];
  /** When the answer in force arrived (undefined: never resolved). */
  readonly resolvedAt: number | undefined;
  /** The bounded TTL of the last answer, in seconds. */
  readonly ttlSeconds: number | undefined;
  readonly nextAt: number;
  /** Failures in a row, and the last one's reason. */
  readonly failures: number;
  readonly lastError: string | undefined;
  /** Empty answers in a row while addresses are still in force: since when, how many. */
  readonly empty: { readonly since: number; readonly count: number; readonly rcode: string } | undefined;
}

/** What changed, for logs and counters. */
export type DnsEvent = "resolved" | "changed" | "failed" | "empty_pending" | "emptied" | "empty";

export function boundTtl(ttlSeconds: number | undefined): number {
  const ttl = ttlSeconds ?? DEFAULT_NEGATIVE_TTL_SECONDS;
  return Math.min(MAX_TTL_SECONDS, Math.max(MIN_TTL_SECONDS, Math.round(ttl)));
}

/** When to ask next, `seconds` from now, spread over the last REFRESH_SPREAD of it. */
export function spreadAt(now: number, seconds: number, random: () => number): number {
  return now + Math.round(seconds * 1_000 * (1 - REFRESH_SPREAD * random()));
}

/** A name never asked: due at `now`. */
export function newNameState(name: string, type: DnsNameState["type"], now: number): DnsNameState {
  return {
    name,
    type,
    addresses: [],
    resolvedAt: undefined,
    ttlSeconds: undefined,
    nextAt: now,
    failures: 0,
    lastError: undefined,
    empty: undefined,
  };
}

function sameAddresses(a: readonly ResolvedAddress[], b: readonly ResolvedAddress[]): boolean {
  if (a.length !== b.length) return false;
  const key = (r: ResolvedAddress) => `${r.address}|${r.port ?? ""}|${r.priority ?? ""}|${r.weight ?? ""}|${r.target ?? ""}`;
  const left = new Set(a.map(key));
  return b.every((r) => left.has(key(r)));
}

/** The state after `outcome` at `now`, and what happened. */
export function applyOutcome(
  state: DnsNameState,
  outcome: DnsOutcome,
  now: number,
  random: () => number,
): { state: DnsNameState; event: DnsEvent } {
  if (outcome.kind === "resolved") {
    const ttlSeconds = boundTtl(outcome.ttlSeconds);
    const event = state.resolvedAt !== undefined && sameAddresses(state.addresses, outcome.addresses) ? "resolved" : "changed";
    return {
      state: {
        ...state,
        addresses: outcome.addresses,
        resolvedAt: now,
        ttlSeconds,
        nextAt: spreadAt(now, ttlSeconds, random),
        failures: 0,
        lastError: undefined,
        empty: undefined,
      },
      event,
    };
  }
  if (outcome.kind === "failure") {
    const failures = state.failures + 1;
    const retry = Math.min(MAX_FAILURE_RETRY_SECONDS, FAILURE_RETRY_SECONDS * 2 ** (failures - 1));
    return { state: { ...state, failures, lastError: outcome.reason, nextAt: spreadAt(now, retry, random) }, event: "failed" };
  }
  const ttlSeconds = boundTtl(outcome.ttlSeconds);
  const cleared = { failures: 0, lastError: undefined };
  if (state.addresses.length === 0) {
    return {
      state: { ...state, ...cleared, resolvedAt: now, ttlSeconds, empty: undefined, nextAt: spreadAt(now, ttlSeconds, random) },
      event: "empty",
    };
  }
  const empty = { since: state.empty?.since ?? now, count: (state.empty?.count ?? 0) + 1, rcode: outcome.rcode };
  if (empty.count >= EMPTY_CONFIRMATIONS && now - empty.since >= EMPTY_CONFIRM_SECONDS * 1_000) {
    return {
      state: {
        ...state,
        ...cleared,
        addresses: [],
        resolvedAt: now,
        ttlSeconds,
        empty: undefined,
        nextAt: spreadAt(now, ttlSeconds, random),
      },
      event: "emptied",
    };
  }
  return {
    state: { ...state, ...cleared, empty, nextAt: spreadAt(now, Math.min(ttlSeconds, EMPTY_RECHECK_SECONDS), random) },
    event: "empty_pending",
  };
}

/** SRV services with their targets' addresses in hand → one resolved address per target address. */
export function serviceAddresses(services: readonly SrvService[], targets: ReadonlyMap<string, readonly string[]>): ResolvedAddress[] {
  return services.flatMap((s) =>
    (s.addresses ?? targets.get(s.target) ?? []).map((address) => ({
      address,
      port: s.port,
      priority: s.priority,
      weight: s.weight,
      target: s.target,
    })),
  );
}

/**
 * A DNS name's answer → the pool's discovered origins: one origin per address (A, AAAA) or
 * per target address (SRV), each through the entry's address policy (the registration
 * policy's rules, src/discovery/registration-policy.ts), at most `maxOrigins` of them.
 *
 * Ids are `<pool>-<address>-<port>` (an IPv6 address's colons as dashes; a pool id too long
 * for the 64 characters an id may have is replaced by its hash), so an address keeps its id,
 * its health and its ejections across refreshes. SRV records map as RFC 2782 ranks them:
 * `priority` is the origin's failover tier (dns-merge.ts: the lowest tier with a healthy
 * origin serves), `weight` its weight within the tier; when every record of a tier has
 * weight 0 they share it equally (weight 1 each), else a weight-0 record is drained.
 */
import type { DnsDiscovery } from "../config/discovery-schema.ts";
import type { RegistrationPolicy } from "../config/registration-schema.ts";
import { dangerOf, DANGER_DESCRIPTIONS } from "./dangerous-address.ts";
import type { ResolvedAddress } from "./dns-name-state.ts";
import { checkRegistrationPolicy } from "./registration-policy.ts";

/** An origin a DNS answer gives a pool, before its state (active, standby, draining) is known. */
export interface DnsOrigin {
  readonly id: string;
  readonly pool: string;
  readonly url: string;
  readonly weight: number;
  readonly region?: string;
  /** `dns:<name>`: where the origin came from, as health, the status page, metrics and explain show it. */
  readonly source: string;
  readonly address: string;
  /** SRV priority: the failover tier (lower serves first). */
  readonly tier?: number;
}

/** An address the policy refused, and why (the reason is a label of edgeway_dns_refused_total). */
export interface RefusedAddress {
  readonly address: string;
  readonly reason: "address" | "dangerous_address" | "loopback" | "port";
  readonly message: string;
}

export interface NameOrigins {
  readonly origins: readonly DnsOrigin[];
  readonly refused: readonly RefusedAddress[];
  /** Addresses past maxOrigins, left out. */
  readonly capped: number;
}

const MAX_ID_LENGTH = 64;

/** FNV-1a, 32 bits, as 8 hex digits: a short stable stand-in for a long pool id. */
function hash8(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** The id of the origin at `address`:`port` discovered for `pool`. */
export function discoveredId(pool: string, address: string, port: number): string {
  const tail = `${address.replaceAll(":", "-")}-${port}`;
  const id = `${pool}-${tail}`;
  return id.length <= MAX_ID_LENGTH ? id : `${hash8(pool)}-${tail}`;
}

function urlOf(scheme: string, address: string, port: number): string {
  return `${scheme}://${address.includes(":") ? `[${address}]` : address}:${port}`;
}

function order(a: ResolvedAddress, b: ResolvedAddress): number {
  return (
    (a.priority ?? 0) - (b.priority ?? 0) ||
    (b.weight ?? 0) - (a.weight ?? 0) ||
    (a.address < b.address ? -1 : a.address > b.address ? 1 : 0)
  );
}

function refusedMessage(reason: RefusedAddress["reason"], address: string, port: number, entry: DnsDiscovery): string {
  if (reason === "loopback")
    return `${address} is loopback: accepted only with EDGEWAY_ALLOW_LOOPBACK_REGISTRATION="true" (local development)`;
  if (reason === "port") return `port ${port} of ${address} is not among ports (${(entry.ports ?? []).join(", ")})`;
  if (reason === "dangerous_address") {
    const danger = dangerOf(address);
    const what = danger === undefined ? "dangerous" : `${DANGER_DESCRIPTIONS[danger.kind]} (${danger.rule})`;
    return `${address} is ${what}: refused unless addresses names it exactly`;
  }
  return `${address} is not among addresses (${entry.addresses.join(", ")})`;
}

/** The origins `addresses` (a name's answer in force) give `pool` under `entry`. */
export function originsOf(
  pool: string,
  entry: DnsDiscovery,
  addresses: readonly ResolvedAddress[],
  options: { readonly allowLoopback: boolean },
): NameOrigins {
  const policy: RegistrationPolicy = {
    addresses: entry.addresses,
    schemes: [entry.scheme],
    ...(entry.ports === undefined ? {} : { ports: entry.ports }),
    weight: { min: 0, max: 1_000_000 },
    maxOrigins: entry.maxOrigins,
    serviceNames: [],
  };
  // A tier whose records all weigh 0 shares equally (RFC 2782).
  const weighted = new Set(addresses.filter((a) => (a.weight ?? 0) > 0).map((a) => a.priority ?? 0));
  const origins: DnsOrigin[] = [];
  const refused: RefusedAddress[] = [];
  const seen = new Set<string>();
  let capped = 0;
  for (const a of [...addresses].sort(order)) {
    const port = a.port ?? entry.port ?? (entry.scheme === "https" ? 443 : 80);
    const id = discoveredId(pool, a.address, port);
    if (seen.has(id)) continue;
    seen.add(id);
    const url = urlOf(entry.scheme, a.address, port);
    const weight = entry.type === "SRV" ? (weighted.has(a.priority ?? 0) ? (a.weight ?? 0) : 1) : (entry.weight ?? 1);
    const verdict = checkRegistrationPolicy({ id: pool, registration: policy, heaviestWeight: 0 }, { url, weight }, options);
    if (!verdict.ok) {
      const reason = verdict.refusal.reason;
      const known = reason === "loopback" || reason === "dangerous_address" || reason === "port" ? reason : "address";
      refused.push({ address: a.address, reason: known, message: refusedMessage(known, a.address, port, entry) });
      continue;
    }
    if (origins.length >= entry.maxOrigins) {
      capped++;
      continue;
    }
    origins.push({
      id,
      pool,
      url,
      weight,
      ...(entry.region === undefined ? {} : { region: entry.region }),
      source: `dns:${entry.name}`,
      address: a.address,
      ...(entry.type === "SRV" ? { tier: a.priority ?? 0 } : {}),
    });
  }
  return { origins, refused, capped };
}

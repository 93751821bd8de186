/**
 * What a DNS response says about one name, in the terms discovery acts on: addresses (A,
 * AAAA), services (SRV: target, port, priority, weight, and the target's addresses when the
 * additional section carries them), empty (NXDOMAIN, or NOERROR with no record of the type:
 * RFC 2308's NODATA), or a failure (SERVFAIL, REFUSED, a truncated or mismatched answer).
 * CNAME chains in the answer section are followed, as a recursive resolver hands them over.
 * The TTL is the smallest along the chain; an empty answer's is the negative TTL of RFC 2308
 * §5 (the SOA's TTL and minimum, the smaller), when the resolver sends the SOA.
 */
import type { DnsMessage, DnsRecord, DnsTypeName } from "./dns-wire.ts";
import { DNS_TYPE, RCODE } from "./dns-wire.ts";

/** One SRV answer: where the service runs and how it ranks. */
export interface SrvService {
  readonly target: string;
  readonly port: number;
  readonly priority: number;
  readonly weight: number;
  /** The target's addresses from the additional section; undefined when it carried none. */
  readonly addresses: readonly string[] | undefined;
}

export type DnsAnswer =
  | { readonly kind: "addresses"; readonly ttlSeconds: number; readonly addresses: readonly string[] }
  | { readonly kind: "services"; readonly ttlSeconds: number; readonly services: readonly SrvService[] }
  | { readonly kind: "empty"; readonly rcode: "NXDOMAIN" | "NODATA"; readonly ttlSeconds: number | undefined }
  | { readonly kind: "failure"; readonly reason: string };

/** CNAMEs followed before a chain counts as broken (resolvers stop near 8–16). */
const MAX_CHAIN = 8;

const RCODE_NAMES: Readonly<Record<number, string>> = { 1: "FORMERR", 2: "SERVFAIL", 4: "NOTIMP", 5: "REFUSED" };

function negativeTtl(message: DnsMessage): number | undefined {
  for (const r of message.authorities) if (r.type === DNS_TYPE.SOA && "minimum" in r) return Math.min(r.ttl, r.minimum);
  return undefined;
}

/** The records of `type` owned by `name` or by the end of its CNAME chain, and the smallest TTL on the way. */
function follow(records: readonly DnsRecord[], name: string, type: number): { found: DnsRecord[]; ttl: number } | { broken: string } {
  let owner = name;
  let ttl = Number.POSITIVE_INFINITY;
  for (let hop = 0; hop <= MAX_CHAIN; hop++) {
    const found = records.filter((r) => r.name === owner && r.type === type);
    if (found.length > 0) return { found, ttl: Math.min(ttl, ...found.map((r) => r.ttl)) };
    const alias = records.find((r) => r.name === owner && r.type === DNS_TYPE.CNAME);
    if (alias === undefined || !("target" in alias)) return { found: [], ttl };
    ttl = Math.min(ttl, alias.ttl);
    owner = alias.target;
  }
  return { broken: `a CNAME chain longer than ${MAX_CHAIN} from ${name}` };
}

function addressesOf(records: readonly DnsRecord[]): string[] {
  return records.flatMap((r) => ("address" in r ? [r.address] : []));
}

/** The targets' addresses the additional section carries, by target name (A and AAAA alike). */
function additionalAddresses(message: DnsMessage, target: string): string[] | undefined {
  const a = follow(message.additionals, target, DNS_TYPE.A);
  const aaaa = follow(message.additionals, target, DNS_TYPE.AAAA);
  const found = [...("found" in a ? addressesOf(a.found) : []), ...("found" in aaaa ? addressesOf(aaaa.found) : [])];
  return found.length === 0 ? undefined : found;
}

/** Reads `message` as the answer to a query for `name` (lower case, no trailing dot) and `type`. */
export function interpretAnswer(message: DnsMessage, name: string, type: DnsTypeName): DnsAnswer {
  if (!message.response) return { kind: "failure", reason: "the resolver sent a query, not a response" };
  if (message.truncated) return { kind: "failure", reason: "the answer is truncated (TC)" };
  const question = message.questions[0];
  if (question !== undefined && (question.name !== name || question.type !== DNS_TYPE[type]))
    return { kind: "failure", reason: `the answer is for ${question.name} type ${question.type}, not ${name} ${type}` };
  if (message.rcode === RCODE.NXDOMAIN) return { kind: "empty", rcode: "NXDOMAIN", ttlSeconds: negativeTtl(message) };
  if (message.rcode !== RCODE.NOERROR)
    return { kind: "failure", reason: `the resolver answered ${RCODE_NAMES[message.rcode] ?? `rcode ${message.rcode}`}` };
  const chain = follow(message.answers, name, DNS_TYPE[type]);
  if ("broken" in chain) return { kind: "failure", reason: chain.broken };
  if (type !== "SRV") {
    const addresses = addressesOf(chain.found);
    if (addresses.length === 0) return { kind: "empty", rcode: "NODATA", ttlSeconds: negativeTtl(message) };
    return { kind: "addresses", ttlSeconds: chain.ttl, addresses };
  }
  // RFC 2782: a single record with target "." says the service is decidedly not available here.
  const services = chain.found.flatMap((r) =>
    "priority" in r && r.target !== "" ? [{ target: r.target, port: r.port, priority: r.priority, weight: r.weight }] : [],
  );
  if (services.length === 0) return { kind: "empty", rcode: "NODATA", ttlSeconds: negativeTtl(message) };
  return {
    kind: "services",
    ttlSeconds: chain.ttl,
    services: services.map((s) => ({ ...s, addresses: additionalAddresses(message, s.target) })),
  };
}

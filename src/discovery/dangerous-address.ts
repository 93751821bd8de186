/**
 * Addresses a registration may not point a pool at unless the pool's policy names them
 * explicitly, because traffic sent there reaches something other than a service: the
 * cloud metadata endpoints (which hand out credentials), link-local and unspecified
 * addresses, and loopback — the worker's own host — which only the local-development
 * switch opens (see docs/security.md, "Registration guards").
 */
import { cidrContains, cidrWithin, parseCidr, parseIp } from "./address.ts";
import type { Cidr } from "./address.ts";
import { hostMatches, isExactHostPattern, normalHost } from "./host-pattern.ts";

export type DangerKind = "loopback" | "link_local" | "metadata" | "unspecified";

/** Why each kind is refused, for error messages. */
export const DANGER_DESCRIPTIONS: Readonly<Record<DangerKind, string>> = {
  loopback: "loopback",
  link_local: "link-local",
  metadata: "a cloud metadata endpoint",
  unspecified: "an unspecified address",
};

function ranges(kind: DangerKind, texts: readonly string[]): { kind: DangerKind; text: string; range: Cidr }[] {
  return texts.map((text) => {
    const range = parseCidr(text);
    if (range === undefined) throw new Error(`bad built-in range ${text}`);
    return { kind, text, range };
  });
}

/** Most specific first, so 169.254.169.254 reads as metadata rather than plain link-local. */
const DANGEROUS_RANGES = [
  // AWS IMDS over IPv6, Alibaba Cloud's metadata address (outside link-local), and the
  // 169.254.169.254 that AWS, GCP, Azure, OCI and DigitalOcean all answer on.
  ...ranges("metadata", ["169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32"]),
  ...ranges("link_local", ["169.254.0.0/16", "fe80::/10"]),
  // 0.0.0.0/8 is "this network" (RFC 1122 §3.2.1.3): connecting to it reaches the local host on most stacks.
  ...ranges("unspecified", ["0.0.0.0/8", "::/128"]),
  ...ranges("loopback", ["127.0.0.0/8", "::1/128"]),
];

/** Metadata service names of the major clouds; "localhost" and its subdomains are loopback (RFC 6761 §6.3). */
const DANGEROUS_NAMES: readonly { kind: DangerKind; pattern: string }[] = [
  ...[
    "metadata",
    "metadata.google.internal",
    "metadata.goog",
    "metadata.azure.com",
    "metadata.azure.internal",
    "instance-data",
    "instance-data.ec2.internal",
    "metadata.tencentyun.com",
    "metadata.platformequinix.com",
  ].map((pattern) => ({ kind: "metadata" as const, pattern })),
  { kind: "loopback", pattern: "localhost" },
  { kind: "loopback", pattern: "*.localhost" },
];

/** What is dangerous about a URL's host, and which built-in rule says so; undefined for an ordinary host. */
export interface Danger {
  readonly kind: DangerKind;
  /** The built-in range or name that matched, e.g. "169.254.0.0/16". */
  readonly rule: string;
  /** For an IP literal: the range; an explicit policy range must lie inside it. */
  readonly range?: Cidr;
}

/** The danger of `host` (a URL hostname: name, IPv4 or bracketed IPv6), if any. */
export function dangerOf(host: string): Danger | undefined {
  const ip = parseIp(host);
  if (ip !== undefined) {
    const hit = DANGEROUS_RANGES.find((d) => cidrContains(d.range, ip));
    return hit === undefined ? undefined : { kind: hit.kind, rule: hit.text, range: hit.range };
  }
  const name = normalHost(host);
  const hit = DANGEROUS_NAMES.find((d) => hostMatches(d.pattern, name));
  return hit === undefined ? undefined : { kind: hit.kind, rule: hit.pattern };
}

/**
 * Whether a policy pattern names a dangerous host explicitly: for an IP, a range that
 * lies inside the dangerous range that holds it (169.254.0.0/16 names link-local
 * addresses, but only 169.254.169.254/32 names the metadata address; 0.0.0.0/0 names
 * none); for a name, the exact name, no wildcard.
 */
export function namesExplicitly(pattern: string, host: string, danger: Danger): boolean {
  if (danger.range !== undefined) {
    const range = parseCidr(pattern);
    const ip = parseIp(host);
    return range !== undefined && ip !== undefined && cidrContains(range, ip) && cidrWithin(range, danger.range);
  }
  return isExactHostPattern(pattern) && normalHost(pattern) === normalHost(host);
}

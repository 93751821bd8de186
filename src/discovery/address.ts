/**
 * IP address literals and CIDR ranges, for registration policies: IPv4 dotted quads and
 * IPv6 (RFC 4291 §2.2 text forms, `::` compression and an embedded IPv4 tail), each as a
 * bigint so one containment test serves both families. An IPv4-mapped IPv6 address
 * (`::ffff:169.254.169.254`, RFC 4291 §2.5.5.2) is the IPv4 address it carries, so a
 * mapped form cannot slip past an IPv4 rule.
 */

/** An address: its family and its value as an unsigned integer of 32 or 128 bits. */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

/** A range: the family, the network's first address and the prefix length. */
export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;
const MAPPED_PREFIX = 0xffffn << 32n;

/** A dotted quad ("10.0.0.1"): four decimal parts 0–255, no leading zeros (which some parsers read as octal). */
export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** The 16-bit groups of one side of an IPv6 literal; an IPv4 tail counts as two groups. */
function ipv6Groups(side: string, ipv4TailAllowed: boolean): bigint[] | undefined {
  if (side === "") return [];
  const parts = side.split(":");
  const groups: bigint[] = [];
  for (const [i, part] of parts.entries()) {
    if (ipv4TailAllowed && i === parts.length - 1 && part.includes(".")) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      groups.push(v4 >> 16n, v4 & 0xffffn);
    } else if (/^[0-9a-f]{1,4}$/i.test(part)) {
      groups.push(BigInt(`0x${part}`));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** An IPv6 literal without brackets or zone ("fe80::1", "::ffff:10.0.0.1"). */
export function parseIpv6(text: string): bigint | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const [head = "", tail] = halves;
  const left = ipv6Groups(head, tail === undefined);
  const right = tail === undefined ? [] : ipv6Groups(tail, true);
  if (left === undefined || right === undefined) return undefined;
  const given = left.length + right.length;
  // Without "::" all eight groups are written; with it, "::" stands for at least one.
  if (tail === undefined ? given !== 8 : given > 7) return undefined;
  const groups = [...left, ...Array<bigint>(8 - given).fill(0n), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | g, 0n);
}

/** An IP literal as it appears in a URL's host ("10.0.0.1", "[::1]") or a policy; an IPv4-mapped IPv6 address is its IPv4 one. */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const v4 = parseIpv4(bare);
  if (v4 !== undefined) return { family: 4, value: v4 };
  const v6 = parseIpv6(bare);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === MAPPED_PREFIX >> 32n) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/** "10.0.0.0/8", "fe80::/10", or a single address (a /32 or /128). Host bits below the prefix are ignored. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  const bits: number = BITS[address.family];
  let prefix = bits;
  if (slash >= 0) {
    const given = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(given)) return undefined;
    prefix = Number(given);
    // A mapped IPv6 range ("::ffff:10.0.0.0/104") is read as the IPv4 range it covers.
    if (address.family === 4 && parseIpv4(text.slice(0, slash)) === undefined) prefix -= 96;
    if (prefix < 0 || prefix > bits) return undefined;
  }
  return { family: address.family, base: mask(address.value, prefix, bits), prefix };
}

function mask(value: bigint, prefix: number, bits: number): bigint {
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

/** Whether `ip` lies in `range`. */
export function cidrContains(range: Cidr, ip: IpAddress): boolean {
  return range.family === ip.family && mask(ip.value, range.prefix, BITS[ip.family]) === range.base;
}

/** Whether every address of `inner` lies in `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && cidrContains(outer, { family: inner.family, value: inner.base });
}

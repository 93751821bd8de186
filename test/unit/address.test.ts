/** IP literals and CIDR ranges (src/discovery/address.ts), with property tests over both families. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cidrContains, cidrWithin, parseCidr, parseIp, parseIpv4, parseIpv6 } from "../../src/discovery/address.ts";
import type { Cidr } from "../../src/discovery/address.ts";

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((parts) => parts.join("."));
const groups = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 });

function v4Value(text: string): bigint {
  return text.split(".").reduce((acc, p) => (acc << 8n) | BigInt(p), 0n);
}

function v6Value(gs: readonly number[]): bigint {
  return gs.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** The RFC 5952 form: the longest run of zero groups (two or more) as "::". */
function compressed(gs: readonly number[]): string {
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (gs[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && gs[j] === 0) j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j;
  }
  const hex = gs.map((g) => g.toString(16));
  if (best.len < 2) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

function range(text: string): Cidr {
  const r = parseCidr(text);
  if (r === undefined) throw new Error(`not a range: ${text}`);
  return r;
}

describe("parseIpv4", () => {
  it("reads dotted quads and refuses the rest", () => {
    expect(parseIpv4("10.0.0.1")).toBe(0x0a000001n);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffffn);
    for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "", "1..2.3"])
      expect(parseIpv4(bad), bad).toBeUndefined();
  });

  it("reads every dotted quad as its value", () => {
    fc.assert(fc.property(ipv4, (text) => parseIpv4(text) === v4Value(text)));
  });
});

describe("parseIpv6", () => {
  it("reads full, compressed and IPv4-tailed forms", () => {
    expect(parseIpv6("::")).toBe(0n);
    expect(parseIpv6("::1")).toBe(1n);
    expect(parseIpv6("fe80::1")).toBe((0xfe80n << 112n) | 1n);
    expect(parseIpv6("1:2:3:4:5:6:7:8")).toBe(v6Value([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(parseIpv6("::ffff:10.0.0.1")).toBe((0xffffn << 32n) | 0x0a000001n);
    expect(parseIpv6("1:2:3:4:5:6:10.0.0.1")).toBe(v6Value([1, 2, 3, 4, 5, 6, 0x0a00, 1]));
    for (const bad of ["1::2::3", ":::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::", "g::", "1:2:3:4:5:6:7:8::", "::10.0.0.1:1"])
      expect(parseIpv6(bad), bad).toBeUndefined();
  });

  it("reads the full and the compressed form of any address alike", () => {
    fc.assert(
      fc.property(groups, (gs) => {
        const full = gs.map((g) => g.toString(16)).join(":");
        return parseIpv6(full) === v6Value(gs) && parseIpv6(compressed(gs)) === v6Value(gs);
      }),
    );
  });

  it("agrees with the URL parser's normal form", () => {
    fc.assert(
      fc.property(groups, (gs) => {
        const host = new URL(`http://[${gs.map((g) => g.toString(16)).join(":")}]/`).hostname;
        const parsed = parseIp(host);
        const value = v6Value(gs);
        // The URL parser keeps a mapped address as IPv6; parseIp reads it as the IPv4 one it carries.
        return value >> 32n === 0xffffn ? parsed?.family === 4 && parsed.value === (value & 0xffffffffn) : parsed?.value === value;
      }),
    );
  });
});

describe("parseIp", () => {
  it("reads an IPv4-mapped IPv6 address as its IPv4 address, bracketed or not", () => {
    fc.assert(
      fc.property(ipv4, (text) => {
        const host = new URL(`http://[::ffff:${text}]/`).hostname;
        const mapped = parseIp(host);
        return mapped?.family === 4 && mapped.value === v4Value(text) && parseIp(`::ffff:${text}`)?.value === v4Value(text);
      }),
    );
  });

  it("refuses names", () => {
    expect(parseIp("example.com")).toBeUndefined();
    expect(parseIp("localhost")).toBeUndefined();
  });
});

describe("CIDR ranges", () => {
  it("contain the addresses under their prefix, and no others", () => {
    expect(cidrContains(range("10.0.0.0/8"), { family: 4, value: v4Value("10.255.0.1") })).toBe(true);
    expect(cidrContains(range("10.0.0.0/8"), { family: 4, value: v4Value("11.0.0.1") })).toBe(false);
    expect(cidrContains(range("fe80::/10"), { family: 6, value: (0xfebfn << 112n) | 1n })).toBe(true);
    expect(cidrContains(range("fe80::/10"), { family: 6, value: 0xfec0n << 112n })).toBe(false);
    // A family never matches the other.
    expect(cidrContains(range("0.0.0.0/0"), { family: 6, value: 1n })).toBe(false);
    expect(cidrContains(range("::/0"), { family: 4, value: 1n })).toBe(false);
  });

  it("read a bare address as a single-address range, and a mapped IPv6 range as IPv4", () => {
    expect(range("192.0.2.7")).toEqual({ family: 4, base: v4Value("192.0.2.7"), prefix: 32 });
    expect(range("::1")).toEqual({ family: 6, base: 1n, prefix: 128 });
    expect(range("::ffff:10.0.0.0/104")).toEqual({ family: 4, base: v4Value("10.0.0.0"), prefix: 8 });
    for (const bad of ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/a", "/8", "10.0.0.0/8/8"])
      expect(parseCidr(bad), bad).toBeUndefined();
  });

  it("any address is in every range built from it, and ranges nest by prefix", () => {
    fc.assert(
      fc.property(ipv4, fc.nat(32), fc.nat(32), (text, p, q) => {
        const ip = { family: 4 as const, value: v4Value(text) };
        const [wide, narrow] = p <= q ? [p, q] : [q, p];
        const outer = range(`${text}/${wide}`);
        const inner = range(`${text}/${narrow}`);
        return (
          cidrContains(outer, ip) && cidrContains(inner, ip) && cidrWithin(inner, outer) && (wide === narrow || !cidrWithin(outer, inner))
        );
      }),
    );
    fc.assert(
      fc.property(groups, fc.nat(128), (gs, p) => {
        const ip = { family: 6 as const, value: v6Value(gs) };
        if (ip.value >> 32n === 0xffffn) return true;
        return cidrContains(range(`${compressed(gs)}/${p}`), ip);
      }),
    );
  });
});

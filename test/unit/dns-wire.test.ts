/**
 * The DNS wire codec (src/discovery/dns-wire.ts) against an independent one: queries it
 * encodes are parsed by dns2's Packet, and responses dns2 encodes (with name compression)
 * are decoded and read as answers (src/discovery/dns-answer.ts). Malformed messages fail
 * with DnsWireError naming the problem, and random bytes never make it throw anything
 * else or loop.
 */
import { Packet } from "dns2";
import fc from "fast-check";
import { describe, it } from "vitest";
import { interpretAnswer } from "../../src/discovery/dns-answer.ts";
import { base64Url, decodeMessage, DnsWireError, encodeQuery, ipv6Text } from "../../src/discovery/dns-wire.ts";

/** A resource record as dns2 builds it. */
type Resource = Packet["answers"][number];
/** Response codes (RFC 1035 §4.1.1), which dns2's types leave out. */
const RCODE = { SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

type Rr = Record<string, unknown>;

/** A response as dns2 would send it for a question about `name` of `type`. */
function response(name: string, type: "A" | "AAAA" | "SRV", build: (p: Packet) => void): Uint8Array {
  const query = Packet.parse(Buffer.from(encodeQuery(name, type)));
  const p = Packet.createResponseFromRequest(query);
  build(p);
  return new Uint8Array(p.toBuffer());
}

const rr = (name: string, type: keyof typeof Packet.TYPE, ttl: number, data: Rr): Resource =>
  ({ name, type: Packet.TYPE[type], class: Packet.CLASS.IN, ttl, ...data }) as unknown as Resource;
const soa = (name: string, ttl: number, minimum: number) =>
  rr(name, "SOA", ttl, { primary: "ns.example", admin: "admin.example", serial: 1, refresh: 1, retry: 1, expiration: 1, minimum });

describe("DNS wire codec", () => {
  it("encodes a recursive query dns2 reads back: ID 0 (RFC 8484), RD, one IN question", ({ expect }) => {
    const parsed = Packet.parse(Buffer.from(encodeQuery("_http._TCP.Api.example.com.", "SRV")));
    expect(parsed.header).toMatchObject({ id: 0, qr: 0, rd: 1, qdcount: 1, ancount: 0 });
    expect(parsed.questions).toEqual([{ name: "_http._TCP.Api.example.com", type: Packet.TYPE.SRV, class: Packet.CLASS.IN }]);
    expect(() => encodeQuery(`${"a".repeat(64)}.example`, "A")).toThrow(/label must be 1–63/);
    expect(() => encodeQuery(Array.from({ length: 60 }, () => "abcd").join("."), "A")).toThrow(/longer than 255/);
    expect(() => encodeQuery("a..b", "A")).toThrow(DnsWireError);
  });

  it("base64url without padding, as the dns parameter of a DoH GET", ({ expect }) => {
    expect(base64Url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe("-__-");
    expect(base64Url(new Uint8Array([1]))).toBe("AQ");
  });

  it("decodes A and AAAA answers, compressed names and all, lower-casing owners", ({ expect }) => {
    const bytes = response("API.example.com", "A", (p) => {
      p.answers.push(rr("API.example.com", "A", 30, { address: "10.0.0.7" }), rr("api.example.com", "A", 12, { address: "10.0.0.8" }));
    });
    const message = decodeMessage(bytes);
    expect(message).toMatchObject({ id: 0, response: true, truncated: false, rcode: 0 });
    expect(message.answers).toEqual([
      { name: "api.example.com", type: 1, ttl: 30, address: "10.0.0.7" },
      { name: "api.example.com", type: 1, ttl: 12, address: "10.0.0.8" },
    ]);
    expect(interpretAnswer(message, "api.example.com", "A")).toEqual({
      kind: "addresses",
      ttlSeconds: 12,
      addresses: ["10.0.0.7", "10.0.0.8"],
    });
    const v6 = decodeMessage(
      response("v6.example.com", "AAAA", (p) => p.answers.push(rr("v6.example.com", "AAAA", 60, { address: "2001:db8::7" }))),
    );
    expect(interpretAnswer(v6, "v6.example.com", "AAAA")).toEqual({ kind: "addresses", ttlSeconds: 60, addresses: ["2001:db8::7"] });
  });

  it("follows a CNAME chain in the answer section, taking the smallest TTL on the way", ({ expect }) => {
    const message = decodeMessage(
      response("www.example.com", "A", (p) => {
        p.answers.push(
          rr("www.example.com", "CNAME", 20, { domain: "lb.example.net" }),
          rr("lb.example.net", "CNAME", 300, { domain: "edge.example.org" }),
          rr("edge.example.org", "A", 60, { address: "192.0.2.1" }),
        );
      }),
    );
    expect(interpretAnswer(message, "www.example.com", "A")).toEqual({ kind: "addresses", ttlSeconds: 20, addresses: ["192.0.2.1"] });
  });

  it("SRV: target, port, priority and weight; addresses from the additional section when it has them", ({ expect }) => {
    const message = decodeMessage(
      response("_api._tcp.example.com", "SRV", (p) => {
        p.answers.push(
          rr("_api._tcp.example.com", "SRV", 30, { priority: 10, weight: 5, port: 8080, target: "a.example.com" }),
          rr("_api._tcp.example.com", "SRV", 30, { priority: 20, weight: 0, port: 8081, target: "b.example.com" }),
        );
        p.additionals.push(rr("a.example.com", "A", 30, { address: "10.0.0.1" }), rr("a.example.com", "AAAA", 30, { address: "fd00::1" }));
      }),
    );
    expect(interpretAnswer(message, "_api._tcp.example.com", "SRV")).toEqual({
      kind: "services",
      ttlSeconds: 30,
      services: [
        { target: "a.example.com", port: 8080, priority: 10, weight: 5, addresses: ["10.0.0.1", "fd00::1"] },
        { target: "b.example.com", port: 8081, priority: 20, weight: 0, addresses: undefined },
      ],
    });
  });

  it("empty answers: NXDOMAIN and NODATA with RFC 2308's negative TTL; a '.' SRV target is no service", ({ expect }) => {
    const nx = decodeMessage(
      response("gone.example.com", "A", (p) => {
        p.header.rcode = RCODE.NXDOMAIN;
        p.authorities.push(soa("example.com", 900, 45));
      }),
    );
    expect(interpretAnswer(nx, "gone.example.com", "A")).toEqual({ kind: "empty", rcode: "NXDOMAIN", ttlSeconds: 45 });
    const nodata = decodeMessage(response("v4only.example.com", "AAAA", (p) => p.authorities.push(soa("example.com", 10, 3600))));
    expect(interpretAnswer(nodata, "v4only.example.com", "AAAA")).toEqual({ kind: "empty", rcode: "NODATA", ttlSeconds: 10 });
    const dot = decodeMessage(
      response("_x._tcp.example.com", "SRV", (p) =>
        p.answers.push(rr("_x._tcp.example.com", "SRV", 30, { priority: 0, weight: 0, port: 0, target: "" })),
      ),
    );
    expect(interpretAnswer(dot, "_x._tcp.example.com", "SRV")).toEqual({ kind: "empty", rcode: "NODATA", ttlSeconds: undefined });
  });

  it("failures: SERVFAIL, REFUSED, a truncated answer, an answer to another question", ({ expect }) => {
    const failing = (rcode: number) => decodeMessage(response("a.example.com", "A", (p) => (p.header.rcode = rcode)));
    expect(interpretAnswer(failing(RCODE.SERVFAIL), "a.example.com", "A")).toEqual({
      kind: "failure",
      reason: "the resolver answered SERVFAIL",
    });
    expect(interpretAnswer(failing(RCODE.REFUSED), "a.example.com", "A")).toEqual({
      kind: "failure",
      reason: "the resolver answered REFUSED",
    });
    const truncated = decodeMessage(response("a.example.com", "A", (p) => (p.header.tc = 1)));
    expect(interpretAnswer(truncated, "a.example.com", "A")).toMatchObject({ kind: "failure", reason: expect.stringMatching(/truncated/) });
    const other = decodeMessage(
      response("b.example.com", "A", (p) => p.answers.push(rr("b.example.com", "A", 5, { address: "10.0.0.1" }))),
    );
    expect(interpretAnswer(other, "a.example.com", "A")).toMatchObject({
      kind: "failure",
      reason: expect.stringMatching(/for b.example.com/),
    });
    expect(interpretAnswer(decodeMessage(encodeQuery("a.example.com", "A")), "a.example.com", "A")).toMatchObject({ kind: "failure" });
  });

  it("malformed messages fail with DnsWireError saying what is wrong", ({ expect }) => {
    expect(() => decodeMessage(new Uint8Array(5))).toThrow(/at least 12 bytes/);
    const good = response("a.example.com", "A", (p) => p.answers.push(rr("a.example.com", "A", 5, { address: "10.0.0.1" })));
    expect(() => decodeMessage(good.subarray(0, good.length - 2))).toThrow(/ends inside an A record/);
    // A name pointer to itself (offset 12), where the question's name starts.
    const loop = new Uint8Array([0, 0, 0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
    expect(() => decodeMessage(loop)).toThrow(/does not point backwards/);
    const badLength = new Uint8Array(good);
    badLength[good.length - 5] = 5; // RDLENGTH of the A record: 5
    expect(() => decodeMessage(badLength)).toThrow(DnsWireError);
  });

  it("random bytes only ever give a message or a DnsWireError", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
        try {
          decodeMessage(bytes);
        } catch (error) {
          if (!(error instanceof DnsWireError)) throw error;
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it("writes IPv6 addresses as RFC 5952 does", ({ expect }) => {
    const v6 = (...groups: number[]) => new Uint8Array(groups.flatMap((g) => [g >> 8, g & 0xff]));
    expect(ipv6Text(v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))).toBe("2001:db8::1");
    expect(ipv6Text(v6(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1))).toBe("2001:db8:0:1::1");
    expect(ipv6Text(v6(0x2001, 0, 0, 1, 0, 0, 1, 1))).toBe("2001::1:0:0:1:1");
    expect(ipv6Text(v6(0, 0, 0, 0, 0, 0, 0, 1))).toBe("::1");
    expect(ipv6Text(v6(0, 0, 0, 0, 0, 0, 0, 0))).toBe("::");
    expect(ipv6Text(v6(0xfe80, 0, 0, 0, 0xabcd, 0, 0, 0))).toBe("fe80::abcd:0:0:0");
  });
});

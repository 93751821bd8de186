/**
 * A DNS answer → a pool's origins (src/discovery/dns-origins.ts), through the address
 * policy registrations use: metadata, link-local and unspecified addresses refused whatever
 * the patterns say unless named exactly, loopback only under the local-development switch,
 * addresses outside the patterns and SRV ports outside `ports` refused; at most maxOrigins
 * per name; stable ids; SRV weights and priorities. And the config: a discovery entry's
 * mistakes are named by path.
 */
import { describe, it } from "vitest";
import { DnsDiscoverySchema } from "../../src/config/discovery-schema.ts";
import { Id } from "../../src/config/fields.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { discoveredId, originsOf } from "../../src/discovery/dns-origins.ts";
import type { ResolvedAddress } from "../../src/discovery/dns-name-state.ts";

const entry = (fields: Record<string, unknown>) =>
  DnsDiscoverySchema.parse({ name: "api.example.com", addresses: ["10.0.0.0/8"], ...fields });
const addresses = (...list: string[]): ResolvedAddress[] => list.map((address) => ({ address }));
const open = { allowLoopback: false };

describe("DNS discovery policy", () => {
  it("each A address becomes an origin at the entry's port, scheme, weight and region, with a stable id and its source", ({ expect }) => {
    const result = originsOf(
      "na",
      entry({ port: 8443, scheme: "https", weight: 2, region: "aws:us-east-1" }),
      addresses("10.0.0.2", "10.0.0.1"),
      open,
    );
    expect(result).toEqual({
      origins: [
        {
          id: "na-10.0.0.1-8443",
          pool: "na",
          url: "https://10.0.0.1:8443",
          weight: 2,
          region: "aws:us-east-1",
          source: "dns:api.example.com",
          address: "10.0.0.1",
        },
        {
          id: "na-10.0.0.2-8443",
          pool: "na",
          url: "https://10.0.0.2:8443",
          weight: 2,
          region: "aws:us-east-1",
          source: "dns:api.example.com",
          address: "10.0.0.2",
        },
      ],
      refused: [],
      capped: 0,
    });
    expect(originsOf("na", entry({}), addresses("10.0.0.1"), open).origins[0]?.url).toBe("http://10.0.0.1:80");
  });

  it("IPv6 addresses in brackets; ids stay valid origin ids, however long the pool id", ({ expect }) => {
    const v6 = originsOf("na", entry({ type: "AAAA", addresses: ["fd00::/8"] }), addresses("fd00::7"), open);
    expect(v6.origins[0]).toMatchObject({ id: "na-fd00--7-80", url: "http://[fd00::7]:80" });
    const long = discoveredId("p".repeat(64), "fd00:1234:5678:9abc:def0:1234:5678:9abc", 65_535);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(Id.safeParse(long).success).toBe(true);
    expect(discoveredId("p".repeat(64), "10.0.0.1", 80)).toBe(discoveredId("p".repeat(64), "10.0.0.1", 80));
  });

  it("metadata, link-local and unspecified addresses are refused even under 0.0.0.0/0; named exactly, they pass", ({ expect }) => {
    const any = entry({ addresses: ["0.0.0.0/0", "::/0"] });
    const result = originsOf(
      "p",
      any,
      addresses("10.0.0.1", "169.254.169.254", "169.254.10.1", "0.0.0.0", "fd00:ec2::254", "fe80::1"),
      open,
    );
    expect(result.origins.map((o) => o.address)).toEqual(["10.0.0.1"]);
    expect(result.refused.map((r) => `${r.address} ${r.reason}`)).toEqual([
      "0.0.0.0 dangerous_address",
      "169.254.10.1 dangerous_address",
      "169.254.169.254 dangerous_address",
      "fd00:ec2::254 dangerous_address",
      "fe80::1 dangerous_address",
    ]);
    expect(result.refused.find((r) => r.address === "169.254.169.254")?.message).toBe(
      "169.254.169.254 is a cloud metadata endpoint (169.254.169.254/32): refused unless addresses names it exactly",
    );
    const named = originsOf("p", entry({ addresses: ["169.254.10.0/24"] }), addresses("169.254.10.1"), open);
    expect(named.origins.map((o) => o.address)).toEqual(["169.254.10.1"]);
  });

  it("loopback only with the local-development switch; addresses outside the patterns are refused", ({ expect }) => {
    const local = entry({ addresses: ["127.0.0.0/8", "10.0.0.0/8"] });
    expect(originsOf("p", local, addresses("127.0.0.2"), open).refused).toEqual([
      { address: "127.0.0.2", reason: "loopback", message: expect.stringContaining("EDGEWAY_ALLOW_LOOPBACK_REGISTRATION") },
    ]);
    expect(originsOf("p", local, addresses("127.0.0.2"), { allowLoopback: true }).origins).toHaveLength(1);
    expect(originsOf("p", local, addresses("192.0.2.1"), open).refused).toEqual([
      { address: "192.0.2.1", reason: "address", message: "192.0.2.1 is not among addresses (127.0.0.0/8, 10.0.0.0/8)" },
    ]);
  });

  it("at most maxOrigins per name, in a stable order; the rest are counted, refused ones not", ({ expect }) => {
    const many = Array.from({ length: 10 }, (_, i) => `10.0.0.${10 - i}`);
    const result = originsOf("p", entry({ maxOrigins: 3 }), addresses(...many, "169.254.169.254"), open);
    expect(result.origins.map((o) => o.address)).toEqual(["10.0.0.1", "10.0.0.10", "10.0.0.2"]);
    expect(result.capped).toBe(7);
    expect(result.refused).toHaveLength(1);
  });

  it("SRV: each record's port and weight, its priority as the tier; a tier of zero weights shares equally", ({ expect }) => {
    const srv = entry({ name: "_api._tcp.example.com", type: "SRV", ports: ["8000-8999"] });
    const result = originsOf(
      "p",
      srv,
      [
        { address: "10.0.0.1", port: 8080, priority: 10, weight: 3 },
        { address: "10.0.0.2", port: 8081, priority: 10, weight: 0 },
        { address: "10.0.0.3", port: 8082, priority: 20, weight: 0 },
        { address: "10.0.0.4", port: 8083, priority: 20, weight: 0 },
        { address: "10.0.0.5", port: 9000, priority: 30, weight: 1 },
      ],
      open,
    );
    expect(result.origins.map((o) => [o.id, o.weight, o.tier])).toEqual([
      ["p-10.0.0.1-8080", 3, 10],
      ["p-10.0.0.2-8081", 0, 10],
      ["p-10.0.0.3-8082", 1, 20],
      ["p-10.0.0.4-8083", 1, 20],
    ]);
    expect(result.refused).toEqual([
      { address: "10.0.0.5", reason: "port", message: "port 9000 of 10.0.0.5 is not among ports (8000-8999)" },
    ]);
  });

  it("a discovery entry's mistakes are named by path", ({ expect }) => {
    const document = (dns: Record<string, unknown>) => ({
      origins: [{ id: "a", url: "http://10.0.0.1" }],
      pools: [{ id: "p", origins: ["a"], discovery: [{ dns: { name: "api.example.com", addresses: ["10.0.0.0/8"], ...dns } }] }],
      routes: [{ id: "r", pools: ["p"] }],
    });
    const issues = (dns: Record<string, unknown>) => {
      const result = validateConfig(document(dns));
      return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues({})).toEqual([]);
    expect(issues({ type: "SRV", port: 80 })).toEqual([
      "pools[0].discovery[0].dns.port: SRV records carry their ports: leave port out (ports limits them)",
    ]);
    expect(issues({ ports: [80] })).toEqual(["pools[0].discovery[0].dns.ports: only for SRV; an A origin's port is port"]);
    expect(issues({ region: "aws:us-est-1" })[0]).toMatch(/dns.region: unknown region "aws:us-est-1"; did you mean "aws:us-east-1"/);
    expect(issues({ addresses: ["*.example.com"] })[0]).toMatch(/dns.addresses\[0\]: must be a CIDR range or IP address/);
    expect(issues({ name: "http://api" })[0]).toMatch(/dns.name: must be a DNS name/);
    expect(issues({ maxOrigins: 0 })[0]).toMatch(/dns.maxOrigins/);
    expect(DnsDiscoverySchema.parse({ name: "API.Example.com.", addresses: ["10.0.0.0/8"] }).name).toBe("api.example.com");
  });
});

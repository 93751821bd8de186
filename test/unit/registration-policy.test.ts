/**
 * The registration policy check (src/discovery/registration-policy.ts) and the dangerous
 * addresses it refuses by default, with property tests: a link-local, metadata or
 * unspecified address is refused by any policy that does not name it explicitly, and an
 * ordinary address inside an allowed range is admitted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RegistrationPolicySchema } from "../../src/config/registration-schema.ts";
import type { RegistrationPolicy } from "../../src/config/registration-schema.ts";
import { dangerOf } from "../../src/discovery/dangerous-address.ts";
import { hostMatches, isHostPattern } from "../../src/discovery/host-pattern.ts";
import { checkRegistrationPolicy, regionMatches } from "../../src/discovery/registration-policy.ts";
import type { PolicyVerdict } from "../../src/discovery/registration-policy.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { readFileSync } from "node:fs";
import { singlePool, validOrThrow } from "./helpers/configs.ts";

function policy(fields: Record<string, unknown>): RegistrationPolicy {
  return RegistrationPolicySchema.parse(fields);
}

function check(
  fields: Record<string, unknown>,
  url: string,
  extra: { region?: string; weight?: number; allowLoopback?: boolean } = {},
): PolicyVerdict {
  return checkRegistrationPolicy(
    { id: "web", registration: policy(fields), heaviestWeight: 3 },
    { url, region: extra.region, weight: extra.weight ?? 1 },
    { allowLoopback: extra.allowLoopback ?? false },
  );
}

/** The refusal's code, or "ok <matched pattern>". */
function outcome(verdict: PolicyVerdict): string {
  return verdict.ok ? `ok ${verdict.matched}` : verdict.refusal.code;
}

describe("checkRegistrationPolicy", () => {
  it("refuses every registration into a pool without a policy, naming the rule", () => {
    const verdict = checkRegistrationPolicy(
      { id: "web", heaviestWeight: 1 },
      { url: "http://10.0.0.1", weight: 1 },
      { allowLoopback: true },
    );
    expect(verdict).toEqual({
      ok: false,
      refusal: expect.objectContaining({ reason: "no_policy", status: 403, code: "registration_not_allowed", rule: "registration" }),
    });
  });

  it("matches CIDR ranges for IP literals and host-name patterns for names", () => {
    const p = { addresses: ["10.0.0.0/8", "fd00::/8", "*.svc.example.internal", "api.example.com"] };
    expect(outcome(check(p, "http://10.9.8.7:8080"))).toBe("ok 10.0.0.0/8");
    expect(outcome(check(p, "http://[fd12::5]:8080"))).toBe("ok fd00::/8");
    expect(outcome(check(p, "https://a.b.svc.example.internal"))).toBe("ok *.svc.example.internal");
    expect(outcome(check(p, "https://API.example.com."))).toBe("ok api.example.com");
    expect(outcome(check(p, "https://svc.example.internal"))).toBe("address_not_allowed");
    expect(outcome(check(p, "http://11.0.0.1"))).toBe("address_not_allowed");
    // An IP literal never matches a host-name pattern, even "*".
    expect(outcome(check({ addresses: ["*"] }, "http://10.0.0.1"))).toBe("address_not_allowed");
    expect(outcome(check({ addresses: ["*"] }, "http://anything.example"))).toBe("ok *");
  });

  it("refuses dangerous addresses unless the policy names them explicitly", () => {
    const broad = { addresses: ["0.0.0.0/0", "::/0", "*"] };
    for (const url of [
      "http://169.254.169.254/latest/meta-data",
      "http://[::ffff:a9fe:a9fe]/",
      "http://169.254.1.1/",
      "http://[fe80::1]/",
      "http://[fd00:ec2::254]/",
      "http://100.100.100.200/",
      "http://metadata.google.internal/",
      "http://metadata/",
      "http://metadata.azure.com/",
      "http://instance-data.ec2.internal/",
      "http://0.0.0.0/",
      "http://[::]/",
    ])
      expect(outcome(check(broad, url)), url).toBe("dangerous_address");
    expect(outcome(check({ addresses: ["169.254.169.254/32"] }, "http://169.254.169.254/"))).toBe("ok 169.254.169.254/32");
    expect(outcome(check({ addresses: ["169.254.0.0/16"] }, "http://169.254.169.254/"))).toBe("dangerous_address");
    expect(outcome(check({ addresses: ["169.254.0.0/16"] }, "http://169.254.3.4/"))).toBe("ok 169.254.0.0/16");
    expect(outcome(check({ addresses: ["metadata.google.internal"] }, "http://metadata.google.internal/"))).toBe(
      "ok metadata.google.internal",
    );
    expect(outcome(check({ addresses: ["*.google.internal"] }, "http://metadata.google.internal/"))).toBe("dangerous_address");
  });

  it("names the danger and the rule in the message", () => {
    const verdict = check({ addresses: ["0.0.0.0/0"] }, "http://169.254.169.254/latest");
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.refusal.rule).toBe("registration.addresses");
    expect(verdict.refusal.message).toBe(
      'url: 169.254.169.254 is a cloud metadata endpoint (169.254.169.254/32): refused unless pool "web"\'s registration.addresses names it explicitly',
    );
  });

  it("accepts loopback only with the local-development switch, and then only where the policy matches", () => {
    for (const url of ["http://127.0.0.1:9000", "http://127.8.9.10", "http://[::1]:9000", "http://localhost:9000", "http://a.localhost"]) {
      const verdict = check({ addresses: ["127.0.0.0/8", "::1", "localhost", "*.localhost"] }, url);
      expect(verdict.ok ? "ok" : verdict.refusal.rule, url).toBe("EDGEWAY_ALLOW_LOOPBACK_REGISTRATION");
      expect(check({ addresses: ["127.0.0.0/8", "::1", "localhost", "*.localhost"] }, url, { allowLoopback: true }).ok, url).toBe(true);
    }
    expect(outcome(check({ addresses: ["10.0.0.0/8"] }, "http://127.0.0.1", { allowLoopback: true }))).toBe("address_not_allowed");
  });

  it("checks scheme, port, region and weight, naming the first rule broken", () => {
    const p = {
      addresses: ["10.0.0.0/8"],
      schemes: ["https"],
      ports: [443, "8000-8999"],
      regions: ["aws:*", "gcp:europe-west1"],
      weight: { min: 1, max: 5 },
    };
    const ok = { region: "aws:us-east-1", weight: 2 };
    expect(outcome(check(p, "https://10.0.0.1", ok))).toBe("ok 10.0.0.0/8");
    expect(outcome(check(p, "https://10.0.0.1:8999", ok))).toBe("ok 10.0.0.0/8");
    expect(outcome(check(p, "http://10.0.0.1:8000", ok))).toBe("scheme_not_allowed");
    expect(outcome(check(p, "https://10.0.0.1:9000", ok))).toBe("port_not_allowed");
    expect(outcome(check(p, "https://10.0.0.1", { ...ok, region: "azure:westeurope" }))).toBe("region_not_allowed");
    expect(outcome(check(p, "https://10.0.0.1", { weight: 2 }))).toBe("region_not_allowed");
    expect(outcome(check(p, "https://10.0.0.1", { ...ok, region: "gcp:europe-west1" }))).toBe("ok 10.0.0.0/8");
    expect(outcome(check(p, "https://10.0.0.1", { ...ok, weight: 6 }))).toBe("weight_not_allowed");
    expect(outcome(check(p, "https://10.0.0.1", { ...ok, weight: 0 }))).toBe("weight_not_allowed");
    // Without a weight range: up to the heaviest configured origin (3 here).
    expect(outcome(check({ addresses: ["10.0.0.0/8"] }, "http://10.0.0.1", { weight: 3 }))).toBe("ok 10.0.0.0/8");
    expect(outcome(check({ addresses: ["10.0.0.0/8"] }, "http://10.0.0.1", { weight: 4 }))).toBe("weight_not_allowed");
  });

  it("property: no policy without an explicit pattern admits a link-local, metadata or unspecified address", () => {
    const dangerous = fc.oneof(
      fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `169.254.${a}.${b}`),
      fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `0.${a}.${b}.${c}`),
      fc.nat(0x3ff).map((n) => `[fe80::${n.toString(16)}]`),
      fc.constantFrom("metadata.google.internal", "metadata", "[::]", "100.100.100.200", "[::ffff:169.254.169.254]"),
    );
    const broadPattern = fc.constantFrom("0.0.0.0/0", "::/0", "*", "0.0.0.0/1", "128.0.0.0/1", "*.internal", "fe00::/8", "160.0.0.0/4");
    fc.assert(
      fc.property(dangerous, fc.array(broadPattern, { minLength: 1, maxLength: 4 }), fc.boolean(), (host, addresses, allowLoopback) => {
        const verdict = check({ addresses }, `http://${host}:8080`, { allowLoopback });
        return !verdict.ok && verdict.refusal.reason === "dangerous_address";
      }),
    );
  });

  it("property: an ordinary address inside an allowed range is admitted, one outside every range is not", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.nat(255), fc.nat(255), fc.nat(255), (a, b, c, d) => {
        const inside = check({ addresses: [`${a}.0.0.0/8`] }, `http://${a}.${b}.${c}.${d}:8080`);
        // 127/8 is loopback and 169.254/16 link-local: refused for another reason.
        const other = [127, 169].includes(a + 100) ? 200 : a + 100;
        const outside = check({ addresses: [`${a}.0.0.0/8`] }, `http://${other}.${b}.${c}.${d}:8080`);
        return inside.ok && inside.matched === `${a}.0.0.0/8` && !outside.ok && outside.refusal.reason === "address";
      }),
    );
  });
});

describe("dangerOf", () => {
  it("classifies the built-in dangerous addresses, most specific first", () => {
    expect(dangerOf("169.254.169.254")).toMatchObject({ kind: "metadata" });
    expect(dangerOf("169.254.0.1")).toMatchObject({ kind: "link_local", rule: "169.254.0.0/16" });
    expect(dangerOf("127.0.0.1")).toMatchObject({ kind: "loopback" });
    expect(dangerOf("LOCALHOST.")).toMatchObject({ kind: "loopback" });
    expect(dangerOf("0.0.0.0")).toMatchObject({ kind: "unspecified" });
    expect(dangerOf("10.0.0.1")).toBeUndefined();
    expect(dangerOf("example.com")).toBeUndefined();
    expect(dangerOf("metadata.example.com")).toBeUndefined();
  });
});

describe("host-name patterns and region globs", () => {
  it("match whole labels below a wildcard, case-insensitively", () => {
    expect(hostMatches("*.svc.internal", "a.svc.internal")).toBe(true);
    expect(hostMatches("*.svc.internal", "a.b.SVC.internal.")).toBe(true);
    expect(hostMatches("*.svc.internal", "svc.internal")).toBe(false);
    expect(hostMatches("*.svc.internal", "evilsvc.internal")).toBe(false);
    expect(isHostPattern("*.svc.internal")).toBe(true);
    expect(isHostPattern("a.*.internal")).toBe(false);
    expect(isHostPattern("-bad.example")).toBe(false);
    expect(regionMatches("aws:*", "aws:us-east-1")).toBe(true);
    expect(regionMatches("aws:eu-*", "aws:us-east-1")).toBe(false);
    expect(regionMatches("aws:us-east-1", "aws:us-east-1")).toBe(true);
    expect(regionMatches("a.b", "axb")).toBe(false);
  });
});

describe("the registration field of a pool", () => {
  function issues(registration: unknown): string[] {
    const result = validateConfig(singlePool({ pool: { registration } as never }));
    return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
  }

  it("fills in its defaults", () => {
    expect(policy({ addresses: ["10.0.0.0/8"] })).toEqual({
      addresses: ["10.0.0.0/8"],
      schemes: ["http", "https"],
      maxOrigins: 50,
      serviceNames: [],
    });
  });

  it("names the field of every mistake", () => {
    expect(issues({})).toEqual([expect.stringMatching(/^pools\[0\]\.registration\.addresses: /)]);
    expect(issues({ addresses: [] })).toEqual([expect.stringMatching(/^pools\[0\]\.registration\.addresses: name the addresses/)]);
    expect(issues({ addresses: ["10.0.0.0/33"] })).toEqual([
      expect.stringMatching(/^pools\[0\]\.registration\.addresses\[0\]: must be a CIDR range/),
    ]);
    expect(issues({ addresses: ["300.1.1.1"] })).toEqual([expect.stringMatching(/addresses\[0\]: must be a CIDR/)]);
    expect(issues({ addresses: ["a.*.b"] })).toEqual([expect.stringMatching(/addresses\[0\]: must be a CIDR/)]);
    expect(issues({ addresses: ["10.0.0.0/8"], ports: ["9000-8000"] })).toEqual([expect.stringMatching(/registration\.ports\[0\]/)]);
    expect(issues({ addresses: ["10.0.0.0/8"], ports: [70_000] })).toEqual([expect.stringMatching(/registration\.ports\[0\]/)]);
    expect(issues({ addresses: ["10.0.0.0/8"], schemes: ["ftp"] })).toEqual([expect.stringMatching(/registration\.schemes\[0\]/)]);
    expect(issues({ addresses: ["10.0.0.0/8"], weight: { min: 5, max: 1 } })).toEqual([
      expect.stringMatching(/registration\.weight\.min: min must not exceed max/),
    ]);
    expect(issues({ addresses: ["10.0.0.0/8"], maxOrigins: 0 })).toEqual([expect.stringMatching(/registration\.maxOrigins/)]);
    expect(issues({ addresses: ["10.0.0.0/8"], maxOrigins: 1_001 })).toEqual([expect.stringMatching(/registration\.maxOrigins/)]);
    expect(issues({ addresses: ["10.0.0.0/8"], serviceNames: ["bad name"] })).toEqual([
      expect.stringMatching(/registration\.serviceNames\[0\]/),
    ]);
    expect(issues({ addresses: ["10.0.0.0/8"], colour: "red" })).toEqual([expect.stringMatching(/^pools\[0\]\.registration: .*colour/)]);
    expect(
      issues({ addresses: ["10.0.0.0/8", "fd00::/8", "*.svc.example.internal", "*"], ports: [443, "8000-8999"], regions: ["aws:*"] }),
    ).toEqual([]);
  });

  it("maps each Consul service name to one pool", () => {
    const input = singlePool();
    const doc = {
      ...input,
      pools: [
        { ...input.pools[0], registration: { addresses: ["10.0.0.0/8"], serviceNames: ["web"] } },
        { id: "q", origins: ["o0"], registration: { addresses: ["10.0.0.0/8"], serviceNames: ["api", "web"] } },
      ],
    };
    const result = validateConfig(doc);
    expect(result.ok ? [] : result.issues).toEqual([
      {
        path: "pools[1].registration.serviceNames[1]",
        message: 'service name "web" already maps to pool "p": a service name joins one pool',
      },
    ]);
  });
});

describe("examples/registration.json", () => {
  it("validates, and its policies admit the demo's loopback origins only with the switch on", () => {
    const config = validOrThrow(JSON.parse(readFileSync(new URL("../../examples/registration.json", import.meta.url), "utf8")));
    const eu = config.pools.find((p) => p.id === "eu");
    const pool = { id: "eu", registration: eu?.registration, heaviestWeight: 1 };
    const candidate = { url: "http://127.0.0.1:9105", weight: 1 };
    expect(checkRegistrationPolicy(pool, candidate, { allowLoopback: true })).toEqual({ ok: true, matched: "127.0.0.1/32" });
    expect(outcome(checkRegistrationPolicy(pool, candidate, { allowLoopback: false }))).toBe("loopback_not_allowed");
    expect(config.pools.find((p) => p.id === "apac")?.registration).toBeUndefined();
  });
});

/** Origin `host`, `headers` (text and secrets) and `mtlsCertificate`: validation and binding checks. */
import { describe, expect, it } from "vitest";
import { bindingIssues, mergedHeaders } from "../../src/config/origin-headers.ts";
import type { BindingLookup } from "../../src/config/origin-headers.ts";
import { originTarget } from "../../src/config/origin-host.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { at, singlePool, validOrThrow } from "./helpers/configs.ts";
import type { OriginInput, PoolInput } from "./helpers/configs.ts";

function withOrigin(extra: Record<string, unknown>, pool: Record<string, unknown> = {}): unknown {
  return singlePool({ origins: 1, origin: () => extra as Partial<OriginInput>, pool: pool as Partial<PoolInput> });
}

function issues(input: unknown): string[] {
  const result = validateConfig(input);
  return result.ok ? [] : result.issues.map((i) => `${i.path}: ${i.message}`);
}

const bindings = (secrets: Record<string, string>, mtls: readonly string[] = []): BindingLookup => ({
  secret: (name) => secrets[name],
  hasMtlsCertificate: (name) => mtls.includes(name),
});

describe("origin headers in the schema", () => {
  it("accepts text values and secret references on origins and pools", () => {
    const config = validOrThrow(
      withOrigin({ headers: { "x-origin-key": { secret: "ORIGIN_KEY" }, "x-team": "edge" } }, { headers: { "x-pool": "p" } }),
    );
    expect(at(config.origins, 0).headers).toEqual({ "x-origin-key": { secret: "ORIGIN_KEY" }, "x-team": "edge" });
    expect(at(config.pools, 0).headers).toEqual({ "x-pool": "p" });
  });

  it.each([
    [{ "x-a": "one\r\ntwo" }, "origins[0].headers.x-a: must not contain a line break"],
    [{ "x-a": "nul\u0000" }, "origins[0].headers.x-a: must not contain a line break"],
    [{ connection: "close" }, "origins[0].headers.connection: is connection-specific"],
    [{ Upgrade: "h2c" }, "origins[0].headers.Upgrade: is connection-specific"],
    [{ "transfer-encoding": "chunked" }, "origins[0].headers.transfer-encoding: is connection-specific"],
    [{ Host: "x.example" }, 'origins[0].headers.Host: is set by Edgeway: use the origin\'s "host" option'],
    [{ traceparent: "x" }, "origins[0].headers.traceparent: is set by Edgeway"],
    [{ "bad name": "x" }, "origins[0].headers.bad name: must be a header name"],
    [{ "x-a": "1", "X-A": "2" }, "origins[0].headers.X-A: is given twice"],
    [{ "x-a": { secret: "lower-case-dash" } }, "origins[0].headers.x-a.secret: must be a Worker binding name"],
    [{ "x-a": { secret: "ADMIN_TOKEN" } }, "origins[0].headers.x-a.secret: names one of Edgeway's own secrets"],
    [{ "x-a": { secret: "K", extra: 1 } }, "origins[0].headers.x-a"],
  ])("refuses %j", (headers, expected) => {
    expect(issues(withOrigin({ headers })).join("\n")).toContain(expected);
  });

  it("checks pool headers the same way", () => {
    expect(issues(withOrigin({}, { headers: { "keep-alive": "x" } })).join("\n")).toContain(
      "pools[0].headers.keep-alive: is connection-specific",
    );
  });

  it("accepts a host name for host and lowercases it; refuses schemes and ports", () => {
    expect(at(validOrThrow(withOrigin({ host: "API.Example.com" })).origins, 0).host).toBe("api.example.com");
    expect(issues(withOrigin({ host: "https://api.example.com" }))[0]).toContain("origins[0].host: must be a host name");
    expect(issues(withOrigin({ host: "api.example.com:8443" }))[0]).toContain("origins[0].host: must be a host name");
  });

  it("lets the origin's headers win over the pool's, names compared without case", () => {
    expect(mergedHeaders({ "X-Key": "pool", "x-pool": "p" }, { "x-key": { secret: "K" } })).toEqual([
      ["x-key", { secret: "K" }],
      ["x-pool", "p"],
    ]);
    expect(mergedHeaders(undefined, undefined)).toEqual([]);
  });
});

describe("bindingIssues", () => {
  const config = validOrThrow(
    withOrigin(
      { headers: { "x-origin-key": { secret: "ORIGIN_KEY" } }, mtlsCertificate: "ORIGIN_CERT" },
      {
        headers: { "x-pool-key": { secret: "POOL_KEY" } },
      },
    ),
  );

  it("is empty when every secret and mTLS binding exists", () => {
    expect(bindingIssues(config, bindings({ ORIGIN_KEY: "k1", POOL_KEY: "k2" }, ["ORIGIN_CERT"]))).toEqual([]);
  });

  it("names each missing secret and binding, and the field that needs it", () => {
    const found = bindingIssues(config, bindings({}));
    expect(found).toEqual([
      { path: "origins[0].headers.x-origin-key", message: expect.stringContaining('secret "ORIGIN_KEY" is not set') },
      { path: "origins[0].mtlsCertificate", message: expect.stringContaining('no mtls_certificates binding "ORIGIN_CERT"') },
      { path: "pools[0].headers.x-pool-key", message: expect.stringContaining('secret "POOL_KEY" is not set') },
    ]);
  });

  it("refuses a secret whose value cannot be a header, without printing the value", () => {
    const found = bindingIssues(config, bindings({ ORIGIN_KEY: "s3cr3t\r\nx-injected: 1", POOL_KEY: "ok" }, ["ORIGIN_CERT"]));
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toContain("line break");
    expect(JSON.stringify(found)).not.toContain("s3cr3t");
  });
});

describe("originTarget", () => {
  it("leaves the origin as it is without host", () => {
    expect(originTarget(new URL("https://o.example.net:8443/base"), undefined)).toEqual({
      origin: "https://o.example.net:8443",
      resolveOverride: undefined,
      hostHeader: undefined,
    });
  });
  it("fetches the host name and resolves the origin's name for a named origin", () => {
    expect(originTarget(new URL("https://o.example.net:8443/base"), "api.example.com")).toEqual({
      origin: "https://api.example.com:8443",
      resolveOverride: "o.example.net",
      hostHeader: undefined,
    });
  });
  it("keeps an IP or localhost origin's URL and sets a Host header instead", () => {
    expect(originTarget(new URL("http://127.0.0.1:9101"), "api.example.com")).toEqual({
      origin: "http://127.0.0.1:9101",
      resolveOverride: undefined,
      hostHeader: "api.example.com:9101",
    });
    expect(originTarget(new URL("http://localhost"), "api.example.com").hostHeader).toBe("api.example.com");
    expect(originTarget(new URL("http://[::1]:80"), "api.example.com").resolveOverride).toBeUndefined();
  });
});

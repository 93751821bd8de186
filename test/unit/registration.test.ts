import { describe, expect, it } from "vitest";
import { compileConfig } from "../../src/config/compile.ts";
import {
  DEFAULT_DEREGISTER_AFTER_SECONDS,
  DEFAULT_TTL_SECONDS,
  RegistrationRequestSchema,
  RegistrationSchema,
  deregistersAt,
  lapsesAt,
  registrationHealth,
  sameRoutingFields,
  withRegistrations,
} from "../../src/discovery/registration.ts";
import type { Registration, RegistrationRequest } from "../../src/discovery/registration.ts";
import type { ConfigInput } from "../../src/config/schema.ts";
import { multiPool, poolOf, singlePool, validOrThrow } from "./helpers/configs.ts";

/** The document with a registration policy admitting 127.0.0.0/8 on every pool. */
function open(input: ConfigInput): ConfigInput {
  return { ...input, pools: input.pools.map((p) => ({ ...p, registration: { addresses: ["127.0.0.0/8"] } })) };
}

/** A registration with real schema defaults, heartbeat at `lastHeartbeat`. */
function registration(fields: Record<string, unknown>, lastHeartbeat = 100_000): Registration {
  return RegistrationSchema.parse({ id: "reg0", url: "http://127.0.0.1:30000", pool: "p", registeredAt: 50_000, lastHeartbeat, ...fields });
}

function request(fields: Record<string, unknown> = {}): RegistrationRequest {
  return RegistrationRequestSchema.parse({ id: "reg0", url: "http://127.0.0.1:30000", pool: "p", ...fields });
}

describe("RegistrationRequestSchema", () => {
  it("fills in ttl 30 s, deregister after 600 s and weight 1", () => {
    const parsed = request();
    expect(parsed).toEqual({
      id: "reg0",
      url: "http://127.0.0.1:30000",
      pool: "p",
      weight: 1,
      ttlSeconds: 30,
      deregisterAfterSeconds: 600,
    });
    expect(DEFAULT_TTL_SECONDS).toBe(30);
    expect(DEFAULT_DEREGISTER_AFTER_SECONDS).toBe(600);
  });

  it("keeps values that are given", () => {
    const parsed = request({ weight: 3, ttlSeconds: 10, deregisterAfterSeconds: 60, region: "aws:us-east-1" });
    expect(parsed).toMatchObject({ weight: 3, ttlSeconds: 10, deregisterAfterSeconds: 60, region: "aws:us-east-1" });
  });

  it("rejects a URL that is not one, or not http(s)", () => {
    const bad = RegistrationRequestSchema.safeParse({ id: "reg0", url: "not a url", pool: "p" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["url"]);
    expect(RegistrationRequestSchema.safeParse({ id: "reg0", url: "ftp://127.0.0.1/", pool: "p" }).success).toBe(false);
  });

  it("rejects deregisterAfterSeconds under a minute, accepts exactly 60", () => {
    const bad = RegistrationRequestSchema.safeParse({ id: "reg0", url: "http://127.0.0.1:30000", pool: "p", deregisterAfterSeconds: 59 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["deregisterAfterSeconds"]);
    expect(
      RegistrationRequestSchema.safeParse({ id: "reg0", url: "http://127.0.0.1:30000", pool: "p", deregisterAfterSeconds: 60 }).success,
    ).toBe(true);
  });

  it("rejects an unknown key", () => {
    const bad = RegistrationRequestSchema.safeParse({ id: "reg0", url: "http://127.0.0.1:30000", pool: "p", enabled: false });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.code).toBe("unrecognized_keys");
  });

  it("requires a pool", () => {
    expect(RegistrationRequestSchema.safeParse({ id: "reg0", url: "http://127.0.0.1:30000" }).success).toBe(false);
  });
});

describe("registrationHealth", () => {
  const reg = registration({}, 100_000);

  it("is healthy up to and including lastHeartbeat + ttl", () => {
    expect(registrationHealth(reg, 100_000)).toEqual({ healthy: true, since: 100_000, reason: "heartbeat within its 30 s TTL" });
    expect(registrationHealth(reg, 130_000).healthy).toBe(true);
    expect(registrationHealth(reg, 130_000).since).toBe(100_000);
  });

  it("is unhealthy one millisecond later, since the lapse, with the silence in the reason", () => {
    expect(registrationHealth(reg, 130_001)).toEqual({ healthy: false, since: 130_000, reason: "no heartbeat for 30 s (TTL 30 s)" });
    expect(registrationHealth(reg, 145_000)).toEqual({ healthy: false, since: 130_000, reason: "no heartbeat for 45 s (TTL 30 s)" });
  });

  it("follows the registration's own ttl", () => {
    const short = registration({ ttlSeconds: 5 }, 0);
    expect(registrationHealth(short, 5_000).healthy).toBe(true);
    expect(registrationHealth(short, 5_001)).toMatchObject({ healthy: false, since: 5_000 });
    expect(registrationHealth(short, 5_001).reason).toContain("TTL 5 s");
  });
});

describe("lapsesAt and deregistersAt", () => {
  it("lapse one ttl after the heartbeat, deregister deregisterAfterSeconds after that", () => {
    const reg = registration({}, 100_000);
    expect(lapsesAt(reg)).toBe(130_000);
    expect(deregistersAt(reg)).toBe(130_000 + 600_000);
  });

  it("use the registration's own values", () => {
    const reg = registration({ ttlSeconds: 7, deregisterAfterSeconds: 90 }, 1_000);
    expect(lapsesAt(reg)).toBe(8_000);
    expect(deregistersAt(reg)).toBe(98_000);
  });
});

describe("sameRoutingFields", () => {
  const base = request({ region: "aws:us-east-1", weight: 2 });

  it("is true for the same routing fields, whatever the ttl", () => {
    expect(sameRoutingFields(base, request({ region: "aws:us-east-1", weight: 2 }))).toBe(true);
    expect(sameRoutingFields(base, request({ region: "aws:us-east-1", weight: 2, ttlSeconds: 5, deregisterAfterSeconds: 120 }))).toBe(true);
  });

  it("is false when any routing field differs", () => {
    expect(sameRoutingFields(base, { ...base, url: "http://127.0.0.1:30001" })).toBe(false);
    expect(sameRoutingFields(base, { ...base, region: "aws:eu-west-1" })).toBe(false);
    expect(sameRoutingFields(base, { ...base, lat: 1, lon: 2 })).toBe(false);
    expect(sameRoutingFields({ ...base, lat: 1, lon: 2 }, { ...base, lat: 1, lon: 3 })).toBe(false);
    expect(sameRoutingFields(base, { ...base, weight: 3 })).toBe(false);
    expect(sameRoutingFields(base, { ...base, pool: "q" })).toBe(false);
  });
});

describe("withRegistrations", () => {
  it("adds registered origins to the pools they name", () => {
    const config = validOrThrow(open(multiPool({ a: 2, b: 1 })));
    const merged = withRegistrations(config, [
      registration({ id: "ra", url: "http://127.0.0.1:30001", pool: "a", weight: 4, region: "aws:us-east-1" }),
      registration({ id: "rb", url: "http://127.0.0.1:30002", pool: "b", lat: 10, lon: 20 }),
    ]);
    expect(merged.pools.find((p) => p.id === "a")?.origins).toEqual(["a-0", "a-1", "ra"]);
    expect(merged.pools.find((p) => p.id === "b")?.origins).toEqual(["b-0", "rb"]);
    expect(merged.origins.map((o) => o.id)).toEqual(["a-0", "a-1", "b-0", "ra", "rb"]);
    expect(merged.origins.find((o) => o.id === "ra")).toEqual({
      id: "ra",
      url: "http://127.0.0.1:30001",
      weight: 4,
      enabled: true,
      region: "aws:us-east-1",
    });
    expect(merged.origins.find((o) => o.id === "rb")).toEqual({
      id: "rb",
      url: "http://127.0.0.1:30002",
      weight: 1,
      enabled: true,
      lat: 10,
      lon: 20,
    });
  });

  it("leaves the pools nobody joins as they were", () => {
    const config = validOrThrow(open(multiPool({ a: 1, b: 1 })));
    const merged = withRegistrations(config, [registration({ id: "ra", pool: "a" })]);
    expect(merged.pools.find((p) => p.id === "b")).toBe(config.pools.find((p) => p.id === "b"));
  });

  it("does not mutate the config it is given", () => {
    const config = validOrThrow(open(singlePool()));
    const before = structuredClone(config);
    const originsArray = config.origins;
    const poolOrigins = config.pools[0]?.origins;
    const merged = withRegistrations(config, [registration({ id: "reg0", pool: "p" })]);
    expect(merged).not.toBe(config);
    expect(config).toEqual(before);
    expect(config.origins).toBe(originsArray);
    expect(config.origins).toHaveLength(3);
    expect(config.pools[0]?.origins).toBe(poolOrigins);
    expect(poolOrigins).toEqual(["o0", "o1", "o2"]);
  });

  it("skips a registration whose pool is unknown", () => {
    const config = validOrThrow(open(singlePool()));
    const merged = withRegistrations(config, [registration({ id: "gone", pool: "nope" }), registration({ id: "reg0", pool: "p" })]);
    expect(merged.origins.map((o) => o.id)).toEqual(["o0", "o1", "o2", "reg0"]);
    expect(merged.pools.find((p) => p.id === "p")?.origins).toEqual(["o0", "o1", "o2", "reg0"]);
  });

  it("skips a registration whose id a configured origin has: the document wins", () => {
    const config = validOrThrow(open(singlePool()));
    const merged = withRegistrations(config, [
      registration({ id: "o1", url: "http://127.0.0.1:39999", pool: "p" }),
      registration({ id: "reg0", pool: "p" }),
    ]);
    expect(merged.origins.filter((o) => o.id === "o1")).toEqual([config.origins[1]]);
    expect(merged.origins.find((o) => o.id === "o1")?.url).toBe("http://127.0.0.1:10001");
    expect(merged.pools[0]?.origins).toEqual(["o0", "o1", "o2", "reg0"]);
  });

  it("skips a registration whose pool has no registration policy (any more)", () => {
    const input = open(multiPool({ a: 1, b: 1 }));
    const config = validOrThrow({ ...input, pools: input.pools.map((p) => (p.id === "b" ? { ...p, registration: undefined } : p)) });
    const merged = withRegistrations(config, [registration({ id: "ra", pool: "a" }), registration({ id: "rb", pool: "b" })]);
    expect(merged.origins.map((o) => o.id)).toEqual(["a-0", "b-0", "ra"]);
    expect(merged.pools.find((p) => p.id === "b")?.origins).toEqual(["b-0"]);
  });

  it("returns the same object when nothing joins", () => {
    const config = validOrThrow(open(singlePool()));
    expect(withRegistrations(config, [])).toBe(config);
    expect(withRegistrations(config, [registration({ id: "x", pool: "nope" }), registration({ id: "o0", pool: "p" })])).toBe(config);
  });

  it("gives a config that compiles with the registered origin in its pool", () => {
    const config = validOrThrow(open(multiPool({ a: 2, b: 1 })));
    const merged = withRegistrations(config, [
      registration({ id: "ra", url: "http://127.0.0.1:30001", pool: "a", weight: 2, region: "aws:us-east-1" }),
    ]);
    const compiled = compileConfig(merged, 1);
    const pool = poolOf(compiled, "a");
    expect(pool.origins.map((o) => o.id)).toEqual(["a-0", "a-1", "ra"]);
    expect(pool.capacity).toBe(4);
    expect(compiled.origins.get("ra")?.location).toEqual({ lat: 39.04, lon: -77.49 });
    expect(poolOf(compiled, "b").origins.map((o) => o.id)).toEqual(["b-0"]);
  });
});

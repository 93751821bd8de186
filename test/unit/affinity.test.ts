/**
 * Session affinity: the signed cookie that carries a pin (affinity-cookie.ts, with real
 * WebCrypto) and the decisions around it (affinity.ts): where a pinned origin stands,
 * and when a response rewrites the pin.
 */
import { describe, expect, it } from "vitest";
import type { CompiledConfig } from "../../src/config/compile.ts";
import type { Affinity } from "../../src/config/schema.ts";
import { pinState, shouldWritePin } from "../../src/steering/affinity.ts";
import type { PinState } from "../../src/steering/affinity.ts";
import { affinityKey, signPin, verifyPin } from "../../src/steering/affinity-cookie.ts";
import { compile, healthyExcept, makeOrigins, makePool, makeRoute, routeOf } from "./helpers/configs.ts";

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0);
const HOUR_MS = 3_600_000;

describe("affinity cookie (HMAC-signed pin)", () => {
  const key = affinityKey("test-secret");

  it("round-trips: a pin verifies to its origin on its route", async () => {
    const value = await signPin(await key, "r", "o1", NOW, 82_800);
    expect(value).toMatch(/^o1\.\d+\.[A-Za-z0-9_-]{22}$/);
    expect(await verifyPin(await key, "r", value, NOW)).toBe("o1");
    expect(await verifyPin(await key, "r", value, NOW + 22 * HOUR_MS)).toBe("o1");
  });

  it("works for origin ids containing dots", async () => {
    for (const originId of ["eu.west.1", "a.b", "1.2.3.4"]) {
      const value = await signPin(await key, "r", originId, NOW, 60);
      expect(await verifyPin(await key, "r", value, NOW)).toBe(originId);
    }
  });

  it("rejects a forged signature", async () => {
    const value = await signPin(await key, "r", "o1", NOW, 60);
    const mac = value.slice(value.lastIndexOf(".") + 1);
    const flipped = `${mac[0] === "A" ? "B" : "A"}${mac.slice(1)}`;
    expect(await verifyPin(await key, "r", `${value.slice(0, value.lastIndexOf(".") + 1)}${flipped}`, NOW)).toBeUndefined();
    expect(await verifyPin(await key, "r", value.slice(0, -1), NOW)).toBeUndefined();
  });

  it("rejects a pin signed with another secret", async () => {
    const value = await signPin(await affinityKey("other-secret"), "r", "o1", NOW, 60);
    expect(await verifyPin(await key, "r", value, NOW)).toBeUndefined();
  });

  it("rejects a changed origin id (a client cannot choose its origin)", async () => {
    const value = await signPin(await key, "r", "o1", NOW, 60);
    expect(await verifyPin(await key, "r", value.replace(/^o1\./, "o2."), NOW)).toBeUndefined();
    // Moving the dots around does not help: "o1.x" is another origin id.
    expect(await verifyPin(await key, "r", `o1.${value}`, NOW)).toBeUndefined();
  });

  it("rejects a changed expiry (a client cannot extend its pin)", async () => {
    const value = await signPin(await key, "r", "o1", NOW, 60);
    const [origin, expires, mac] = value.split(".");
    expect(await verifyPin(await key, "r", `${origin ?? ""}.${Number(expires) + 3_600}.${mac ?? ""}`, NOW)).toBeUndefined();
  });

  it("rejects a cookie for another route", async () => {
    const value = await signPin(await key, "checkout", "o1", NOW, 60);
    expect(await verifyPin(await key, "r", value, NOW)).toBeUndefined();
    expect(await verifyPin(await key, "checkout", value, NOW)).toBe("o1");
  });

  it("rejects an expired cookie, from its expiry second on", async () => {
    const value = await signPin(await key, "r", "o1", NOW, 60);
    expect(await verifyPin(await key, "r", value, NOW + 59_999)).toBe("o1");
    expect(await verifyPin(await key, "r", value, NOW + 60_000)).toBeUndefined();
    expect(await verifyPin(await key, "r", value, NOW + 24 * HOUR_MS)).toBeUndefined();
  });

  it.each(["", "a.b", "x.notanumber.sig", "o1..sig", ".1900000000.sig", "o1.-5.sig", "o1.1e12.sig", "o1.1900000000", "..."])(
    "rejects the malformed value %j",
    async (value) => {
      expect(await verifyPin(await key, "r", value, NOW)).toBeUndefined();
    },
  );
});

describe("pinState", () => {
  /** Route "r" over pool main (m0, m1 drained, m2 disabled) with fallback pool "last" (l0). */
  const config: CompiledConfig = compile({
    origins: [
      ...makeOrigins(3, "m", (i) => (i === 1 ? { weight: 0 } : i === 2 ? { enabled: false } : {})),
      { id: "l0", url: "http://127.0.0.1:12000" },
      { id: "elsewhere", url: "http://127.0.0.1:12001" },
    ],
    pools: [makePool("main", ["m0", "m1", "m2"]), makePool("last", ["l0"]), makePool("other", ["elsewhere"])],
    routes: [
      makeRoute("r", ["main"], { fallbackPool: "last" }),
      makeRoute("r2", ["other"], { match: { host: "other.example", pathPrefix: "/" } }),
    ],
  });
  const route = routeOf(config);
  const ALL_HEALTHY = healthyExcept();

  it("a healthy pinned origin is usable, with the selection to serve it", () => {
    const state = pinState(route, "m0", ALL_HEALTHY);
    expect(state.kind).toBe("usable");
    if (state.kind !== "usable") return;
    expect(state.selection.origin.id).toBe("m0");
    expect(state.selection.pool.id).toBe("main");
    expect(state.selection.fallback).toBe(false);
    expect(state.selection.panic).toBe(false);
  });

  it("a drained origin (weight 0) is still usable, so sessions can finish", () => {
    const state = pinState(route, "m1", ALL_HEALTHY);
    expect(state.kind === "usable" ? state.selection.origin.id : state.kind).toBe("m1");
  });

  it("an unhealthy pinned origin is unavailable", () => {
    expect(pinState(route, "m0", healthyExcept("m0"))).toEqual({ kind: "unavailable", originId: "m0" });
    expect(pinState(route, "m1", healthyExcept("m1"))).toEqual({ kind: "unavailable", originId: "m1" });
  });

  it("no pin, an unknown origin, another route's origin or a disabled origin is none", () => {
    const none: PinState = { kind: "none" };
    expect(pinState(route, undefined, ALL_HEALTHY)).toEqual(none);
    expect(pinState(route, "gone", ALL_HEALTHY)).toEqual(none);
    expect(pinState(route, "elsewhere", ALL_HEALTHY)).toEqual(none);
    expect(pinState(route, "m2", ALL_HEALTHY)).toEqual(none);
    expect(pinState(route, "m2", healthyExcept("m2"))).toEqual(none);
  });

  it("finds an origin of the fallback pool, and says the fallback serves", () => {
    const state = pinState(route, "l0", ALL_HEALTHY);
    expect(state.kind).toBe("usable");
    if (state.kind !== "usable") return;
    expect(state.selection.pool.id).toBe("last");
    expect(state.selection.fallback).toBe(true);
    expect(pinState(route, "l0", healthyExcept("l0"))).toEqual({ kind: "unavailable", originId: "l0" });
  });
});

describe("shouldWritePin", () => {
  const affinity = (onFailure: Affinity["onFailure"]): Affinity => ({ type: "cookie", ttlSeconds: 82_800, onFailure });
  const MODES = ["none", "temporary", "sticky"] as const;

  it.each(MODES)("%s: no pin yet → write the origin that served", (mode) => {
    expect(shouldWritePin(affinity(mode), undefined, "none", "m0")).toBe(true);
  });

  it.each(MODES)("%s: a pin naming an origin the route no longer has → rewrite it", (mode) => {
    expect(shouldWritePin(affinity(mode), "gone", "none", "m0")).toBe(true);
  });

  it.each(MODES)("%s: served by the pinned origin → leave the pin alone", (mode) => {
    expect(shouldWritePin(affinity(mode), "m0", "usable", "m0")).toBe(false);
  });

  it.each([
    ["none", false],
    ["temporary", false],
    ["sticky", true],
  ] as const)("%s: the pinned origin was unavailable and another served → rewrite: %s", (mode, expected) => {
    expect(shouldWritePin(affinity(mode), "m0", "unavailable", "m1")).toBe(expected);
  });

  it.each([
    ["none", false],
    ["temporary", false],
    ["sticky", true],
  ] as const)("%s: the pinned origin was usable but a retry served another → rewrite: %s", (mode, expected) => {
    expect(shouldWritePin(affinity(mode), "m0", "usable", "m1")).toBe(expected);
  });

  it.each(MODES)("%s: nothing served (an error) → never write", (mode) => {
    expect(shouldWritePin(affinity(mode), undefined, "none", undefined)).toBe(false);
    expect(shouldWritePin(affinity(mode), "m0", "unavailable", undefined)).toBe(false);
  });
});

/**
 * One DNS name over time (src/discovery/dns-name-state.ts): TTLs bounded to 5–300 s and
 * refreshes spread over the last 20% of the TTL; a failure keeps the last good answer and
 * backs off 5 s → 60 s; an empty answer (NXDOMAIN or NODATA) empties a set with addresses
 * only after 3 in a row spanning at least 30 s, and an empty set stays empty at once.
 */
import { describe, it } from "vitest";
import {
  applyOutcome,
  boundTtl,
  EMPTY_CONFIRM_SECONDS,
  newNameState,
  serviceAddresses,
  spreadAt,
} from "../../src/discovery/dns-name-state.ts";
import type { DnsNameState, DnsOutcome } from "../../src/discovery/dns-name-state.ts";
import { mulberry32 } from "./helpers/random.ts";

const T0 = 1_800_000_000_000;
const resolved = (ttlSeconds: number, ...addresses: string[]): DnsOutcome => ({
  kind: "resolved",
  ttlSeconds,
  addresses: addresses.map((address) => ({ address })),
});
const nxdomain: DnsOutcome = { kind: "empty", rcode: "NXDOMAIN", ttlSeconds: 5 };
const failure: DnsOutcome = { kind: "failure", reason: "resolver unreachable" };
const half = () => 0.5;

function withAddresses(): DnsNameState {
  return applyOutcome(newNameState("api.example.com", "A", T0), resolved(30, "10.0.0.1", "10.0.0.2"), T0, half).state;
}

describe("DNS name state", () => {
  it("bounds TTLs to 5–300 s; an answer without one counts 30 s", ({ expect }) => {
    expect([boundTtl(0), boundTtl(4.4), boundTtl(60), boundTtl(86_400), boundTtl(undefined)]).toEqual([5, 5, 60, 300, 30]);
  });

  it("spreads the next refresh over 80–100% of the TTL, so names resolved together drift apart", ({ expect }) => {
    const random = mulberry32(7);
    const times = Array.from({ length: 1_000 }, () => spreadAt(T0, 30, random) - T0);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(24_000);
    expect(Math.max(...times)).toBeLessThanOrEqual(30_000);
    // Spread over the window, not bunched: every second of it gets some.
    const seconds = new Set(times.map((t) => Math.floor(t / 1_000)));
    expect([...seconds].sort()).toEqual([24, 25, 26, 27, 28, 29]);
  });

  it("a first answer takes its addresses and is due again within its bounded TTL", ({ expect }) => {
    const { state, event } = applyOutcome(newNameState("api.example.com", "A", T0), resolved(0, "10.0.0.1"), T0, () => 0);
    expect(event).toBe("changed");
    expect(state).toMatchObject({ addresses: [{ address: "10.0.0.1" }], ttlSeconds: 5, resolvedAt: T0, nextAt: T0 + 5_000, failures: 0 });
    const again = applyOutcome(state, resolved(0, "10.0.0.1"), T0 + 5_000, () => 0);
    expect(again.event).toBe("resolved");
  });

  it("a failure keeps the last good answer and backs off 5, 10, 20, 40, 60, 60 s; an answer clears it", ({ expect }) => {
    let state = withAddresses();
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const at = T0 + i * 100_000;
      const next = applyOutcome(state, failure, at, () => 0);
      expect(next.event).toBe("failed");
      waits.push((next.state.nextAt - at) / 1_000);
      state = next.state;
    }
    expect(waits).toEqual([5, 10, 20, 40, 60, 60]);
    expect(state).toMatchObject({
      failures: 6,
      lastError: "resolver unreachable",
      addresses: [{ address: "10.0.0.1" }, { address: "10.0.0.2" }],
    });
    expect(applyOutcome(state, resolved(30, "10.0.0.3"), T0 + 700_000, half).state).toMatchObject({
      failures: 0,
      lastError: undefined,
      addresses: [{ address: "10.0.0.3" }],
    });
  });

  it("NXDOMAIN empties a set only after 3 in a row over at least 30 s; until then the set stays", ({ expect }) => {
    let state = withAddresses();
    const steps: string[] = [];
    // Three empty answers 15 s apart: the third comes 30 s after the first.
    for (const at of [T0 + 10_000, T0 + 25_000, T0 + 40_000]) {
      const next = applyOutcome(state, nxdomain, at, () => 0);
      steps.push(`${next.event}:${next.state.addresses.length}`);
      state = next.state;
    }
    expect(steps).toEqual(["empty_pending:2", "empty_pending:2", "emptied:0"]);
  });

  it("three empty answers in under 30 s are not enough; a good answer in between starts the count again", ({ expect }) => {
    let state = withAddresses();
    for (const at of [T0 + 1_000, T0 + 2_000, T0 + 3_000, T0 + 4_000]) state = applyOutcome(state, nxdomain, at, () => 0).state;
    expect(state.addresses).toHaveLength(2);
    expect(state.empty).toEqual({ since: T0 + 1_000, count: 4, rcode: "NXDOMAIN" });
    // While pending, the name is asked again within 15 s, so the 30 s are reached promptly.
    expect(state.nextAt - (T0 + 4_000)).toBeLessThanOrEqual(5_000);
    state = applyOutcome(state, resolved(30, "10.0.0.1"), T0 + 20_000, half).state;
    expect(state.empty).toBeUndefined();
    state = applyOutcome(state, nxdomain, T0 + 40_000, () => 0).state;
    state = applyOutcome(state, nxdomain, T0 + 55_000, () => 0).state;
    expect(state.addresses).toHaveLength(1);
    const last = applyOutcome(
      state,
      { kind: "empty", rcode: "NODATA", ttlSeconds: undefined },
      T0 + 40_000 + EMPTY_CONFIRM_SECONDS * 1_000,
      () => 0,
    );
    expect(last.event).toBe("emptied");
  });

  it("failures do not break an empty streak, and an empty set stays empty at once", ({ expect }) => {
    const fresh = applyOutcome(newNameState("new.example.com", "A", T0), nxdomain, T0, () => 0);
    expect(fresh.event).toBe("empty");
    expect(fresh.state.addresses).toEqual([]);
    let state = applyOutcome(withAddresses(), nxdomain, T0 + 1_000, () => 0).state;
    state = applyOutcome(state, failure, T0 + 10_000, () => 0).state;
    expect(state.empty?.count).toBe(1);
    expect(state.addresses).toHaveLength(2);
  });

  it("SRV services become one address per target address, carrying port, priority and weight", ({ expect }) => {
    const services = [
      { target: "a.example.com", port: 8080, priority: 10, weight: 3, addresses: ["10.0.0.1"] },
      { target: "b.example.com", port: 8081, priority: 20, weight: 1, addresses: undefined },
      { target: "c.example.com", port: 8082, priority: 20, weight: 1, addresses: undefined },
    ];
    expect(serviceAddresses(services, new Map([["b.example.com", ["10.0.0.2", "10.0.0.3"]]]))).toEqual([
      { address: "10.0.0.1", port: 8080, priority: 10, weight: 3, target: "a.example.com" },
      { address: "10.0.0.2", port: 8081, priority: 20, weight: 1, target: "b.example.com" },
      { address: "10.0.0.3", port: 8081, priority: 20, weight: 1, target: "b.example.com" },
    ]);
  });
});

/**
 * Discovered origins over time (src/discovery/dns-table.ts) and on the request path: a
 * name's answer becomes origins; an address that leaves turns draining at once and is
 * removed 60 s later unless it comes back; the version moves with the set, not with
 * states; SRV tiers stand by while a lower tier has a healthy target. Then the real path —
 * effective config → snapshot → health view → selectOrigin — shows a draining or standby
 * origin is never a candidate, panic or not, and is not counted towards panic.
 */
import { describe, it } from "vitest";
import { compileConfig } from "../../src/config/compile.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { withDiscovered } from "../../src/discovery/dns-merge.ts";
import type { DiscoveredOrigin } from "../../src/discovery/dns-merge.ts";
import type { DnsOutcome } from "../../src/discovery/dns-name-state.ts";
import { DnsTable, DRAIN_SECONDS, sourcesOf } from "../../src/discovery/dns-table.ts";
import { effectiveConfig } from "../../src/discovery/effective-config.ts";
import { OutlierDetector } from "../../src/health/outlier.ts";
import { healthView } from "../../src/health/passive.ts";
import { lapsedIn } from "../../src/health/snapshot.ts";
import type { HealthSnapshot } from "../../src/health/snapshot.ts";
import { createMemoryStore, createSelectionCache, selectOrigin, viewPool } from "../../src/steering/select.ts";
import { NO_SIGNALS } from "../../src/steering/types.ts";
import { mulberry32 } from "./helpers/random.ts";

const T0 = 1_800_000_000_000;
const half = () => 0.5;

function config(discovery: unknown[], pool: Record<string, unknown> = {}) {
  const result = validateConfig({
    origins: [{ id: "anchor", url: "http://10.9.9.9", weight: 0 }],
    pools: [{ id: "p", origins: ["anchor"], steering: "round_robin", discovery, ...pool }],
    routes: [{ id: "r", pools: ["p"] }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

const A_ENTRY = { dns: { name: "api.example.com", port: 8080, addresses: ["10.0.0.0/8"] } };
const resolved = (...addresses: string[]): DnsOutcome => ({
  kind: "resolved",
  ttlSeconds: 30,
  addresses: addresses.map((address) => ({ address })),
});

function tableWith(...addresses: string[]): DnsTable {
  const table = new DnsTable();
  table.sync(sourcesOf(config([A_ENTRY])), T0, false);
  table.apply("A", "api.example.com", resolved(...addresses), T0, half);
  return table;
}

const states = (table: DnsTable) => Object.fromEntries(table.discovered(() => true).map((d) => [d.id, d.state]));

describe("DNS discovery table", () => {
  it("a new entry's name is due at once; its answer becomes active origins and moves the version", ({ expect }) => {
    const table = new DnsTable();
    table.sync(sourcesOf(config([A_ENTRY])), T0, false);
    expect(table.due(T0, 10).map((n) => n.name)).toEqual(["api.example.com"]);
    expect(table.version).toBe(0);
    table.apply("A", "api.example.com", resolved("10.0.0.1", "10.0.0.2"), T0, half);
    expect(states(table)).toEqual({ "p-10.0.0.1-8080": "active", "p-10.0.0.2-8080": "active" });
    expect(table.version).toBeGreaterThan(0);
    expect(table.due(T0 + 1_000, 10)).toEqual([]);
    expect(table.takeNotes().map((n) => n.event)).toEqual(["dns_origin_added", "dns_origin_added"]);
  });

  it("an address that leaves drains at once without a recompile, and is removed after the drain", ({ expect }) => {
    const table = tableWith("10.0.0.1", "10.0.0.2");
    const version = table.version;
    table.apply("A", "api.example.com", resolved("10.0.0.1"), T0 + 30_000, half);
    expect(states(table)).toEqual({ "p-10.0.0.1-8080": "active", "p-10.0.0.2-8080": "draining" });
    expect(table.version).toBe(version);
    expect(table.nextDue()).toBeLessThanOrEqual(T0 + 30_000 + DRAIN_SECONDS * 1_000);
    table.sweep(T0 + 30_000 + DRAIN_SECONDS * 1_000 - 1);
    expect(table.ids()).toHaveLength(2);
    table.sweep(T0 + 30_000 + DRAIN_SECONDS * 1_000);
    expect(table.ids()).toEqual(["p-10.0.0.1-8080"]);
    expect(table.version).toBe(version + 1);
  });

  it("an address back within the drain is active again with no recompile; a changed routing field recompiles", ({ expect }) => {
    const table = tableWith("10.0.0.1", "10.0.0.2");
    const version = table.version;
    table.apply("A", "api.example.com", resolved("10.0.0.1"), T0 + 30_000, half);
    table.apply("A", "api.example.com", resolved("10.0.0.1", "10.0.0.2"), T0 + 40_000, half);
    expect(states(table)).toEqual({ "p-10.0.0.1-8080": "active", "p-10.0.0.2-8080": "active" });
    expect(table.version).toBe(version);
    table.sync(sourcesOf(config([{ dns: { ...A_ENTRY.dns, weight: 5 } }])), T0 + 50_000, false);
    expect(table.version).toBeGreaterThan(version);
    expect(table.discovered(() => true).map((d) => d.weight)).toEqual([5, 5]);
  });

  it("fail-static: a failure changes no origin; an entry taken out of the config drains its origins", ({ expect }) => {
    const table = tableWith("10.0.0.1");
    table.apply("A", "api.example.com", { kind: "failure", reason: "timeout" }, T0 + 30_000, half);
    expect(states(table)).toEqual({ "p-10.0.0.1-8080": "active" });
    expect(table.status()[0]).toMatchObject({ failures: 1, lastError: "timeout", counts: { queries: 2, failures: 1 } });
    table.sync([], T0 + 40_000, false);
    expect(states(table)).toEqual({ "p-10.0.0.1-8080": "draining" });
    expect(table.status()).toEqual([]);
  });

  it("stores only what changed: a refresh with the same answer writes nothing", ({ expect }) => {
    const table = tableWith("10.0.0.1");
    expect(table.takeDirty()).toMatchObject({ names: new Map([["A api.example.com", expect.anything()]]), version: table.version });
    table.apply("A", "api.example.com", resolved("10.0.0.1"), T0 + 30_000, half);
    const dirty = table.takeDirty();
    expect([dirty.names.size, dirty.origins.size, dirty.version]).toEqual([0, 0, undefined]);
  });

  it("SRV tiers: the lowest priority with a healthy target serves, the others stand by; none healthy, all serve", ({ expect }) => {
    const table = new DnsTable();
    table.sync(sourcesOf(config([{ dns: { name: "_api._tcp.example.com", type: "SRV", addresses: ["10.0.0.0/8"] } }])), T0, false);
    table.apply(
      "SRV",
      "_api._tcp.example.com",
      {
        kind: "resolved",
        ttlSeconds: 30,
        addresses: [
          { address: "10.0.0.1", port: 80, priority: 10, weight: 1 },
          { address: "10.0.0.2", port: 80, priority: 20, weight: 1 },
        ],
      },
      T0,
      half,
    );
    const tiers = (healthy: Set<string>) => Object.fromEntries(table.discovered((id) => healthy.has(id)).map((d) => [d.id, d.state]));
    expect(tiers(new Set(["p-10.0.0.1-80", "p-10.0.0.2-80"]))).toEqual({ "p-10.0.0.1-80": "active", "p-10.0.0.2-80": "standby" });
    expect(tiers(new Set(["p-10.0.0.2-80"]))).toEqual({ "p-10.0.0.1-80": "active", "p-10.0.0.2-80": "active" });
    expect(tiers(new Set())).toEqual({ "p-10.0.0.1-80": "active", "p-10.0.0.2-80": "active" });
  });
});

describe("discovered origins on the request path", () => {
  const discovered = (state: DiscoveredOrigin["state"], n: number): DiscoveredOrigin => ({
    id: `p-10.0.0.${n}-8080`,
    pool: "p",
    url: `http://10.0.0.${n}:8080`,
    weight: 1,
    source: "dns:api.example.com",
    address: `10.0.0.${n}`,
    state,
    since: T0,
  });

  it("join their pool in the effective config, recompiled only when the version moves; the document wins an id", ({ expect }) => {
    const base = compileConfig(config([A_ENTRY]), 1);
    const list = [discovered("active", 1), discovered("draining", 2)];
    const snapshot: HealthSnapshot = { generatedAt: T0, origins: {}, discovered: list, discoveryVersion: 3 };
    const effective = effectiveConfig(base, snapshot);
    expect(effective.pools.get("p")?.origins.map((o) => o.id)).toEqual(["anchor", "p-10.0.0.1-8080", "p-10.0.0.2-8080"]);
    expect(effectiveConfig(base, { ...snapshot, discovered: [discovered("active", 1)] })).toBe(effective);
    expect(effectiveConfig(base, { ...snapshot, discovered: [discovered("active", 1)], discoveryVersion: 4 })).not.toBe(effective);
    const clash = withDiscovered(base.config, [{ ...discovered("active", 1), id: "anchor" }]);
    expect(clash.origins.filter((o) => o.id === "anchor")).toHaveLength(1);
    expect(withDiscovered(config([A_ENTRY]), [{ ...discovered("active", 1), pool: "elsewhere" }]).origins).toHaveLength(1);
  });

  it("a draining or standby origin is never a candidate, panic or not, and does not count towards panic", ({ expect }) => {
    const base = compileConfig(config([A_ENTRY], { steering: "round_robin", panicThreshold: 0.75 }), 1);
    const list = [discovered("active", 1), discovered("draining", 2), discovered("draining", 3), discovered("standby", 4)];
    // The active origin fails its checks: 1 of 2 counted origins (the anchor, the active one) healthy, so the pool is in panic.
    const snapshot: HealthSnapshot = {
      generatedAt: T0,
      origins: { "p-10.0.0.1-8080": { healthy: false, since: T0, reason: "down" } },
      discovered: list,
      discoveryVersion: 1,
    };
    expect(list.map((d) => lapsedIn(snapshot, d.id))).toEqual([false, true, true, true]);
    const effective = effectiveConfig(base, snapshot);
    const pool = effective.pools.get("p");
    if (pool === undefined) throw new Error("no pool p");
    const health = healthView(new OutlierDetector(), snapshot, () => T0);
    const view = viewPool(pool, health);
    expect(view).toMatchObject({ panic: true, healthy: 1, enabled: 2 });
    expect(view.candidates.map((o) => o.id)).toEqual(["p-10.0.0.1-8080"]);
    const route = effective.routes[0];
    if (route === undefined) throw new Error("no route");
    const random = mulberry32(3);
    const memory = createMemoryStore();
    const cache = createSelectionCache();
    const served = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const picked = selectOrigin({
        route,
        client: {},
        random,
        memory,
        health,
        exclude: new Set(),
        signals: NO_SIGNALS,
        hashKey: () => undefined,
        cache,
      });
      served.add(picked?.origin.id ?? "none");
    }
    expect([...served]).toEqual(["p-10.0.0.1-8080"]);
  });
});

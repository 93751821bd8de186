/**
 * DNS discovery end to end, on workerd against a real DNS-over-HTTPS server (dns2, started
 * by test/e2e/doh-server.ts) whose records change while the tests run: addresses added and
 * removed (and how long traffic takes to follow), TTLs bounded, a record pointing at the
 * cloud metadata address, the resolver failing and going away, NXDOMAIN repeated until the
 * set empties, and SRV targets with their ports, weights and priorities. Origins listen on
 * 127.0.0.1–127.0.0.4; each pool also has one configured origin at weight 0 (a pool needs
 * one), which never takes traffic.
 */
import { env } from "cloudflare:test";
import { describe, inject, it } from "vitest";
import { originStateStub } from "../../src/state/origin-state.ts";
import { proxied, setOriginMode, useConfig } from "../worker/helpers.ts";
import type { ZoneRecord } from "./doh-server.ts";

const dns = inject("dns");

async function control(path: string, init: RequestInit = {}): Promise<void> {
  const res = await fetch(`${dns.control}${path}`, init);
  await res.text();
  if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
}

const zone = (name: string, records: readonly ZoneRecord[], additionals = false) =>
  control(`/zone?name=${name}`, { method: "PUT", body: JSON.stringify({ records, additionals }) });
const a = (...addresses: string[]): ZoneRecord[] => addresses.map((address) => ({ type: "A", address, ttl: 5 }));

async function queries(name: string): Promise<number> {
  return ((await (await fetch(`${dns.control}/queries?name=${name}`)).json()) as { queries: number }).queries;
}

/** A pool "p" with the weight-0 anchor and `discovery`, behind one catch-all route, round robin. */
function discoveryConfig(discovery: unknown[], extra: Record<string, unknown> = {}): unknown {
  return {
    origins: [{ id: "anchor", url: dns.anchor, weight: 0 }],
    pools: [{ id: "p", origins: ["anchor"], steering: "round_robin", discovery, ...extra }],
    routes: [{ id: "r", pools: ["p"] }],
  };
}

/** Sends n requests; counts who served them (the origin id, or the status when not 200). */
async function servedBy(n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await proxied("/dns");
    await res.arrayBuffer();
    const who = res.status === 200 ? (res.headers.get("x-edgeway-origin") ?? "none") : `status ${res.status}`;
    counts[who] = (counts[who] ?? 0) + 1;
  }
  return counts;
}

/** Whether two counts agree, whatever order their keys came in. */
function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/** Polls `check` every 250 ms until it holds; returns the last value it saw. */
async function until<T>(what: () => Promise<T>, check: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await what();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await what();
  }
  return value;
}

const id = (address: string, port = dns.port) => `p-${address}-${port}`;
const state = () => originStateStub(env);

describe("DNS discovery", () => {
  it("A records become origins; traffic follows addresses added and removed, and drains what left", async ({ expect }) => {
    await zone("web.dns.test", a("127.0.0.2", "127.0.0.3"));
    await useConfig(discoveryConfig([{ dns: { name: "web.dns.test", port: dns.port, addresses: ["127.0.0.0/8"] } }]));
    const both = await until(
      () => servedBy(6),
      (c) => c[id("127.0.0.2")] === 3 && c[id("127.0.0.3")] === 3,
      15_000,
    );
    expect(both).toEqual({ [id("127.0.0.2")]: 3, [id("127.0.0.3")]: 3 });

    // Each change of the record, and the time until every request follows it: the rest of the
    // TTL (5 s) at most, plus an isolate's snapshot refresh (about 2 s).
    const changes: [string[], string][] = [
      [["127.0.0.2", "127.0.0.3", "127.0.0.4"], "added 127.0.0.4"],
      [["127.0.0.2", "127.0.0.3"], "removed 127.0.0.4"],
      [["127.0.0.3", "127.0.0.4"], "replaced 127.0.0.2 by 127.0.0.4"],
    ];
    const took: string[] = [];
    for (const [addresses, what] of changes) {
      const at = Date.now();
      await zone("web.dns.test", a(...addresses));
      const wanted = Object.fromEntries(addresses.map((address) => [id(address), 2]));
      const served = await until(
        () => servedBy(2 * addresses.length),
        (c) => sameCounts(c, wanted),
        15_000,
      );
      expect(served, what).toEqual(wanted);
      took.push(`${what} ${Date.now() - at} ms`);
      expect(Date.now() - at, what).toBeLessThan(12_000);
    }
    console.log(`DNS change → every request following it (TTL 5 s): ${took.join(", ")}`);

    // What left drains: listed as draining with its source, no longer a candidate.
    const snapshot = await state().snapshot();
    expect(snapshot.discovered?.find((d) => d.id === id("127.0.0.2"))).toMatchObject({ state: "draining", source: "dns:web.dns.test" });
    expect(snapshot.discovered?.find((d) => d.id === id("127.0.0.3"))).toMatchObject({
      state: "active",
      url: `http://127.0.0.3:${dns.port}`,
    });
  }, 60_000);

  it("TTLs are respected within bounds: a 1 s TTL is asked again every 4–5 s, not every second", async ({ expect }) => {
    await zone("fast.dns.test", [{ type: "A", address: "127.0.0.1", ttl: 1 }]);
    await useConfig(discoveryConfig([{ dns: { name: "fast.dns.test", port: dns.port, addresses: ["127.0.0.1/32"] } }]));
    await until(
      () => servedBy(2),
      (c) => c[id("127.0.0.1")] === 2,
      15_000,
    );
    const before = await queries("fast.dns.test");
    await new Promise((resolve) => setTimeout(resolve, 10_500));
    const asked = (await queries("fast.dns.test")) - before;
    expect(asked).toBeGreaterThanOrEqual(2);
    expect(asked).toBeLessThanOrEqual(3);
  }, 30_000);

  it("a record pointing at 169.254.169.254 gets no share of traffic, whatever the address patterns", async ({ expect }) => {
    await zone("meta.dns.test", a("127.0.0.3", "169.254.169.254"));
    await useConfig(discoveryConfig([{ dns: { name: "meta.dns.test", port: dns.port, addresses: ["0.0.0.0/0"] } }]));
    const served = await until(
      () => servedBy(6),
      (c) => c[id("127.0.0.3")] === 6,
      15_000,
    );
    expect(served).toEqual({ [id("127.0.0.3")]: 6 });
    const status = (await state().discovery()).find((n) => n.name === "meta.dns.test");
    expect(status?.refused).toEqual([
      expect.objectContaining({ address: "169.254.169.254", reason: "dangerous_address", message: expect.stringContaining("metadata") }),
    ]);
    // The earlier tests' addresses drain; of this name's, only 127.0.0.3 became an origin.
    const discovered = (await state().snapshot()).discovered ?? [];
    expect(discovered.filter((d) => d.source === "dns:meta.dns.test").map((d) => d.address)).toEqual(["127.0.0.3"]);
    expect(discovered.some((d) => d.address === "169.254.169.254")).toBe(false);
  });

  it("the resolver failing or gone keeps the last good answer (fail-static), counted", async ({ expect }) => {
    await zone("static.dns.test", a("127.0.0.2"));
    await useConfig(discoveryConfig([{ dns: { name: "static.dns.test", port: dns.port, addresses: ["127.0.0.0/8"] } }]));
    expect(
      await until(
        () => servedBy(4),
        (c) => c[id("127.0.0.2")] === 4,
        15_000,
      ),
    ).toEqual({ [id("127.0.0.2")]: 4 });
    try {
      await control("/resolver?set=servfail", { method: "POST" });
      const failing = await until(
        async () => (await state().discovery()).find((n) => n.name === "static.dns.test"),
        (s) => (s?.failures ?? 0) >= 1,
        10_000,
      );
      expect(failing).toMatchObject({ addresses: 1, lastError: "the resolver answered SERVFAIL" });
      await control("/resolver?set=down", { method: "POST" });
      const gone = await until(
        async () => (await state().discovery()).find((n) => n.name === "static.dns.test"),
        (s) => /unreachable/.test(s?.lastError ?? ""),
        20_000,
      );
      expect(gone?.failures).toBeGreaterThanOrEqual(2);
      expect(gone?.counts.failures).toBeGreaterThanOrEqual(2);
      expect(await servedBy(4)).toEqual({ [id("127.0.0.2")]: 4 });
    } finally {
      await control("/resolver?set=up", { method: "POST" });
      await control("/resolver?set=ok", { method: "POST" });
    }
  }, 45_000);

  it("NXDOMAIN empties the set only once it repeats for 30 s; until then the last answer serves", async ({ expect }) => {
    await zone("gone.dns.test", a("127.0.0.4"));
    await useConfig(discoveryConfig([{ dns: { name: "gone.dns.test", port: dns.port, addresses: ["127.0.0.0/8"] } }]));
    expect(
      await until(
        () => servedBy(4),
        (c) => c[id("127.0.0.4")] === 4,
        15_000,
      ),
    ).toEqual({ [id("127.0.0.4")]: 4 });
    const deletedAt = Date.now();
    await control("/zone?name=gone.dns.test", { method: "DELETE" });
    const pending = await until(
      async () => (await state().discovery()).find((n) => n.name === "gone.dns.test"),
      (s) => s?.emptySince !== null,
      10_000,
    );
    expect(pending).toMatchObject({ addresses: 1 });
    expect(await servedBy(4)).toEqual({ [id("127.0.0.4")]: 4 });
    const emptied = await until(
      () => servedBy(2),
      (c) => c[id("127.0.0.4")] === undefined,
      60_000,
    );
    const emptiedMs = Date.now() - deletedAt;
    expect(emptied[id("127.0.0.4")]).toBeUndefined();
    expect(emptiedMs).toBeGreaterThanOrEqual(30_000);
    expect(emptiedMs).toBeLessThan(55_000);
  }, 80_000);

  it("SRV: targets at their ports and weights; a higher priority stands by until the lower one fails its checks", async ({ expect }) => {
    const { srv1 = 0, srv2 = 0, srv3 = 0 } = dns.srv;
    for (const t of ["t1", "t2"]) await zone(`${t}.dns.test`, a("127.0.0.1"));
    // t3 is an alias, so its address is not in the additional section: Edgeway looks it up, through the CNAME.
    await zone("t3.dns.test", [{ type: "CNAME", target: "t3-host.dns.test", ttl: 5 }]);
    await zone("t3-host.dns.test", a("127.0.0.1"));
    await zone(
      "_http._tcp.api.dns.test",
      [
        { type: "SRV", priority: 10, weight: 3, port: srv1, target: "t1.dns.test" },
        { type: "SRV", priority: 10, weight: 1, port: srv2, target: "t2.dns.test" },
        { type: "SRV", priority: 20, weight: 1, port: srv3, target: "t3.dns.test" },
      ],
      true,
    );
    const config = discoveryConfig([{ dns: { name: "_http._tcp.api.dns.test", type: "SRV", addresses: ["127.0.0.1/32"] } }], {
      steering: "weighted",
      monitor: "hc",
    }) as { monitors?: unknown[] };
    config.monitors = [{ id: "hc", path: "/healthz", intervalSeconds: 1, timeoutMs: 500, unhealthyThreshold: 1, healthyThreshold: 1 }];
    await useConfig(config);
    const [t1, t2, t3] = [id("127.0.0.1", srv1), id("127.0.0.1", srv2), id("127.0.0.1", srv3)];
    const weighted = await until(
      () => servedBy(8),
      (c) => c[t1] === 6 && c[t2] === 2,
      15_000,
    );
    expect(weighted).toEqual({ [t1]: 6, [t2]: 2 });
    const tiers = (await state().snapshot()).discovered ?? [];
    expect(tiers.find((d) => d.id === t3)).toMatchObject({ state: "standby", tier: 20, weight: 1 });
    try {
      await setOriginMode(`http://127.0.0.1:${srv1}`, "fail");
      await setOriginMode(`http://127.0.0.1:${srv2}`, "fail");
      expect(
        await until(
          () => servedBy(4),
          (c) => c[t3] === 4,
          15_000,
        ),
      ).toEqual({ [t3]: 4 });
    } finally {
      await setOriginMode(`http://127.0.0.1:${srv1}`, "ok");
      await setOriginMode(`http://127.0.0.1:${srv2}`, "ok");
    }
    expect(
      await until(
        () => servedBy(8),
        (c) => c[t1] === 6 && c[t2] === 2,
        15_000,
      ),
    ).toEqual({ [t1]: 6, [t2]: 2 });
  }, 60_000);
});

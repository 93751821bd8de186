/**
 * The Consul-compatible registration surface, end to end on workerd: a service registers
 * with Consul's JSON into the pool that takes its name, takes traffic on a real origin,
 * heartbeats with check/pass, drops out on check/fail or when it stops heartbeating, and
 * leaves on deregister. Unsupported Consul fields, unknown services, bad bodies and full
 * pools get a clear 4xx; with the surface off, /v1/ paths are traffic like any other.
 */
import { describe, inject, it } from "vitest";
import { originRequests, useConfig } from "../worker/helpers.ts";
import { CONSUL_TOKEN, OTHER_TOKEN, consulCall, servedBy, until } from "./consul-helpers.ts";
import { removeAll } from "./registration-helpers.ts";

function portOf(url: string | undefined): number {
  return Number(new URL(url ?? "http://127.0.0.1:1").port);
}

async function useSvcConfig(maxOrigins = 3): Promise<void> {
  const all = inject("origins");
  await useConfig({
    origins: [{ id: "o45", url: all.o45 }],
    pools: [
      {
        id: "svc",
        origins: ["o45"],
        steering: "round_robin",
        registration: { addresses: ["127.0.0.1/32"], schemes: ["http"], serviceNames: ["billing"], maxOrigins },
      },
    ],
    routes: [{ id: "r", pools: ["svc"] }],
  });
}

function billing(id: string, ttl = "30s"): Record<string, unknown> {
  return {
    Name: "billing",
    ID: id,
    Address: "127.0.0.1",
    Port: portOf(inject("origins").o46),
    Tags: ["region=aws:us-east-1"],
    Check: { TTL: ttl, DeregisterCriticalServiceAfter: "1m" },
  };
}

type HealthEntry = { Service: { ID: string; Port: number; Tags: string[] }; Checks: { CheckID: string; Status: string }[] };

describe("Consul-compatible registration", () => {
  it("registers, serves a real origin, heartbeats, fails, lapses and deregisters", async ({ expect }) => {
    await useSvcConfig();
    await removeAll();
    const before = await originRequests(inject("origins").o46 ?? "");
    expect((await consulCall("PUT", "/v1/agent/service/register", { token: CONSUL_TOKEN, body: billing("billing-1") })).status).toBe(200);
    expect(await servedBy(10)).toEqual({ o45: 5, "billing-1": 5 });
    expect((await originRequests(inject("origins").o46 ?? "")) - before).toBe(5);

    const services = (await consulCall("GET", "/v1/agent/services", { token: CONSUL_TOKEN })).json() as Record<
      string,
      Record<string, unknown>
    >;
    expect(services).toEqual({
      "billing-1": expect.objectContaining({
        ID: "billing-1",
        Service: "billing",
        Address: "127.0.0.1",
        Port: portOf(inject("origins").o46),
      }),
    });
    expect(services["billing-1"]?.Tags).toEqual(["region=aws:us-east-1"]);
    const catalog = (await consulCall("GET", "/v1/catalog/service/billing", { token: CONSUL_TOKEN })).json() as Record<string, unknown>[];
    expect(catalog).toEqual([expect.objectContaining({ ServiceID: "billing-1", ServiceName: "billing", ServiceAddress: "127.0.0.1" })]);

    // Another token may not drive this id.
    const stolen = await consulCall("PUT", "/v1/agent/check/pass/service:billing-1", { token: OTHER_TOKEN });
    expect(stolen.status, stolen.text).toBe(409);
    expect(stolen.text).toContain("billing-svc");

    expect((await consulCall("PUT", "/v1/agent/check/pass/service:billing-1", { token: CONSUL_TOKEN })).status).toBe(200);
    expect((await consulCall("PUT", "/v1/agent/check/fail/service:billing-1", { token: CONSUL_TOKEN })).status).toBe(200);
    const failed = (await consulCall("GET", "/v1/health/service/billing", { token: CONSUL_TOKEN })).json() as HealthEntry[];
    expect(failed[0]?.Checks[0]).toMatchObject({ CheckID: "service:billing-1", Status: "critical" });
    expect((await consulCall("GET", "/v1/health/service/billing?passing", { token: CONSUL_TOKEN })).json()).toEqual([]);
    expect(await servedBy(6)).toEqual({ o45: 6 });

    // warn is a heartbeat: the origin serves again.
    const warned = await consulCall("PUT", "/v1/agent/check/update/service:billing-1", {
      token: CONSUL_TOKEN,
      body: { Status: "warning", Output: "slow disk" },
    });
    expect(warned.status).toBe(200);
    const back = await until(
      4_000,
      () => servedBy(4),
      (c) => c["billing-1"] === 2,
    );
    expect(back).toEqual({ o45: 2, "billing-1": 2 });

    expect((await consulCall("PUT", "/v1/agent/service/deregister/billing-1", { token: CONSUL_TOKEN })).status).toBe(200);
    expect(await servedBy(4)).toEqual({ o45: 4 });
    expect((await consulCall("GET", "/v1/agent/services", { token: CONSUL_TOKEN })).json()).toEqual({});
    expect((await consulCall("PUT", "/v1/agent/service/deregister/billing-1", { token: CONSUL_TOKEN })).status).toBe(404);
  });

  it("turns critical and stops taking traffic when the TTL check is not passed", async ({ expect }) => {
    await useSvcConfig();
    await removeAll();
    expect((await consulCall("PUT", "/v1/agent/service/register", { token: CONSUL_TOKEN, body: billing("billing-2", "1s") })).status).toBe(
      200,
    );
    expect((await servedBy(2))["billing-2"]).toBe(1);
    const health = await until(
      6_000,
      async () => (await consulCall("GET", "/v1/health/service/billing", { token: CONSUL_TOKEN })).json() as HealthEntry[],
      (h) => h[0]?.Checks[0]?.Status === "critical",
    );
    expect(health[0]?.Checks[0]?.Status).toBe("critical");
    const served = await until(
      6_000,
      () => servedBy(4),
      (c) => c["billing-2"] === undefined,
    );
    expect(served).toEqual({ o45: 4 });
    await removeAll();
  });

  it("refuses what Edgeway cannot honour, naming the field, and stores nothing", async ({ expect }) => {
    await useSvcConfig(2);
    await removeAll();
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...billing("x1"), Connect: { Native: true } }, 400, "Connect"],
      [{ ...billing("x1"), Kind: "connect-proxy" }, 400, "Kind"],
      [{ ...billing("x1"), Check: { HTTP: "http://127.0.0.1/health", Interval: "10s" } }, 400, "Check.HTTP"],
      [{ ...billing("x1"), Check: { Args: ["/bin/check"], Interval: "10s" } }, 400, "Check.Args"],
      [{ ...billing("x1"), Check: undefined }, 400, "Check"],
      [{ ...billing("x1"), Name: "payments" }, 404, "payments"],
      [{ ...billing("x1"), Address: "169.254.169.254" }, 403, "169.254.169.254"],
      [{ ...billing("x1"), ID: "bad id!" }, 400, "ID"],
    ];
    for (const [body, status, named] of cases) {
      const res = await consulCall("PUT", "/v1/agent/service/register", { token: CONSUL_TOKEN, body });
      expect({ status: res.status, named: res.text.includes(named) }, res.text).toEqual({ status, named: true });
    }
    const bare = await consulCall("PUT", "/v1/agent/service/register", { token: CONSUL_TOKEN, body: { Name: "billing" } });
    expect(bare.status).toBe(400);
    expect((bare.json() as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(["Check", "Address", "Port"]);
    const malformed = await consulCall("PUT", "/v1/agent/service/register", { token: CONSUL_TOKEN, body: "{not json" });
    expect(malformed.status).toBe(400);
    const huge = await consulCall("PUT", "/v1/agent/service/register", { token: CONSUL_TOKEN, body: "x".repeat(1_048_576) });
    expect(huge.status).toBe(413);
    expect((await consulCall("GET", "/v1/agent/services", { token: CONSUL_TOKEN })).json()).toEqual({});
    // The pool's registration.maxOrigins bounds a flood: the third of a bounded run is refused.
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await consulCall("PUT", "/v1/agent/service/register", { token: CONSUL_TOKEN, body: billing(`flood-${i}`) })).status);
    expect(statuses).toEqual([200, 200, 409]);
    // So does the global bound (EDGEWAY_MAX_REGISTRATIONS lowers MAX_REGISTRATIONS, 1,000), with room in the pool.
    expect((await consulCall("PUT", "/v1/agent/service/deregister/flood-1", { token: CONSUL_TOKEN })).status).toBe(200);
    const global = await consulCall("PUT", "/v1/agent/service/register", {
      token: CONSUL_TOKEN,
      body: billing("flood-9"),
      bindings: { EDGEWAY_MAX_REGISTRATIONS: "1" },
    });
    expect(global.status).toBe(409);
    expect(global.text).toContain("EDGEWAY_MAX_REGISTRATIONS");
    expect((await consulCall("GET", "/v1/agent/services")).status).toBe(401);
    await removeAll();
  });

  it("leaves /v1/ paths to the routes unless switched on, and only its own paths when on", async ({ expect }) => {
    await useSvcConfig();
    const off = await consulCall("GET", "/v1/agent/services", { bindings: { EDGEWAY_CONSUL_API: "false" } });
    expect(off.status).toBe(200);
    expect(off.text).not.toContain("unauthorized");
    const other = await consulCall("GET", "/v1/users/42");
    expect(other.status).toBe(200);
    expect((await consulCall("GET", "/v1/agent/services")).status).toBe(401);
  });
});

/**
 * A pool's registration policy, end to end on workerd: a pool without one refuses every
 * registration; an address outside the allowlist, the cloud metadata address and the
 * other dangerous addresses are refused with the rule named, and nothing is stored;
 * loopback needs the local-development switch; a policy that names a dangerous address
 * explicitly admits it.
 */
import { describe, inject, it } from "vitest";
import { proxied, useConfig } from "../worker/helpers.ts";
import { LOCAL_POLICY, register, registerAs, registeredIds, removeAll } from "./registration-helpers.ts";
import { ADMIN_TOKEN } from "../worker/helpers.ts";

/** The origin that served one proxied request. */
async function servedBy(): Promise<string> {
  const res = await proxied("/x");
  await res.arrayBuffer();
  return res.headers.get("x-edgeway-origin") ?? `status ${res.status}`;
}

async function twoPools(): Promise<void> {
  const all = inject("origins");
  await useConfig({
    origins: [{ id: "o23", url: all.o23 }],
    pools: [
      {
        id: "web",
        origins: ["o23"],
        registration: { ...LOCAL_POLICY, addresses: ["127.0.0.1/32", "*.svc.example.internal", "10.0.0.0/8"], ports: ["1024-65535"] },
      },
      { id: "closed", origins: ["o23"] },
    ],
    routes: [{ id: "r", pools: ["web", "closed"] }],
  });
}

describe("registration policy", () => {
  it("a pool without a registration policy refuses registrations, naming the rule", async ({ expect }) => {
    await twoPools();
    const res = await register({ id: "svc-c", url: inject("origins").o24, pool: "closed" });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: "registration_not_allowed", rule: "registration" });
    expect(res.body.error).toMatch(/pool: "closed" accepts no registrations/);
    expect(await registeredIds()).toEqual([]);
  });

  it("refuses addresses outside the allowlist and dangerous ones, each with its rule, and stores nothing", async ({ expect }) => {
    await twoPools();
    const cases: [string, string, string, RegExp][] = [
      [
        "http://169.254.169.254/latest/meta-data",
        "dangerous_address",
        "registration.addresses",
        /169\.254\.169\.254 is a cloud metadata endpoint/,
      ],
      ["http://[::ffff:169.254.169.254]:8080", "dangerous_address", "registration.addresses", /cloud metadata endpoint/],
      ["http://169.254.10.1:8080", "dangerous_address", "registration.addresses", /link-local/],
      ["http://[fe80::1]:8080", "dangerous_address", "registration.addresses", /link-local/],
      ["http://metadata.google.internal/computeMetadata/v1", "dangerous_address", "registration.addresses", /cloud metadata/],
      ["http://0.0.0.0:8080", "dangerous_address", "registration.addresses", /unspecified/],
      ["http://[::]:8080", "dangerous_address", "registration.addresses", /unspecified/],
      [
        "http://192.0.2.7:8080",
        "address_not_allowed",
        "registration.addresses",
        /192\.0\.2\.7 is not among the addresses pool "web" accepts/,
      ],
      ["http://api.svc.example.com:8080", "address_not_allowed", "registration.addresses", /not among the addresses/],
      ["http://localhost:8080", "address_not_allowed", "registration.addresses", /not among the addresses/],
      ["https://10.1.2.3:8443", "scheme_not_allowed", "registration.schemes", /scheme https/],
      ["http://10.1.2.3:80", "port_not_allowed", "registration.ports", /port 80 is not accepted/],
    ];
    for (const [url, code, rule, message] of cases) {
      const res = await register({ id: "svc-p", url, pool: "web" });
      expect(res.status, url).toBe(403);
      expect(res.body, url).toMatchObject({ code, rule });
      expect(res.body.error, url).toMatch(message);
    }
    expect(await registeredIds()).toEqual([]);
  });

  it("accepts an address the allowlist names: a CIDR range and a host-name glob", async ({ expect }) => {
    await twoPools();
    expect((await register({ id: "svc-n", url: "http://10.1.2.3:8080", pool: "web" })).body.policy).toMatchObject({
      matched: "10.0.0.0/8",
    });
    expect((await register({ id: "svc-h", url: "http://a.b.svc.example.internal:8080", pool: "web" })).body.policy).toMatchObject({
      matched: "*.svc.example.internal",
    });
    expect(await registeredIds()).toEqual(["svc-h", "svc-n"]);
    await removeAll();
  });

  it("loopback needs the local-development switch, whatever the policy says", async ({ expect }) => {
    await twoPools();
    const url = inject("origins").o24;
    const off = await registerAs(ADMIN_TOKEN, { EDGEWAY_ALLOW_LOOPBACK_REGISTRATION: "false" }, { id: "svc-l", url, pool: "web" });
    expect(off.status).toBe(403);
    expect(off.body).toMatchObject({ code: "loopback_not_allowed", rule: "EDGEWAY_ALLOW_LOOPBACK_REGISTRATION" });
    expect(await registeredIds()).toEqual([]);
    const on = await register({ id: "svc-l", url, pool: "web" });
    expect(on.status).toBe(201);
    await removeAll();
  });

  it("a policy that names the metadata address explicitly admits it; a broad range does not", async ({ expect }) => {
    const all = inject("origins");
    await useConfig({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [
        { id: "broad", origins: ["o23"], registration: { addresses: ["0.0.0.0/0", "169.254.0.0/16"] } },
        { id: "named", origins: ["o23"], registration: { addresses: ["169.254.169.254/32"] } },
      ],
      routes: [{ id: "r", pools: ["broad"] }],
    });
    const broad = await register({ id: "svc-m", url: "http://169.254.169.254", pool: "broad" });
    expect(broad.body).toMatchObject({ code: "dangerous_address" });
    // 169.254.0.0/16 names link-local addresses explicitly, so this one is admitted.
    expect((await register({ id: "svc-ll", url: "http://169.254.10.1", pool: "broad" })).status).toBe(201);
    expect((await register({ id: "svc-m", url: "http://169.254.169.254", pool: "named" })).status).toBe(201);
    expect(await registeredIds()).toEqual(["svc-ll", "svc-m"]);
    await removeAll();
  });

  it("registrations in a pool whose policy is removed leave the request path", async ({ expect }) => {
    const all = inject("origins");
    const config = (registration?: unknown) => ({
      origins: [{ id: "o23", url: all.o23 }],
      pools: [{ id: "web", origins: ["o23"], steering: "round_robin", ...(registration === undefined ? {} : { registration }) }],
      routes: [{ id: "r", pools: ["web"] }],
    });
    await useConfig(config(LOCAL_POLICY));
    expect((await register({ id: "svc-r", url: all.o24, pool: "web" })).status).toBe(201);
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) served.add(await servedBy());
    expect(served).toEqual(new Set(["o23", "svc-r"]));
    await useConfig(config());
    served.clear();
    for (let i = 0; i < 4; i++) served.add(await servedBy());
    expect(served).toEqual(new Set(["o23"]));
    await removeAll();
  });
});

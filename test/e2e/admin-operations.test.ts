/**
 * End to end: origin operations through the admin API change real traffic, each is
 * recorded with who and why, and one call undoes it. Origins o31–o34 on 127.0.0.1.
 */
import { describe, inject, it } from "vitest";
import { admin, poolConfig, probeRound, proxied, useConfig } from "../worker/helpers.ts";

const COOKIE = "__edgeway_affinity";

interface OverrideResult {
  origin: string;
  overrides: Record<string, { value: unknown; reason: string; actor: string; at: number } | undefined>;
}

interface OriginsView {
  version: number;
  origins: Record<
    string,
    {
      pools: string[];
      configured: { weight: number; enabled: boolean };
      effective: { weight: number; enabled: boolean };
      healthy: boolean;
      reason: string;
      overrides: OverrideResult["overrides"];
    }
  >;
}

function post(path: string, body: unknown, actor = "alice@laptop"): Promise<Response> {
  return admin(path, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json", "x-edgeway-actor": actor },
  });
}

async function ok<T>(res: Promise<Response>): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** Which origin served each of n requests. */
async function served(n: number, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await proxied("/ops", { headers });
    await res.text();
    const origin = res.headers.get("x-edgeway-origin") ?? `status ${res.status}`;
    counts[origin] = (counts[origin] ?? 0) + 1;
  }
  return counts;
}

function origins(ids: readonly string[]): Record<string, string> {
  const all = inject("origins");
  return Object.fromEntries(ids.map((id) => [id, all[id] ?? ""]));
}

describe("origin operations", () => {
  it("drain stops new traffic, keeps affinity-pinned sessions, and enable undoes it", async ({ expect }) => {
    const base = poolConfig(origins(["o31", "o32"])) as { routes: Record<string, unknown>[] };
    await useConfig({ ...base, routes: [{ ...base.routes[0], affinity: { type: "cookie", ttlSeconds: 600 } }] });
    // A session pinned to o31 before the drain.
    let pin: string | undefined;
    for (let i = 0; i < 20 && pin === undefined; i++) {
      const res = await proxied("/ops");
      await res.text();
      if (res.headers.get("x-edgeway-origin") === "o31") pin = /__edgeway_affinity=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
    }
    expect(pin).toBeDefined();

    const drained = await ok<OverrideResult>(post("/origins/o31/drain", { reason: "kernel upgrade" }));
    expect(drained.overrides.state).toMatchObject({ value: "drained", reason: "kernel upgrade", actor: "alice@laptop" });
    expect(await served(20)).toEqual({ o32: 20 });
    // The pinned session stays on the drained origin (Cloudflare's drain behaviour).
    expect(await served(5, { cookie: `${COOKIE}=${pin}` })).toEqual({ o31: 5 });

    const view = await ok<OriginsView>(admin("/origins"));
    expect(view.origins.o31).toMatchObject({
      configured: { weight: 1, enabled: true },
      effective: { weight: 0, enabled: true },
      pools: ["main"],
    });
    expect(view.origins.o31?.overrides.state?.reason).toBe("kernel upgrade");

    const enabled = await ok<OverrideResult>(post("/origins/o31/enable", {}));
    expect(enabled.overrides).toEqual({});
    const after = await served(40);
    expect(after.o31).toBeGreaterThan(0);
    expect(after.o32).toBeGreaterThan(0);
  });

  it("disable takes an origin out; a weight override shifts the split; both undo in one call", async ({ expect }) => {
    await useConfig(poolConfig(origins(["o31", "o32"])));
    await ok(post("/origins/o32/disable", { reason: "decommission test" }));
    expect(await served(10)).toEqual({ o31: 10 });
    await ok(post("/origins/o32/enable", { reason: "back" }));

    const weighted = await ok<OverrideResult>(post("/origins/o31/weight", { weight: 3, reason: "more capacity" }));
    expect(weighted.overrides.weight).toMatchObject({ value: 3, reason: "more capacity" });
    const split = await served(40);
    // Smooth weighted round robin: exactly 3:1.
    expect(split).toEqual({ o31: 30, o32: 10 });
    const cleared = await ok<OverrideResult>(admin("/origins/o31/weight", { method: "DELETE" }));
    expect(cleared.overrides.weight).toBeUndefined();
    expect(await served(40)).toEqual({ o31: 20, o32: 20 });
  });

  it("forced health beats probes until cleared; overrides survive a config push", async ({ expect }) => {
    await useConfig(poolConfig(origins(["o33", "o34"])));
    await probeRound();
    await ok(post("/origins/o33/health", { state: "unhealthy", reason: "maintenance window" }));
    await probeRound(); // o33 passes its probe, but the forced state stands
    const health = await ok<{ origins: Record<string, { healthy: boolean; reason: string }> }>(admin("/health"));
    expect(health.origins.o33?.healthy).toBe(false);
    expect(health.origins.o33?.reason).toMatch(/forced unhealthy by alice@laptop: maintenance window/);
    expect(await served(10)).toEqual({ o34: 10 });

    // A new config version does not drop the override: it describes the running system.
    await useConfig(poolConfig(origins(["o33", "o34"]), { weights: { o33: 2, o34: 1 } }));
    expect(await served(6)).toEqual({ o34: 6 });

    await ok(admin("/origins/o33/health", { method: "DELETE" }));
    const back = await ok<{ origins: Record<string, { healthy: boolean }> }>(admin("/health"));
    expect(back.origins.o33?.healthy).toBe(true);
    expect(await served(30)).toEqual({ o33: 20, o34: 10 });
  });

  it("refuses unknown origins and empty or overlong reasons, and changes nothing", async ({ expect }) => {
    await useConfig(poolConfig(origins(["o31", "o32"])));
    const before = await ok<OriginsView>(admin("/origins"));
    const unknown = await post("/origins/nope/drain", { reason: "x" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe("unknown_origin");
    for (const reason of ["   ", "x".repeat(501)]) {
      const badReason = await post("/origins/o31/drain", { reason });
      expect(badReason.status).toBe(400);
      expect(((await badReason.json()) as { error: string }).error).toMatch(/reason/);
    }
    const badWeight = await post("/origins/o31/weight", { weight: -1, reason: "x" });
    expect(badWeight.status).toBe(400);
    expect(((await badWeight.json()) as { error: string }).error).toMatch(/weight/);
    const badState = await post("/origins/o31/health", { state: "sleepy", reason: "x" });
    expect(badState.status).toBe(400);
    expect(await ok<OriginsView>(admin("/origins"))).toEqual(before);
  });

  it("drain, disable and weight take an optional reason: none given is recorded as such", async ({ expect }) => {
    await useConfig(poolConfig(origins(["o31", "o32"])));
    try {
      const drained = await ok<OverrideResult>(admin("/origins/o31/drain", { method: "POST" }));
      expect(drained.overrides.state).toMatchObject({ value: "drained", reason: "no reason given" });
      const disabled = await ok<OverrideResult>(post("/origins/o32/disable", {}));
      expect(disabled.overrides.state).toMatchObject({ value: "disabled", reason: "no reason given" });
      const weighted = await ok<OverrideResult>(post("/origins/o31/weight", { weight: 2 }));
      expect(weighted.overrides.weight).toMatchObject({ value: 2, reason: "no reason given" });
    } finally {
      await ok(admin("/origins/o31/overrides", { method: "DELETE" }));
      await ok(admin("/origins/o32/overrides", { method: "DELETE" }));
    }
  });

  it("every accepted change is in the audit trail with who and what", async ({ expect }) => {
    await useConfig(poolConfig(origins(["o31", "o32"])));
    await ok(post("/origins/o32/drain", { reason: "audit me" }, "bob@ops"));
    await ok(admin("/origins/o32/overrides", { method: "DELETE", headers: { "x-edgeway-actor": "bob@ops" } }));
    const { entries } = await ok<{ entries: { actor: string; method: string; path: string; status: number; summary: string }[] }>(
      admin("/audit?limit=5"),
    );
    expect(entries[0]).toMatchObject({ actor: "bob@ops", method: "DELETE", path: "/_edgeway/origins/o32/overrides", status: 200 });
    expect(entries[1]).toMatchObject({ actor: "bob@ops", method: "POST", path: "/_edgeway/origins/o32/drain", status: 200 });
    expect(entries[1]?.summary).toMatch(/o32: drained \(audit me\)/);
    expect(entries.some((e) => /config version \d+ stored/.test(e.summary))).toBe(true);
  });
});

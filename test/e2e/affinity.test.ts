/** End to end: session affinity by signed cookie and by header, draining, and the three onFailure modes. */
import { describe, inject, it } from "vitest";
import { poolConfig, probeRound, proxied, setOriginMode, useConfig } from "../worker/helpers.ts";

const COOKIE = "__edgeway_affinity";

interface Served {
  status: number;
  origin: string | null;
  setCookie: string | null;
}

async function get(headers: Record<string, string> = {}): Promise<Served> {
  const res = await proxied("/session", { headers });
  await res.text();
  return { status: res.status, origin: res.headers.get("x-edgeway-origin"), setCookie: res.headers.get("set-cookie") };
}

function cookieValue(setCookie: string | null): string {
  const match = setCookie === null ? null : new RegExp(`${COOKIE}=([^;]+)`).exec(setCookie);
  if (match?.[1] === undefined) throw new Error(`no affinity cookie in ${String(setCookie)}`);
  return match[1];
}

function affinityConfig(origins: Record<string, string>, affinity: Record<string, unknown>, weights: Record<string, number> = {}): unknown {
  const base = poolConfig({ o14: origins.o14 ?? "", o15: origins.o15 ?? "" }, { weights }) as { routes: Record<string, unknown>[] };
  return { ...base, routes: [{ ...base.routes[0], affinity }] };
}

describe("session affinity", () => {
  it("pins a client to its origin with a signed cookie, and ignores a forged one", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(affinityConfig(all, { type: "cookie", ttlSeconds: 600 }));
    const first = await get();
    expect(first.setCookie).toMatch(new RegExp(`^${COOKIE}=[^;]+; Path=/; Max-Age=600; HttpOnly; SameSite=Lax$`));
    const pin = cookieValue(first.setCookie);
    for (let i = 0; i < 10; i++) {
      const again = await get({ cookie: `other=1; ${COOKIE}=${pin}` });
      expect(again.origin).toBe(first.origin);
      expect(again.setCookie).toBeNull();
    }
    // Name the other origin with the old signature: not honoured, a fresh pin is written.
    const other = first.origin === "o14" ? "o15" : "o14";
    const forged = `${other}${pin.slice(pin.indexOf("."))}`;
    const res = await get({ cookie: `${COOKIE}=${forged}` });
    expect(res.setCookie).not.toBeNull();
    expect(cookieValue(res.setCookie)).not.toBe(forged);
  });

  it("honours the pin while its origin is drained (weight 0); new clients avoid it", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(affinityConfig(all, { type: "cookie" }));
    let pinned: Served = await get();
    while (pinned.origin !== "o14") pinned = await get();
    const pin = cookieValue(pinned.setCookie);
    await useConfig(affinityConfig(all, { type: "cookie" }, { o14: 0 }));
    for (let i = 0; i < 5; i++) expect((await get({ cookie: `${COOKIE}=${pin}` })).origin).toBe("o14");
    for (let i = 0; i < 5; i++) expect((await get()).origin).toBe("o15");
  });

  for (const mode of ["sticky", "temporary", "none"] as const) {
    it(`onFailure "${mode}" when the pinned origin turns unhealthy`, async ({ expect }) => {
      const all = inject("origins");
      await useConfig(affinityConfig(all, { type: "cookie", onFailure: mode }));
      await probeRound();
      await probeRound();
      let pinned: Served = await get();
      while (pinned.origin !== "o14") pinned = await get();
      const pin = cookieValue(pinned.setCookie);
      await setOriginMode(all.o14 ?? "", "fail");
      try {
        await probeRound();
        await probeRound();
        const res = await get({ cookie: `${COOKIE}=${pin}` });
        if (mode === "none") {
          expect(res.status).toBe(503);
          expect(res.origin).toBeNull();
        } else {
          expect(res.status).toBe(200);
          expect(res.origin).toBe("o15");
          if (mode === "sticky") expect(cookieValue(res.setCookie)).toMatch(/^o15\./);
          else expect(res.setCookie).toBeNull();
        }
      } finally {
        await setOriginMode(all.o14 ?? "", "ok");
        await probeRound();
        await probeRound();
      }
    });
  }

  it("header affinity keeps each user on one origin and spreads users", async ({ expect }) => {
    const all = inject("origins");
    await useConfig(affinityConfig(all, { type: "header", name: "x-user" }));
    const homes = new Map<string, Set<string | null>>();
    for (let u = 0; u < 20; u++) {
      const user = `user-${u}`;
      const seen = new Set<string | null>();
      for (let i = 0; i < 4; i++) seen.add((await get({ "x-user": user })).origin);
      homes.set(user, seen);
    }
    for (const seen of homes.values()) expect(seen.size).toBe(1);
    const used = new Set([...homes.values()].flatMap((s) => [...s]));
    expect([...used].sort()).toEqual(["o14", "o15"]);
  });
});

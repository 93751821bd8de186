/**
 * GET /_edgeway/explain end to end, in workerd against real origins o29 and o30: for the
 * deterministic policies (failover, geo, proximity, hash on a header or the client IP,
 * cookie and header affinity) the explained origin is the one the data plane then serves
 * the same request from (x-edgeway-origin); probe failures, passive ejection, the
 * ejection override and a drain show up as they act; explaining does not move the live
 * rotation; bad input answers 400 naming the parameter, and no token 401.
 */
import { describe, inject, it } from "vitest";
import { exports } from "cloudflare:workers";
import type { Explanation } from "../../src/steering/explain/index.ts";
import { admin, probeRound, proxied, setOriginMode, useConfig } from "../worker/helpers.ts";

type Params = Record<string, string | readonly string[]>;

function query(params: Params): string {
  const qs = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of typeof value === "string" ? [value] : value) qs.append(name, v);
  return qs.toString();
}

async function explainOf(params: Params): Promise<Explanation> {
  const res = await admin(`/explain?${query(params)}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`explain answered ${res.status}: ${text}`);
  return JSON.parse(text) as Explanation;
}

/** The origin the explanation names for the first try ("error:<code>" when none). */
function explained(e: Explanation): string {
  return e.outcome.kind === "origin" ? e.outcome.origin : `error:${e.outcome.code}`;
}

/** The origin the data plane served this request from (x-edgeway-origin). */
async function servedBy(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ origin: string | null; status: number; setCookie: string | null }> {
  const res = await proxied(path, { headers });
  await res.arrayBuffer();
  return { origin: res.headers.get("x-edgeway-origin"), status: res.status, setCookie: res.headers.get("set-cookie") };
}

function urls(): { o29: string; o30: string } {
  const all = inject("origins");
  return { o29: all.o29 ?? "", o30: all.o30 ?? "" };
}

/** The config's origins list: o29 and o30 at weight 1. */
function bothOrigins(): { id: string; url: string }[] {
  const { o29, o30 } = urls();
  return [
    { id: "o29", url: o29 },
    { id: "o30", url: o30 },
  ];
}

describe("explain agrees with the data plane", () => {
  it("geo: colo, then country, then continent, else the route's order", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [
        { id: "eu", origins: ["o29"] },
        { id: "us", origins: ["o30"] },
      ],
      routes: [{ id: "geo", pools: ["eu", "us"], steering: "geo", geo: { EU: ["eu"], US: ["us"], SIN: ["us"] } }],
    });
    const cases = [
      ["continent=EU; country=DE", "o29", { kind: "continent", code: "EU" }],
      ["country=US; continent=NA", "o30", { kind: "country", code: "US" }],
      ["colo=SIN; country=DE; continent=EU", "o30", { kind: "colo", code: "SIN" }],
      ["country=BR; continent=SA", "o29", null],
    ] as const;
    for (const [geo, expected, match] of cases) {
      const e = await explainOf({ url: "http://app.test/page", geo });
      expect(e.routeSteering?.geoMatch).toEqual(match);
      expect(e.client.country?.source).toBe("geo parameter");
      expect(explained(e)).toBe(expected);
      expect((await servedBy("/page", { "x-edgeway-debug-geo": geo })).origin).toBe(expected);
    }
  });

  it("proximity: the nearest pool, with the distances that decided", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [
        { id: "fra", origins: ["o29"], lat: 50.11, lon: 8.68 },
        { id: "iad", origins: ["o30"], lat: 39.04, lon: -77.49 },
      ],
      routes: [{ id: "near", pools: ["fra", "iad"], steering: "proximity" }],
    });
    for (const [geo, expected] of [
      ["lat=48.86; lon=2.35", "o29"],
      ["lat=40.71; lon=-74.01", "o30"],
      ["country=JP", "o29"],
      ["colo=ORD", "o30"],
    ] as const) {
      const e = await explainOf({ url: "http://app.test/", geo });
      const distance = new Map((e.routeSteering?.pools ?? []).map((p) => [p.id, p.distanceKm ?? Number.NaN]));
      const [nearest, farther] = e.routeSteering?.order ?? [];
      expect(distance.get(nearest ?? "")).toBeLessThan(distance.get(farther ?? "") ?? 0);
      expect(explained(e)).toBe(expected);
      expect((await servedBy("/", { "x-edgeway-debug-geo": geo })).origin).toBe(expected);
    }
  });

  it("hash on a header: each key's origin, as the data plane maps it", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [{ id: "p", origins: ["o29", "o30"], steering: "hash", hash: { header: "x-user" } }],
      routes: [{ id: "r", pools: ["p"] }],
    });
    const seen = new Set<string>();
    for (let u = 0; u < 12; u++) {
      const user = `user-${u}`;
      const e = await explainOf({ url: "http://app.test/cart", header: `x-user: ${user}` });
      expect(e.poolSteering).toMatchObject({ policy: "hash", basis: "deterministic", hashKey: { from: "header x-user", value: user } });
      expect((await servedBy("/cart", { "x-user": user })).origin).toBe(explained(e));
      seen.add(explained(e));
    }
    expect([...seen].sort()).toEqual(["o29", "o30"]);
  });

  it("hash on the client IP: the ip parameter stands for cf-connecting-ip", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [{ id: "p", origins: ["o29", "o30"], steering: "hash" }],
      routes: [{ id: "r", pools: ["p"] }],
    });
    const seen = new Set<string>();
    for (let i = 1; i <= 12; i++) {
      const ip = `198.51.100.${i * 7}`;
      const e = await explainOf({ url: "http://app.test/", ip });
      expect(e.client.ip).toEqual({ value: ip, source: "ip parameter" });
      expect(e.poolSteering?.hashKey).toEqual({ from: "client IP", value: ip });
      expect((await servedBy("/", { "cf-connecting-ip": ip })).origin).toBe(explained(e));
      seen.add(explained(e));
    }
    expect(seen.size).toBe(2);
  });

  it("cookie affinity: a pin the data plane wrote is verified and decides; a forged one is named", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [{ id: "p", origins: ["o29", "o30"] }],
      routes: [{ id: "sticky", pools: ["p"], affinity: { type: "cookie", ttlSeconds: 600 } }],
    });
    const first = await servedBy("/session");
    const pin = /__edgeway_affinity=([^;]+)/.exec(first.setCookie ?? "")?.[1] ?? "";
    expect(pin).not.toBe("");
    for (let i = 0; i < 4; i++) {
      const e = await explainOf({ url: "http://app.test/session", cookie: `__edgeway_affinity=${pin}` });
      expect(e.affinity?.cookie).toEqual({ present: true, verdict: "verified", pinned: first.origin, state: "usable" });
      expect(e.outcome).toMatchObject({ kind: "origin", origin: first.origin, pinned: true, basis: "deterministic" });
      expect((await servedBy("/session", { cookie: `__edgeway_affinity=${pin}` })).origin).toBe(explained(e));
    }
    // Cookies given as a header and as cookie parameters are read together.
    const both = await explainOf({
      url: "http://app.test/session",
      header: "cookie: theme=dark",
      cookie: [`__edgeway_affinity=${pin}`, "lang=en"],
    });
    expect(both.affinity?.cookie?.verdict).toBe("verified");
    const other = first.origin === "o29" ? "o30" : "o29";
    const forged = await explainOf({ url: "http://app.test/session", cookie: `__edgeway_affinity=${other}${pin.slice(pin.indexOf("."))}` });
    expect(forged.affinity?.cookie).toMatchObject({ present: true, verdict: "invalid", pinned: null });
  });

  it("header affinity: every pool hashes on the session header", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [{ id: "p", origins: ["o29", "o30"], steering: "round_robin" }],
      routes: [{ id: "r", pools: ["p"], affinity: { type: "header", name: "x-session" } }],
    });
    for (let s = 0; s < 8; s++) {
      const e = await explainOf({ url: "http://app.test/", header: `x-session: s-${s}` });
      expect(e.poolSteering?.steeredBy).toBe("affinity-key");
      expect((await servedBy("/", { "x-session": `s-${s}` })).origin).toBe(explained(e));
    }
  });

  it("failover: a pool whose origin fails its probes is down, with the probe's reason", async ({ expect }) => {
    const { o30 } = urls();
    await useConfig({
      origins: bothOrigins(),
      monitors: [{ id: "http", path: "/healthz", timeoutMs: 1000, unhealthyThreshold: 2, healthyThreshold: 2 }],
      pools: [
        { id: "primary", origins: ["o30"], monitor: "http" },
        { id: "secondary", origins: ["o29"], monitor: "http" },
      ],
      routes: [{ id: "r", pools: ["primary", "secondary"] }],
    });
    await probeRound();
    await probeRound();
    try {
      const healthy = await explainOf({ url: "http://app.test/" });
      expect(explained(healthy)).toBe("o30");
      expect((await servedBy("/")).origin).toBe("o30");

      await setOriginMode(o30, "fail");
      await probeRound();
      await probeRound();
      const e = await explainOf({ url: "http://app.test/" });
      const primary = e.pools.find((p) => p.id === "primary");
      expect(primary).toMatchObject({ verdict: "down", up: false, healthy: 0, enabled: 1 });
      expect(primary?.origins[0]).toMatchObject({ id: "o30", healthy: false, excluded: "unhealthy" });
      expect(primary?.origins[0]?.status?.reason).toMatch(/503/);
      expect(e.outcome).toMatchObject({ kind: "origin", pool: "secondary", origin: "o29" });
      expect((await servedBy("/")).origin).toBe("o29");
    } finally {
      await setOriginMode(o30, "ok");
      await probeRound();
      await probeRound();
    }
  });
});

describe("valves and overrides", () => {
  it("a passively ejected origin is shown with its ejection; when it is all that is left, the ejection override serves it", async ({
    expect,
  }) => {
    const { o29, o30 } = urls();
    // Ids of their own, so this ejection (kept by the isolate) touches no other test.
    const flaky = { id: "flaky-o30", url: o30 };
    const steady = { id: "steady-o29", url: o29 };
    await useConfig({
      origins: [flaky, steady],
      pools: [{ id: "pair", origins: [flaky.id, steady.id], steering: "round_robin" }],
      routes: [{ id: "r", pools: ["pair"], retries: { attempts: 0 } }],
    });
    await setOriginMode(o30, "fail");
    try {
      let e = await explainOf({ url: "http://app.test/" });
      for (let i = 0; i < 12 && e.pools[0]?.origins[0]?.ejection === null; i++) {
        await servedBy("/");
        e = await explainOf({ url: "http://app.test/" });
      }
      const pair = e.pools[0];
      expect(pair?.origins[0]).toMatchObject({
        id: flaky.id,
        healthy: false,
        candidate: false,
        excluded: "ejected",
        ejection: { kind: "consecutive-gateway-failure" },
      });
      expect(pair?.origins[0]?.ejection?.until ?? 0).toBeGreaterThan(Date.now());
      expect(pair?.outlierDetection).toMatchObject({ ejected: 1, maxEjected: 1, atLimit: true });
      expect(e.valves?.maxEjectionPercent.active).toBe(true);
      expect(explained(e)).toBe(steady.id);
      for (let i = 0; i < 4; i++) expect((await servedBy("/")).origin).toBe(steady.id);

      // The same ejected origin alone in its pool: ejection would leave nothing, so it serves.
      await useConfig({
        origins: [flaky],
        pools: [{ id: "solo", origins: [flaky.id] }],
        routes: [{ id: "r", pools: ["solo"], retries: { attempts: 0 } }],
      });
      const alone = await explainOf({ url: "http://app.test/" });
      expect(alone.outcome).toMatchObject({ kind: "origin", origin: flaky.id, ejectionOverride: true });
      expect(alone.valves?.ejectionOverride.active).toBe(true);
      expect((await servedBy("/")).origin).toBe(flaky.id);
    } finally {
      await setOriginMode(o30, "ok");
    }
  });

  it("a drain through the admin API: configured weight 1, effective 0, with who and why", async ({ expect }) => {
    const { o29, o30 } = urls();
    const a = { id: "drain-a", url: o29 };
    const b = { id: "drain-b", url: o30 };
    await useConfig({ origins: [a, b], pools: [{ id: "p", origins: [a.id, b.id] }], routes: [{ id: "r", pools: ["p"] }] });
    const res = await admin(`/origins/${a.id}/drain`, {
      method: "POST",
      body: JSON.stringify({ reason: "kernel upgrade" }),
      headers: { "content-type": "application/json" },
    });
    await res.text();
    expect(res.status).toBe(200);
    try {
      const e = await explainOf({ url: "http://app.test/" });
      const drained = e.pools[0]?.origins.find((o) => o.id === a.id);
      expect(drained).toMatchObject({ configuredWeight: 1, weight: 0, candidate: false, excluded: "weight-zero", share: 0 });
      expect(drained?.overrides).toEqual([expect.objectContaining({ kind: "state", value: "drained", reason: "kernel upgrade" })]);
      expect(e.pools[0]?.origins.find((o) => o.id === b.id)?.share).toBe(1);
      expect(explained(e)).toBe(b.id);
      for (let i = 0; i < 4; i++) expect((await servedBy("/")).origin).toBe(b.id);
    } finally {
      const undo = await admin(`/origins/${a.id}/enable`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
      await undo.text();
    }
  });

  it("explaining does not move the live rotation", async ({ expect }) => {
    await useConfig({
      origins: bothOrigins(),
      pools: [{ id: "rr", origins: ["o29", "o30"], steering: "round_robin" }],
      routes: [{ id: "r", pools: ["rr"] }],
    });
    const first = (await servedBy("/")).origin;
    // A POST is explained with one pick (no retries), a GET with two (the retry plan): five
    // picks in all, so a rotation they moved would show as a changed turn.
    for (const method of ["POST", "GET", "GET"]) await explainOf({ url: "http://app.test/", method });
    const second = (await servedBy("/")).origin;
    const third = (await servedBy("/")).origin;
    expect(second).not.toBe(first);
    expect(third).toBe(first);
  });

  it("a URL no route matches: 200 with outcome no_route and the routes considered", async ({ expect }) => {
    const { o29 } = urls();
    await useConfig({
      origins: [{ id: "o29", url: o29 }],
      pools: [{ id: "p", origins: ["o29"] }],
      routes: [{ id: "api", match: { host: "api.test", pathPrefix: "/v1" }, pools: ["p"] }],
    });
    const e = await explainOf({ url: "https://api.test/v2/x" });
    expect(e.outcome).toMatchObject({ kind: "error", status: 404, code: "no_route" });
    expect(e.routesConsidered).toEqual([
      { id: "api", match: { host: "api.test", pathPrefix: "/v1" }, hostMatches: true, pathMatches: false, chosen: false },
    ]);
    const res = await exports.default.fetch(new Request("https://api.test/v2/x"));
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("no_route");
  });
});

describe("bad input and auth", () => {
  it("answers 400 naming the parameter", async ({ expect }) => {
    const { o29 } = urls();
    await useConfig({ origins: [{ id: "o29", url: o29 }], pools: [{ id: "p", origins: ["o29"] }], routes: [{ id: "r", pools: ["p"] }] });
    const url = "http://app.test/";
    const cases: [Params, string][] = [
      [{}, "url"],
      [{ url: "not a url" }, "url"],
      [{ url: "ftp://app.test/" }, "url"],
      [{ url: [url, url] }, "url"],
      [{ url, geo: "country=Germany" }, "geo"],
      [{ url, geo: "planet=mars" }, "geo"],
      [{ url, geo: "lat=91" }, "geo"],
      [{ url, header: "x-user" }, "header"],
      [{ url, header: ["x-user: a", "bad name: b"] }, "header"],
      [{ url, cookie: "novalue" }, "cookie"],
      [{ url, ip: "not-an-ip" }, "ip"],
      [{ url, method: "G E T" }, "method"],
      [{ url, region: "eu" }, "region"],
    ];
    for (const [params, name] of cases) {
      const res = await admin(`/explain?${query(params)}`);
      const body = (await res.json()) as { code: string; error: string };
      expect({ params, status: res.status }).toEqual({ params, status: 400 });
      expect(body.code).toBe("invalid_request");
      expect(body.error).toContain(name);
    }
  });

  it("answers 401 without a token, and with a wrong one", async ({ expect }) => {
    const target = `http://edgeway.test/_edgeway/explain?${query({ url: "http://app.test/" })}`;
    const none = await exports.default.fetch(target);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: string }).code).toBe("unauthorized");
    const wrong = await exports.default.fetch(target, { headers: { authorization: "Bearer not-the-token" } });
    await wrong.text();
    expect(wrong.status).toBe(401);
  });
});

/**
 * `/explain` (src/steering/explain/): session affinity, cookie pins and hash keys, explained
 * as selection acts on them.
 */
import { describe, expect, it } from "vitest";
import { affinityKey, signPin, verifyPin } from "../../src/steering/affinity-cookie.ts";
import type { ExplainInput } from "../../src/steering/explain/index.ts";
import { rendezvousPick } from "../../src/steering/pool/hash.ts";
import { compile, poolOf, singlePool } from "./helpers/configs.ts";
import { NOW, picked, run, snapshotDown } from "./helpers/explain.ts";

describe("affinity", () => {
  const key = affinityKey("explain-test-secret");
  const verify: ExplainInput["verifyCookie"] = async (routeId, value) => verifyPin(await key, routeId, value, NOW);
  const cookieConfig = (onFailure: "none" | "temporary" | "sticky", drained = false) =>
    compile(
      singlePool({
        origins: 3,
        origin: (i) => (drained && i === 2 ? { weight: 0 } : {}),
        route: { affinity: { type: "cookie", onFailure } },
      }),
    );

  it("a verified pin decides the first try, also on a drained origin", async () => {
    const config = cookieConfig("sticky", true);
    const pin = await signPin(await key, "r", "o2", NOW, 600);
    const e = await run(config, { headers: { cookie: `__edgeway_affinity=${pin}` }, verifyCookie: verify });
    expect(e.affinity?.cookie).toEqual({ present: true, verdict: "verified", pinned: "o2", state: "usable" });
    expect(e.outcome).toMatchObject({ kind: "origin", origin: "o2", pinned: true, basis: "deterministic" });
    expect(e.poolSteering).toMatchObject({ steeredBy: "affinity-cookie", pick: "o2" });
    expect(e.retries?.tries[0]).toMatchObject({ origin: "o2", pinned: true });
    expect(e.retries?.tries[1]?.origin).not.toBe("o2");
  });

  it("a forged, foreign or absent cookie is named, and steering picks", async () => {
    const config = cookieConfig("sticky");
    const other = await signPin(await key, "another-route", "o1", NOW, 600);
    const forged = await run(config, { headers: { cookie: `__edgeway_affinity=${other}` }, verifyCookie: verify });
    expect(forged.affinity?.cookie).toMatchObject({ present: true, verdict: "invalid", pinned: null, state: "none" });
    expect(forged.outcome).toMatchObject({ pinned: false });
    const absent = await run(config, { verifyCookie: verify });
    expect(absent.affinity?.cookie?.verdict).toBe("absent");
    const noKey = await run(config);
    expect(noKey.affinity?.cookie?.verdict).toBe("no-key");
  });

  it('a pin on an unhealthy origin with onFailure "none": 503 affine_origin_unavailable', async () => {
    const pin = await signPin(await key, "r", "o0", NOW, 600);
    const e = await run(cookieConfig("none"), {
      headers: { cookie: `__edgeway_affinity=${pin}` },
      verifyCookie: verify,
      snapshot: snapshotDown(["o0"]),
    });
    expect(e.outcome).toMatchObject({ kind: "error", status: 503, code: "affine_origin_unavailable" });
    expect(e.affinity?.cookie?.state).toBe("unavailable");
    const temporary = await run(cookieConfig("temporary"), {
      headers: { cookie: `__edgeway_affinity=${pin}` },
      verifyCookie: verify,
      snapshot: snapshotDown(["o0"]),
    });
    expect(temporary.outcome).toMatchObject({ kind: "origin", pinned: false });
    expect(picked(temporary)).not.toBe("o0");
    expect(temporary.affinity?.effect).toContain("keeps its pin");
  });

  it("header affinity: every pool hashes on the header, whatever its own steering", async () => {
    const config = compile(
      singlePool({ origins: 4, pool: { steering: "round_robin" }, route: { affinity: { type: "header", name: "x-session" } } }),
    );
    for (const session of ["s1", "s2", "s3", "s4", "s5"]) {
      const e = await run(config, { headers: { "x-session": session } });
      expect(e.affinity).toMatchObject({ type: "header", name: "x-session", key: session });
      expect(e.poolSteering).toMatchObject({ steeredBy: "affinity-key", basis: "deterministic", hashKey: { value: session } });
      expect(picked(e)).toBe(rendezvousPick(session, poolOf(config, "p").origins)?.id);
    }
    const none = await run(config);
    expect(none.affinity?.key).toBeNull();
    expect(none.poolSteering?.steeredBy).toBe("policy");
  });

  it('ip affinity with onFailure "none": the key\'s home origin alone may serve, and no retries', async () => {
    const config = compile(singlePool({ origins: 3, route: { affinity: { type: "ip", onFailure: "none" } } }));
    const ip = "192.0.2.44";
    const home = rendezvousPick(ip, poolOf(config, "p").origins)?.id ?? "";
    const ok = await run(config, { client: { ip } });
    expect(ok.affinity?.home).toEqual({ pool: "p", origin: home, healthy: true });
    expect(picked(ok)).toBe(home);
    expect(ok.retries).toMatchObject({ allowed: false });
    expect(ok.retries?.tries).toHaveLength(1);
    const down = await run(config, { client: { ip }, snapshot: snapshotDown([home]) });
    expect(down.affinity?.home).toEqual({ pool: "p", origin: home, healthy: false });
    expect(down.outcome).toMatchObject({ kind: "error", code: "no_healthy_origin" });
  });
});

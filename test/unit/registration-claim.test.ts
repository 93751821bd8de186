/**
 * Who may act on a registered id and whether there is room (src/discovery/registration-claim.ts),
 * the per-token call rate (src/discovery/rate-limit.ts), and REGISTER_TOKENS parsing.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { claimRefusal, ownershipRefusal } from "../../src/discovery/registration-claim.ts";
import type { ClaimRequest, HeldRegistration } from "../../src/discovery/registration-claim.ts";
import { takeCall } from "../../src/discovery/rate-limit.ts";
import type { Bucket } from "../../src/discovery/rate-limit.ts";
import { mayRegisterInto, parseRegisterTokens } from "../../src/admin/register-tokens.ts";

const held: HeldRegistration = { id: "svc", pool: "a", registrant: "team-a", hasSecret: true };
const claim: ClaimRequest = { id: "svc", pool: "a", registrant: "team-a", secretPresented: true, secretMatches: true };
const room = { inPool: 1, total: 1, maxInPool: 50, maxTotal: 1_000 };

describe("claimRefusal", () => {
  it("lets the registrant with its secret heartbeat and update", () => {
    expect(claimRefusal(held, claim, room)).toBeUndefined();
  });

  it("refuses another registrant with 409, whatever secret it sends", () => {
    expect(claimRefusal(held, { ...claim, registrant: "team-b" }, room)).toMatchObject({
      reason: "registrant",
      status: 409,
      code: "id_registered_by_another",
      rule: "id",
    });
  });

  it("refuses the same registrant without the secret, or with another", () => {
    expect(claimRefusal(held, { ...claim, secretPresented: false, secretMatches: false }, room)).toMatchObject({
      code: "registration_secret_required",
      status: 409,
    });
    expect(claimRefusal(held, { ...claim, secretMatches: false }, room)).toMatchObject({ code: "registration_secret_mismatch" });
  });

  it("lets a registration made before ids were bound be claimed", () => {
    expect(
      claimRefusal(
        { ...held, registrant: undefined, hasSecret: false },
        { ...claim, registrant: "x", secretPresented: false, secretMatches: false },
        room,
      ),
    ).toBeUndefined();
  });

  it("refuses a new id past the pool's maximum or the global one, but not a heartbeat", () => {
    expect(claimRefusal(undefined, claim, { ...room, inPool: 50 })).toMatchObject({
      reason: "pool_full",
      code: "pool_registration_limit",
      rule: "registration.maxOrigins",
    });
    expect(claimRefusal(undefined, claim, { ...room, total: 1_000 })).toMatchObject({
      reason: "global_limit",
      rule: "EDGEWAY_MAX_REGISTRATIONS",
    });
    expect(claimRefusal(held, claim, { ...room, inPool: 50, total: 1_000 })).toBeUndefined();
    // Moving to a full pool counts as joining it.
    expect(claimRefusal(held, { ...claim, pool: "b" }, { ...room, inPool: 50 })).toMatchObject({ reason: "pool_full" });
  });

  it("ownershipRefusal ignores room", () => {
    expect(ownershipRefusal(held, claim)).toBeUndefined();
  });
});

describe("takeCall", () => {
  it("allows a burst of perMinute calls, then refuses with the wait until the next", () => {
    let bucket: Bucket | undefined;
    for (let i = 0; i < 3; i++) {
      const take = takeCall(bucket, 3, 1_000);
      expect(take.allowed).toBe(true);
      bucket = take.bucket;
    }
    const refused = takeCall(bucket, 3, 1_000);
    expect(refused).toMatchObject({ allowed: false, retryAfterSeconds: 20 });
    expect(takeCall(refused.bucket, 3, 21_000).allowed).toBe(true);
  });

  it("property: over any run of calls, no more are allowed than the burst plus what the rate earns", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), fc.array(fc.nat(5_000), { minLength: 1, maxLength: 300 }), (perMinute, gaps) => {
        let bucket: Bucket | undefined;
        let now = 0;
        let allowed = 0;
        for (const gap of gaps) {
          now += gap;
          const take = takeCall(bucket, perMinute, now);
          bucket = take.bucket;
          if (take.allowed) allowed++;
          else if (take.retryAfterSeconds < 1) return false;
        }
        return allowed <= perMinute + (now * perMinute) / 60_000 + 1e-9;
      }),
    );
  });
});

describe("parseRegisterTokens", () => {
  it("reads the map, filling in the rate", () => {
    const parsed = parseRegisterTokens(
      JSON.stringify({
        "team-a": { token: "a".repeat(16), pools: ["web"] },
        ops: { token: "b".repeat(16), pools: ["*"], ratePerMinute: 5 },
      }),
    );
    expect(parsed).toEqual({
      ok: true,
      tokens: [
        { name: "team-a", token: "a".repeat(16), pools: ["web"], ratePerMinute: 600 },
        { name: "ops", token: "b".repeat(16), pools: "*", ratePerMinute: 5 },
      ],
    });
    if (!parsed.ok) return;
    const [teamA, ops] = parsed.tokens;
    expect(teamA !== undefined && mayRegisterInto(teamA, "web")).toBe(true);
    expect(teamA !== undefined && mayRegisterInto(teamA, "api")).toBe(false);
    expect(ops !== undefined && mayRegisterInto(ops, "api")).toBe(true);
  });

  it("treats unset or blank as no tokens", () => {
    expect(parseRegisterTokens(undefined)).toEqual({ ok: true, tokens: [] });
    expect(parseRegisterTokens("  ")).toEqual({ ok: true, tokens: [] });
  });

  it("reports malformed JSON without quoting it, and a wrong shape by field", () => {
    const broken = parseRegisterTokens('{"team-a": {"token": "supersecretvalue123"');
    expect(broken).toEqual({ ok: false, problem: expect.stringMatching(/^REGISTER_TOKENS is not valid JSON/) });
    expect(JSON.stringify(broken)).not.toContain("supersecret");
    const shape = parseRegisterTokens(
      JSON.stringify({
        "admin-token": { token: "c".repeat(16), pools: ["x"] },
        "b b": { token: "d".repeat(16), pools: ["x"] },
        t: { token: "e".repeat(16), pools: [], extra: 1 },
      }),
    );
    expect(shape.ok).toBe(false);
    if (shape.ok) return;
    expect(shape.problem).toMatch(/admin-token: is reserved/);
    expect(shape.problem).toMatch(/b b: must be 1–64 characters/);
    expect(shape.problem).toMatch(/t\.pools: name at least one pool/);
    expect(shape.problem).toMatch(/extra/);
    expect(
      parseRegisterTokens(JSON.stringify({ a: { token: "f".repeat(16), pools: ["*"] }, b: { token: "f".repeat(16), pools: ["*"] } })),
    ).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/two names share one token/),
    });
  });
});

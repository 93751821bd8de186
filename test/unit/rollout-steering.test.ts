/**
 * How a rollout reaches the request path (src/discovery/effective-rollouts.ts and
 * effective-config.ts): bound to its route when the effective config is compiled — only
 * when the snapshot carries rollouts, so routes without one keep the config as stored — the
 * newest rollout winning on a route, a promoted one retired once the config carries its
 * promotion; and the rule that sends a request's first try to the target.
 */
import { describe, expect, it } from "vitest";
import { effectiveConfig } from "../../src/discovery/effective-config.ts";
import { bindRollouts, matchesAbTest, rolloutOn, takesTarget } from "../../src/discovery/effective-rollouts.ts";
import type { HealthSnapshot, SnapshotRollout } from "../../src/health/snapshot.ts";
import { compile, multiPool, routeOf } from "./helpers/configs.ts";
import { mulberry32 } from "./helpers/random.ts";

const rollout = (parts: Partial<SnapshotRollout> = {}): SnapshotRollout => ({ id: "ro-1", route: "r", to: "canary", weight: 25, ...parts });
const snapshot = (rollouts: SnapshotRollout[], version: number): HealthSnapshot => ({
  generatedAt: 1,
  origins: {},
  rollouts,
  rolloutsVersion: version,
});

describe("rollouts in the effective config", () => {
  it("leaves the stored config as it is without rollouts; binds a rollout to fresh routes when there is one", () => {
    const base = compile(multiPool({ stable: 2, canary: 1 }, { pools: ["stable"] }));
    expect(effectiveConfig(base, snapshot([], 0))).toBe(base);
    expect(rolloutOn(routeOf(base))).toBeUndefined();

    const withRollout = effectiveConfig(base, snapshot([rollout()], 1));
    expect(withRollout).not.toBe(base);
    const bound = rolloutOn(routeOf(withRollout));
    expect(bound?.rollout.id).toBe("ro-1");
    expect(bound?.target.id).toBe("canary");
    // The same rollouts version is the same compiled config: nothing recompiles per request.
    expect(effectiveConfig(base, snapshot([rollout()], 1))).toBe(withRollout);
    // A new weight comes with a new version, and new routes with the new binding.
    const moved = effectiveConfig(base, snapshot([rollout({ weight: 50 })], 2));
    expect(rolloutOn(routeOf(moved))?.rollout.weight).toBe(50);
    expect(effectiveConfig(base, snapshot([], 3))).toBe(base);
  });

  it("binds nothing for a route or pool the config does not have, and the newest rollout of a route wins", () => {
    const config = compile(multiPool({ stable: 1, canary: 1, green: 1 }, { pools: ["stable"] }));
    bindRollouts(config, [rollout({ route: "gone" }), rollout({ id: "ro-2", to: "nope" })]);
    expect(rolloutOn(routeOf(config))).toBeUndefined();
    bindRollouts(config, [rollout({ id: "ro-new", to: "green" }), rollout({ id: "ro-old" })]);
    expect(rolloutOn(routeOf(config))?.rollout.id).toBe("ro-new");
  });

  it("retires a promoted rollout once the config carries its promotion", () => {
    const promoted = rollout({ weight: 100, retiredBy: 7 });
    const older = compile(multiPool({ stable: 1, canary: 1 }, { pools: ["stable"] }), 6);
    bindRollouts(older, [promoted]);
    expect(rolloutOn(routeOf(older))?.rollout.weight).toBe(100);
    const carried = compile(multiPool({ stable: 1, canary: 1 }, { pools: ["canary"] }), 7);
    bindRollouts(carried, [promoted]);
    expect(rolloutOn(routeOf(carried))).toBeUndefined();
  });
});

describe("takesTarget", () => {
  const none = new Headers();

  it("sends nothing at 0 % and everything at 100 %, whatever the draw", () => {
    expect(takesTarget(rollout({ weight: 0 }), none, undefined, () => 0)).toBe(false);
    expect(takesTarget(rollout({ weight: 100 }), none, undefined, () => 0.999)).toBe(true);
  });

  it("draws weight ÷ 100 of the requests", () => {
    const random = mulberry32(7);
    let hits = 0;
    for (let i = 0; i < 20_000; i++) if (takesTarget(rollout({ weight: 25 }), none, undefined, random)) hits++;
    expect(hits / 20_000).toBeGreaterThan(0.24);
    expect(hits / 20_000).toBeLessThan(0.26);
  });

  it("keeps a client's side by its affinity key, and the keys split by the weight", () => {
    const r = rollout({ weight: 30 });
    const never = (): number => {
      throw new Error("an affinity key decides without a draw");
    };
    let hits = 0;
    for (let i = 0; i < 10_000; i++) {
      const side = takesTarget(r, none, `client-${i}`, never);
      expect(takesTarget(r, none, `client-${i}`, never)).toBe(side);
      if (side) hits++;
    }
    expect(hits / 10_000).toBeGreaterThan(0.28);
    expect(hits / 10_000).toBeLessThan(0.32);
  });

  it("during the A/B stage takes exactly the requests with the header or cookie value", () => {
    const byHeader = rollout({ weight: 0, abTest: { header: { name: "x-canary", value: "yes" }, intervals: 1 } });
    expect(takesTarget(byHeader, new Headers({ "x-canary": "yes" }), undefined, () => 0.99)).toBe(true);
    expect(takesTarget(byHeader, new Headers({ "x-canary": "no" }), undefined, () => 0)).toBe(false);
    expect(takesTarget(byHeader, none, "key", () => 0)).toBe(false);
    const byCookie = rollout({ weight: 0, abTest: { cookie: { name: "beta", value: "1" }, intervals: 1 } });
    expect(matchesAbTest(byCookie, new Headers({ cookie: "a=b; beta=1" }))).toBe(true);
    expect(matchesAbTest(byCookie, new Headers({ cookie: "beta=0" }))).toBe(false);
  });
});

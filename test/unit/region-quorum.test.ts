import { describe, expect, it } from "vitest";
import { applyVerdict, decideByQuorum, effectiveQuorum, majority } from "../../src/health/region-quorum.ts";
import type { RegionVote } from "../../src/health/region-quorum.ts";
import { initialHealth } from "../../src/health/state-machine.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { planProbes } from "../../src/health/probe-runner.ts";
import { compile, makeOrigins, makePool, makeRoute } from "./helpers/configs.ts";

const vote = (region: string, healthy: boolean | undefined, reason = healthy === false ? "HTTP 503" : "HTTP 200"): RegionVote => ({
  region,
  healthy,
  reason,
});

describe("region quorum", () => {
  it("defaults to a majority of the regions", () => {
    expect([1, 2, 3, 4, 5, 9].map(majority)).toEqual([1, 2, 2, 3, 3, 5]);
    expect(effectiveQuorum(3, undefined)).toBe(2);
    expect(effectiveQuorum(3, 1)).toBe(1);
    // Never above the regions counted, never below one.
    expect(effectiveQuorum(2, 5)).toBe(2);
    expect(effectiveQuorum(0, undefined)).toBe(1);
  });

  it("one region of three down keeps the origin up, two take it down", () => {
    const one = decideByQuorum([vote("weur", false), vote("enam", true), vote("apac", true)], 2, ["http"]);
    expect(one.healthy).toBe(true);
    expect(one.down).toEqual(["weur"]);
    expect(one.reason).toBe("monitor http: up from enam, apac; down from 1 of 3 region(s), below quorum 2 (weur: HTTP 503)");
    const two = decideByQuorum([vote("weur", false), vote("enam", false, "timeout after 1000 ms"), vote("apac", true)], 2, ["http"]);
    expect(two.healthy).toBe(false);
    expect(two.reason).toBe("monitor http: down from 2 of 3 region(s), quorum 2 (weur: HTTP 503; enam: timeout after 1000 ms)");
  });

  it("a tie in an even number of regions keeps the origin (fail open)", () => {
    const votes = [vote("weur", false), vote("eeur", false), vote("enam", true), vote("apac", true)];
    expect(decideByQuorum(votes, majority(4), ["http"]).healthy).toBe(true);
  });

  it("a region with no result abstains and never counts as down", () => {
    const v = decideByQuorum([vote("weur", false), vote("enam", undefined), vote("apac", undefined)], 2, ["http"]);
    expect(v.healthy).toBe(true);
    expect(v.abstained).toEqual(["enam", "apac"]);
    expect(v.reason).toMatch(/; no result yet from enam, apac$/);
    expect(decideByQuorum([vote("weur", undefined)], 1, ["a", "b"]).reason).toBe("monitor a, b: no result yet from weur");
  });

  it("applies a verdict at once, moving `since` and logging a transition only on a change", () => {
    const start = initialHealth(1_000);
    const down = decideByQuorum([vote("weur", false), vote("enam", false)], 2, ["http"]);
    const first = applyVerdict(start, down, 2_000);
    expect(first.state).toMatchObject({ healthy: false, since: 2_000, consecutiveFailures: 1, reason: down.reason });
    expect(first.transition).toEqual({ from: "healthy", to: "unhealthy", at: 2_000, reason: down.reason });
    const again = applyVerdict(first.state, down, 3_000);
    expect(again.transition).toBeUndefined();
    expect(again.state).toMatchObject({ healthy: false, since: 2_000, consecutiveFailures: 2 });
    const up = applyVerdict(again.state, decideByQuorum([vote("weur", true), vote("enam", true)], 2, ["http"]), 4_000);
    expect(up.transition?.to).toBe("healthy");
    expect(up.state.consecutiveSuccesses).toBe(1);
  });
});

function regionalConfig(monitor: Record<string, unknown>) {
  return {
    origins: makeOrigins(2),
    monitors: [{ id: "m", ...monitor }],
    pools: [makePool("p", ["o0", "o1"], { monitor: "m" })],
    routes: [makeRoute("r", ["p"])],
  };
}

describe("monitor regions in the config", () => {
  it("accepts the location hints and rejects anything else by name", () => {
    expect(validateConfig(regionalConfig({ regions: ["weur", "enam", "apac"], regionQuorum: 2 })).ok).toBe(true);
    const bad = validateConfig(regionalConfig({ regions: ["weur", "eu-west"] }));
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues[0]?.path).toBe("monitors[0].regions[1]");
    expect(bad.issues[0]?.message).toBe("must be a probe region: one of wnam, enam, sam, weur, eeur, apac, oc, afr, me");
  });

  it("rejects a region listed twice, an empty list, and a quorum without regions or above them", () => {
    const issues = (input: unknown): string[] => {
      const r = validateConfig(input);
      return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
    };
    expect(issues(regionalConfig({ regions: ["weur", "weur"] }))).toEqual(['monitors[0].regions[1]: region "weur" is listed twice']);
    expect(issues(regionalConfig({ regions: [] }))).toEqual(["monitors[0].regions: name at least one region, or leave regions out"]);
    expect(issues(regionalConfig({ regionQuorum: 1 }))).toEqual([
      "monitors[0].regionQuorum: needs regions: a quorum counts the regions a monitor probes from",
    ]);
    expect(issues(regionalConfig({ regions: ["weur", "enam"], regionQuorum: 3 }))).toEqual([
      "monitors[0].regionQuorum: is 3 but the monitor probes from 2 region(s)",
    ]);
  });

  it("plans each origin's regions and quorum", () => {
    const plans = planProbes(compile(regionalConfig({ regions: ["weur", "enam", "apac", "oc"] })));
    expect(plans.map((p) => [p.origin.id, p.regions, p.quorum])).toEqual([
      ["o0", ["weur", "enam", "apac", "oc"], 3],
      ["o1", ["weur", "enam", "apac", "oc"], 3],
    ]);
    const unregioned = planProbes(compile(regionalConfig({})));
    expect(unregioned.map((p) => [p.regions, p.quorum])).toEqual([
      [[], 1],
      [[], 1],
    ]);
  });
});

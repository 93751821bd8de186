/** A probe round's regional part, inside workerd (probe.ts needs cloudflare:sockets): each region gets its share once, a failing region abstains. */
import { describe, it } from "vitest";
import { probeRound } from "../../src/probes/probe-round.ts";
import type { RegionProber } from "../../src/probes/probe-round.ts";
import { compileConfig } from "../../src/config/compile.ts";
import { validateConfig } from "../../src/config/validate.ts";

function config() {
  const result = validateConfig({
    origins: [
      { id: "o0", url: "http://127.0.0.1:1" },
      { id: "o1", url: "http://127.0.0.1:2" },
    ],
    monitors: [{ id: "m", regions: ["weur", "apac"] }],
    pools: [{ id: "p", origins: ["o0", "o1"], monitor: "m" }],
    routes: [{ id: "r", pools: ["p"] }],
  });
  if (!result.ok) throw new Error("config rejected");
  return compileConfig(result.config, 1);
}

describe("probe round with regions", () => {
  it("a round sends each region its share once, and a region that fails abstains", async ({ expect }) => {
    const calls: string[] = [];
    const fromRegion: RegionProber = async (region, targets) => {
      calls.push(`${region}:${targets.map((t) => t.origin.id).join(",")}`);
      if (region === "apac") throw new Error("object unreachable");
      return targets.map((t) => ({ originId: t.origin.id, monitorId: "m", ok: true, at: 1, latencyMs: 1, reason: "HTTP 200", region }));
    };
    const round = await probeRound(
      config(),
      () => true,
      false,
      () => 0,
      fromRegion,
    );
    expect(calls.sort()).toEqual(["apac:o0,o1", "weur:o0,o1"]);
    expect(round.results.map((r) => `${r.originId}@${r.region}`)).toEqual(["o0@weur", "o1@weur"]);
    expect(round.regional?.o0).toEqual({ regions: ["weur", "apac"], quorum: 2, monitors: ["m"] });
  });
});

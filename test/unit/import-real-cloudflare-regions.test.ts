/**
 * Cloudflare's `check_regions` ↔ Edgeway monitor regions, and `export --to cloudflare`
 * writing back what the real export held: origin ports and health check regions, so that
 * import → export → import of the real export gives the same config.
 */
import { readFileSync } from "node:fs";
import { describe, it } from "vitest";
import { PROBE_REGIONS } from "../../src/config/probe-regions.ts";
import { validateConfig } from "../../src/config/validate.ts";
import { exportCloudflare } from "../../scripts/lib/import/cloudflare-export.ts";
import { CHECK_REGION_PROBE, PROBE_CHECK_REGION } from "../../scripts/lib/import/cloudflare-regions.ts";
import { importCloudflare } from "../../scripts/lib/import/cloudflare.ts";
import { parseDocuments } from "../../scripts/lib/import/documents.ts";
import type { SourceDocument } from "../../scripts/lib/import/model.ts";

const FILES = ["monitors", "pools", "load-balancers"].map((f) => `test/fixtures/import/cloudflare/${f}.json`);
const fixture = (): SourceDocument[] => FILES.flatMap((f) => parseDocuments(readFileSync(f, "utf8"), f));

function validated(docs: readonly SourceDocument[]) {
  const result = importCloudflare(docs);
  const valid = validateConfig(result.config);
  if (!valid.ok) throw new Error(JSON.stringify(valid.issues));
  return { result, config: valid.config };
}

/** Pools with these check_regions, all on one monitor, each behind a load balancer of its own. */
function pools(...regions: unknown[]): SourceDocument {
  const monitor = { id: "m1", description: "health", type: "https", path: "/healthz" };
  const list = regions.map((r, i) => ({
    id: `p${i}`,
    name: `p${i}`,
    monitor: "m1",
    check_regions: r,
    origins: [{ address: `192.0.2.${i + 1}` }],
  }));
  const lbs = list.map((p, i) => ({ name: `h${i}.example.com`, default_pools: [p.id], fallback_pool: p.id }));
  return { source: "r.json", value: { monitors: [monitor], pools: list, load_balancers: lbs } };
}

describe("check_regions → probe regions", () => {
  it("maps each of Cloudflare's 13 regions onto a probe region", ({ expect }) => {
    const codes = Object.keys(CHECK_REGION_PROBE);
    expect(codes.sort()).toEqual(["EEU", "ENAM", "ME", "NAF", "NEAS", "NSAM", "OC", "SAF", "SAS", "SEAS", "SSAM", "WEU", "WNAM"]);
    const { config } = validated([pools(...codes.map((c) => [c]))]);
    const regionOf = Object.fromEntries(config.pools.map((p) => [p.id, config.monitors.find((m) => m.id === p.monitor)?.regions]));
    expect(codes.map((c, i) => [c, regionOf[`p${i}`]])).toEqual(codes.map((c) => [c, [CHECK_REGION_PROBE[c]]]));
    // Every probe region is reached from some Cloudflare region.
    expect(new Set(Object.values(CHECK_REGION_PROBE))).toEqual(new Set(PROBE_REGIONS));
  });

  it("shares one monitor between pools with the same regions, and copies it for other regions", ({ expect }) => {
    const { config, result } = validated([pools(["WEU", "ENAM"], null, ["WEU", "ENAM"], ["OC"], null)]);
    expect(config.monitors.map((m) => [m.id, m.regions])).toEqual([
      ["health", ["weur", "enam"]],
      ["health-2", undefined],
      ["health-oc", ["oc"]],
    ]);
    expect(config.pools.map((p) => p.monitor)).toEqual(["health", "health-2", "health", "health-oc", "health-2"]);
    expect(result.dropped).toEqual([]);
  });

  it("reports regions that fold into one probe region, ALL_REGIONS and unknown codes", ({ expect }) => {
    const { config, result } = validated([pools(["NAF", "SAF", "WEU"], ["ALL_REGIONS"], ["WEU", "MARS"])]);
    expect(config.monitors.map((m) => m.regions)).toEqual([["afr", "weur"], [...PROBE_REGIONS], ["weur"]]);
    expect(result.dropped.map((d) => [d.path, d.reason])).toEqual([
      ["pools[0].check_regions", "NAF, SAF all probe from afr (Africa): 2 Cloudflare regions are one vote in Edgeway's quorum"],
      ["pools[1].check_regions", expect.stringMatching(/^ALL_REGIONS: Cloudflare's 13 regions are Edgeway's 9 probe regions/)],
      ["pools[2].check_regions[1]", '"MARS" is not a Cloudflare health check region: left out'],
    ]);
  });

  it("reports regions on a pool without a monitor: nothing probes from them", ({ expect }) => {
    const doc = pools(["WEU"]);
    const value = doc.value as { pools: Record<string, unknown>[]; monitors: unknown[] };
    delete value.pools[0]?.["monitor"];
    value.monitors = [];
    const { result } = validated([doc]);
    expect(result.dropped.map((d) => d.path)).toEqual(["pools[0].check_regions", "pools[0].origins"]);
  });
});

describe("export --to cloudflare writes ports and check_regions", () => {
  it("writes each origin's port (0 for the scheme's default) and each pool's monitor regions", ({ expect }) => {
    const config = validated(fixture()).config;
    const { document } = exportCloudflare(config);
    const pool = (name: string) => document.pools.find((p) => (p as { name: string }).name === name) as Record<string, unknown>;
    expect(pool("app-primary")["origins"]).toMatchObject([
      { name: "app-a1", address: "127.0.0.1", port: 19501 },
      { name: "app-a2", address: "127.0.0.1", port: 19502, header: { Host: ["app-origin.example.com"] } },
    ]);
    expect(pool("private-dc")["origins"]).toMatchObject([{ port: 8443 }, { port: 0 }]);
    expect(pool("app-primary")["check_regions"]).toEqual(["WEU", "ENAM", "WNAM"]);
    expect(pool("app-apac")["check_regions"]).toEqual(["SEAS"]);
    expect("check_regions" in pool("private-dc")).toBe(false);
  });

  it("round-trips the real export: import → export → import gives the same config", ({ expect }) => {
    const first = validated(fixture()).config;
    const exported = exportCloudflare(first);
    // apac spans three Cloudflare regions: written as one of them, and said so.
    expect(exported.dropped.map((d) => [d.path, d.reason])).toEqual([
      ["pools[1].check_regions[0]", "apac (Asia-Pacific) spans Cloudflare's SAS, SEAS, NEAS: written as SEAS, one region for its one vote"],
    ]);
    const second = validated([{ source: "exported.json", value: exported.document }]);
    expect(second.config).toEqual(first);
    expect(second.result.dropped.map((d) => d.path)).toEqual(["pools[2].origins"]);
  });

  it("writes one Cloudflare region per probe region, which imports back as the same", ({ expect }) => {
    for (const hint of PROBE_REGIONS) expect(CHECK_REGION_PROBE[PROBE_CHECK_REGION[hint]]).toBe(hint);
  });

  it("reports a region quorum other than Cloudflare's majority", ({ expect }) => {
    const config = validated(fixture()).config;
    const monitors = config.monitors.map((m) => (m.id === "app-healthz" ? { ...m, regionQuorum: 1 } : m));
    const { dropped } = exportCloudflare({ ...config, monitors });
    expect(dropped.find((d) => d.path === "monitors[0].regionQuorum")?.reason).toMatch(/most regions/);
    const majority = config.monitors.map((m) => (m.id === "app-healthz" ? { ...m, regionQuorum: 2 } : m));
    expect(exportCloudflare({ ...config, monitors: majority }).dropped.some((d) => d.path.endsWith("regionQuorum"))).toBe(false);
  });
});

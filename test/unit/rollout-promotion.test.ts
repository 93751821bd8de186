/**
 * What a promotion writes (src/state/rollout-promotion.ts): the target pool replaces the
 * pools the route sent to, and what named the old pools goes with them — weights, the geo
 * map, their per-pool filters, a mirror to the target — while the rest of the route and the
 * old pools themselves stay; the document it writes validates; a promotion already written
 * is recognised.
 */
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import { alreadyPromoted, promotedDocument } from "../../src/state/rollout-promotion.ts";
import { multiPool } from "./helpers/configs.ts";

function documentWith(route: Record<string, unknown>): Record<string, unknown> {
  const doc = multiPool({ blue: 2, green: 1, eu: 1, mirror: 1, spare: 1 }) as unknown as Record<string, unknown>;
  return { ...doc, routes: [{ id: "r", match: { host: "*", pathPrefix: "/" }, ...route }] };
}

const routeOf = (doc: unknown): Record<string, unknown> => (doc as { routes: Record<string, unknown>[] }).routes[0] ?? {};

describe("promotedDocument", () => {
  it("sends everything to the target and drops what named the old pools; the rest stays and validates", () => {
    const before = documentWith({
      pools: ["blue", "eu", "green"],
      steering: "weighted",
      weights: { blue: 90, eu: 10, green: 0 },
      geo: { EU: ["eu"] },
      fallbackPool: "spare",
      timeoutMs: 12_000,
      poolFilters: { blue: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-v", value: "1" }] } }] },
      filters: [{ type: "RequestMirror", requestMirror: { pool: "mirror" } }],
    });
    expect(validateConfig(before).ok).toBe(true);
    const after = promotedDocument(before, "r", "green");
    const route = routeOf(after);
    expect(route["pools"]).toEqual(["green"]);
    expect(route["weights"]).toBeUndefined();
    expect(route["geo"]).toBeUndefined();
    expect(route["poolFilters"]).toBeUndefined();
    expect(route).toMatchObject({ steering: "weighted", fallbackPool: "spare", timeoutMs: 12_000 });
    expect(route["filters"]).toEqual([{ type: "RequestMirror", requestMirror: { pool: "mirror" } }]);
    // The old pools stay in the document; the original is untouched.
    expect((after as { pools: { id: string }[] }).pools.map((p) => p.id)).toContain("blue");
    expect(routeOf(before)["pools"]).toEqual(["blue", "eu", "green"]);
    expect(validateConfig(after).ok).toBe(true);
    expect(alreadyPromoted(after, "r", "green")).toBe(true);
    expect(alreadyPromoted(before, "r", "green")).toBe(false);
  });

  it("drops a mirror to the target (it serves now) and the target as fallback", () => {
    const before = documentWith({
      pools: ["blue"],
      fallbackPool: "green",
      filters: [{ type: "RequestMirror", requestMirror: { pool: "mirror" } }],
    });
    const mirrored = documentWith({ pools: ["blue"], filters: [{ type: "RequestMirror", requestMirror: { pool: "green" } }] });
    expect(routeOf(promotedDocument(before, "r", "green"))["fallbackPool"]).toBeUndefined();
    const after = promotedDocument(mirrored, "r", "green");
    expect(routeOf(after)["filters"]).toBeUndefined();
    expect(validateConfig(after).ok).toBe(true);
  });

  it("is undefined when the route is gone", () => {
    expect(promotedDocument(documentWith({ pools: ["blue"] }), "other", "green")).toBeUndefined();
  });
});

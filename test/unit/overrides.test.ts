/** Admin overrides applied to the document: precedence disabled > drained > weight override > the document's weight. */
import { describe, expect, it } from "vitest";
import { overriddenOrigin, withOverrides } from "../../src/config/overrides.ts";
import type { OriginOverrides } from "../../src/config/overrides.ts";
import type { Config } from "../../src/config/schema.ts";

const who = { reason: "test", actor: "t", at: 1 };
const origin = { id: "a", url: "http://127.0.0.1:1", weight: 3, enabled: true };

describe("overriddenOrigin", () => {
  it("returns the very same object when nothing applies", () => {
    expect(overriddenOrigin(origin, undefined)).toBe(origin);
    expect(overriddenOrigin(origin, { health: { value: "unhealthy", ...who } })).toBe(origin);
  });

  const cases: [string, OriginOverrides, { weight: number; enabled: boolean }][] = [
    ["drain sets weight 0", { state: { value: "drained", ...who } }, { weight: 0, enabled: true }],
    ["disable clears enabled, keeps the weight", { state: { value: "disabled", ...who } }, { weight: 3, enabled: false }],
    ["a weight override replaces the weight", { weight: { value: 7, ...who } }, { weight: 7, enabled: true }],
    ["drain beats a weight override", { state: { value: "drained", ...who }, weight: { value: 7, ...who } }, { weight: 0, enabled: true }],
    [
      "disable with a weight override",
      { state: { value: "disabled", ...who }, weight: { value: 7, ...who } },
      { weight: 7, enabled: false },
    ],
  ];
  for (const [name, o, expected] of cases) {
    it(name, () => {
      expect(overriddenOrigin(origin, o)).toMatchObject(expected);
      expect(origin.weight).toBe(3);
    });
  }
});

describe("withOverrides", () => {
  const config = { origins: [origin, { ...origin, id: "b" }], monitors: [], pools: [], routes: [] } as unknown as Config;

  it("leaves the config as it is when no override touches weights", () => {
    expect(withOverrides(config, {})).toBe(config);
    expect(withOverrides(config, { zz: { state: { value: "drained", ...who } } })).toBe(config);
  });

  it("changes only the overridden origins", () => {
    const out = withOverrides(config, { b: { state: { value: "drained", ...who } } });
    expect(out.origins[0]).toBe(config.origins[0]);
    expect(out.origins[1]).toMatchObject({ id: "b", weight: 0 });
  });
});

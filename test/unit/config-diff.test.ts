/** The config diff as operators read it: collections keyed by id, paths like origins.aws-use1.weight. */
import { describe, expect, it } from "vitest";
import { countChanges, diffConfigs } from "../../src/config/diff.ts";

const base = {
  origins: [
    { id: "a", url: "http://127.0.0.1:1", weight: 1 },
    { id: "b", url: "http://127.0.0.1:2", weight: 1 },
  ],
  pools: [{ id: "p", origins: ["a", "b"] }],
  routes: [{ id: "r", pools: ["p"] }],
};

describe("diffConfigs", () => {
  it("finds nothing between equal documents", () => {
    expect(diffConfigs(base, structuredClone(base))).toEqual([]);
  });

  it("shows an origin inserted at the front as one addition, not every index changing", () => {
    const next = structuredClone(base);
    next.origins.unshift({ id: "z", url: "http://127.0.0.1:9", weight: 2 });
    expect(diffConfigs(base, next)).toEqual([{ op: "add", path: "origins.z", to: { id: "z", url: "http://127.0.0.1:9", weight: 2 } }]);
  });

  it("names changed fields by id and array members by index", () => {
    const next = structuredClone(base);
    next.origins[1]!.weight = 4;
    next.pools[0]!.origins = ["a"];
    next.routes = [];
    const changes = diffConfigs(base, next);
    expect(changes).toEqual(
      expect.arrayContaining([
        { op: "change", path: "origins.b.weight", from: 1, to: 4 },
        { op: "remove", path: "pools.p.origins[1]", from: "b" },
        { op: "remove", path: "routes.r", from: { id: "r", pools: ["p"] } },
      ]),
    );
    expect(countChanges(changes)).toEqual({ added: 0, removed: 2, changed: 1 });
  });

  it("treats everything as added when there was no config before", () => {
    const changes = diffConfigs(undefined, base);
    expect(changes.map((c) => c.path).sort()).toEqual(["origins", "pools", "routes"]);
    expect(changes.every((c) => c.op === "add")).toBe(true);
  });

  it("falls back to index paths when ids repeat (a document validation would refuse)", () => {
    const dup = { origins: [{ id: "a" }, { id: "a", weight: 2 }] };
    expect(diffConfigs({ origins: [{ id: "a" }, { id: "a" }] }, dup)).toEqual([{ op: "add", path: "origins[1].weight", to: 2 }]);
  });
});

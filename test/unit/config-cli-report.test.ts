/**
 * How the config CLI prints the admin API's answers (scripts/lib/admin-report.ts and
 * scripts/lib/table.ts): diff lines, the history and status tables, and when colour is
 * used. The same answers against a running worker are covered by config-cli-admin.test.ts.
 */
import { describe, expect, it } from "vitest";
import { expandCollections, formatChange, formatDiff, formatHistory, formatStatus } from "../../scripts/lib/admin-report.ts";
import { HealthAnswer, OriginsAnswer } from "../../scripts/lib/admin-answers.ts";
import { colourWanted, displayWidth, paint, renderTable } from "../../scripts/lib/table.ts";

const plain = paint(false);
const NOW = Date.parse("2026-11-20T12:00:00Z");

describe("diff lines", () => {
  it("shows a change with both values, an added or removed entity by its path, a smaller value with it", () => {
    expect(formatChange({ op: "change", path: "origins.aws-use1.weight", from: 3, to: 5 }, plain)).toBe("~ origins.aws-use1.weight: 3 → 5");
    expect(formatChange({ op: "add", path: "pools.eu2", to: { id: "eu2", origins: ["gcp-euw1"] } }, plain)).toBe("+ pools.eu2");
    expect(formatChange({ op: "remove", path: "routes.old", from: { id: "old" } }, plain)).toBe("- routes.old");
    expect(formatChange({ op: "add", path: "routes.api.geo.EU[1]", to: "eu2" }, plain)).toBe('+ routes.api.geo.EU[1]: "eu2"');
    expect(formatChange({ op: "remove", path: "origins.x.lat", from: 52.5 }, plain)).toBe("- origins.x.lat: 52.5");
  });

  it("lists a whole collection added against no config one member per line", () => {
    const expanded = expandCollections([
      { op: "add", path: "origins", to: { a: { id: "a" }, b: { id: "b" } } },
      { op: "add", path: "routes.api.geo", to: { EU: ["eu"] } },
    ]);
    expect(expanded.map((c) => formatChange(c, plain))).toEqual(["+ origins.a", "+ origins.b", "+ routes.api.geo"]);
  });

  it("says when there is nothing to change, and counts the changes otherwise", () => {
    expect(formatDiff("x.json", 4, [], plain)).toBe("x.json: no changes against version 4 (in force)");
    const text = formatDiff(
      "x.json",
      4,
      [
        { op: "add", path: "pools.eu2", to: {} },
        { op: "change", path: "a", from: 1, to: 2 },
      ],
      plain,
    );
    expect(text.split("\n")[0]).toBe("x.json against version 4 (in force): 2 change(s) (+1 -0 ~1)");
  });

  it("colours + green, - red, ~ yellow when colour is on", () => {
    const colour = paint(true);
    expect(formatChange({ op: "add", path: "p", to: 1 }, colour)).toBe("\x1b[32m+ p: 1\x1b[39m");
    expect(formatChange({ op: "remove", path: "p", from: 1 }, colour)).toBe("\x1b[31m- p: 1\x1b[39m");
    expect(formatChange({ op: "change", path: "p", from: 1, to: 2 }, colour)).toBe("\x1b[33m~ p: 1 → 2\x1b[39m");
  });
});

describe("colour", () => {
  it("is used on a terminal only, and never when NO_COLOR is set to something", () => {
    expect(colourWanted(true, {})).toBe(true);
    expect(colourWanted(true, { NO_COLOR: "" })).toBe(true);
    expect(colourWanted(true, { NO_COLOR: "1" })).toBe(false);
    expect(colourWanted(false, {})).toBe(false);
    expect(colourWanted(undefined, {})).toBe(false);
  });

  it("does not move the columns of a table", () => {
    const rows = [
      ["aws-use1", "healthy"],
      ["az-sea", "unhealthy"],
    ];
    const coloured = renderTable(
      ["ORIGIN", "HEALTH"],
      rows.map(([id, h]) => [paint(true).green(id ?? ""), h ?? ""]),
      paint(true),
    );
    const uncoloured = renderTable(["ORIGIN", "HEALTH"], rows, plain);
    expect(coloured.replace(/\x1b\[[0-9;]*m/g, "")).toBe(uncoloured);
    expect(uncoloured.split("\n")).toEqual(["ORIGIN    HEALTH", "aws-use1  healthy", "az-sea    unhealthy"]);
    expect(displayWidth(paint(true).red("→ x"))).toBe(3);
  });
});

describe("history table", () => {
  it("marks the version in force and shows who, why, the change counts and what a rollback restored", () => {
    const text = formatHistory(
      {
        current: 3,
        versions: [
          {
            version: 3,
            updatedAt: "2026-11-20T11:00:00.000Z",
            actor: "carol@ops",
            reason: "back",
            rollbackOf: 1,
            changes: { added: 0, removed: 1, changed: 2 },
          },
          {
            version: 2,
            updatedAt: "2026-11-20T10:00:00.000Z",
            actor: "bob@ops",
            reason: null,
            rollbackOf: null,
            changes: { added: 1, removed: 0, changed: 0 },
          },
        ],
      },
      plain,
    );
    const lines = text.split("\n");
    expect(lines[1]).toMatch(/^\* +3 +2026-11-20 11:00:00 UTC +carol@ops +back +\+0 -1 ~2 +1$/);
    expect(lines[2]).toMatch(/^ +2 +2026-11-20 10:00:00 UTC +bob@ops +\+1 -0 ~0$/);
    expect(lines[3]).toBe("* in force: version 3");
  });
});

describe("status table", () => {
  it("shows a drained origin's effective weight 0, its state and the override's reason, who and when", () => {
    const origins = OriginsAnswer.parse({
      origins: {
        "aws-use1": {
          pools: ["na"],
          configured: { weight: 3, enabled: true },
          effective: { weight: 0, enabled: true },
          healthy: true,
          overrides: { state: { value: "drained", reason: "kernel upgrade", actor: "alice@ops", at: NOW - 120_000 } },
        },
        "gcp-euw1": {
          pools: ["eu", "eu2"],
          configured: { weight: 1, enabled: true },
          effective: { weight: 1, enabled: true },
          healthy: false,
          overrides: {},
        },
      },
    });
    const health = HealthAnswer.parse({
      configVersion: 7,
      source: "durable_object",
      origins: {
        "aws-use1": { healthy: true, reason: "2 probes passed", ejected: false },
        "gcp-euw1": { healthy: false, reason: "503 from /healthz", ejected: true },
      },
    });
    const lines = formatStatus(origins, health, plain, NOW).split("\n");
    expect(lines[0]).toBe("config version 7 · health from the Durable Object");
    expect(lines[2]).toMatch(
      /^aws-use1 +na +healthy \(2 probes passed\) +no +3 +0 +drained +drained: kernel upgrade \(alice@ops, 2 min ago\)$/,
    );
    expect(lines[3]).toMatch(/^gcp-euw1 +eu,eu2 +unhealthy \(503 from \/healthz\) +yes +1 +1 +enabled$/);
  });

  it("names a registered origin's registrant, and says how many registered origins the page left out", () => {
    const health = HealthAnswer.parse({
      configVersion: 7,
      registrations: { total: 250, offset: 0, limit: 100, nextOffset: 100 },
      origins: {
        "svc-1": {
          healthy: true,
          reason: "heartbeat",
          pools: ["web"],
          weight: 1,
          registered: { url: "http://10.0.0.1", registrant: "team-a" },
        },
      },
    });
    const lines = formatStatus(OriginsAnswer.parse({ origins: {} }), health, plain, NOW).split("\n");
    expect(lines[2]).toMatch(/^svc-1 \(registered by team-a\) +web +healthy/);
    expect(lines.at(-1)).toBe("250 registered origins in all, 150 not shown (GET /_edgeway/register pages through them)");
  });
});

/** Config history through the admin API: dry-run validate with a diff, versions with who/when/why, per-version diffs, rollback. */
import { env } from "cloudflare:test";
import { describe, it } from "vitest";
import example from "../../examples/multi-cloud.json";
import { admin } from "./helpers.ts";

interface Change {
  op: "add" | "remove" | "change";
  path: string;
  from?: unknown;
  to?: unknown;
}
interface Version {
  version: number;
  updatedAt: string;
  actor: string | null;
  reason: string | null;
  rollbackOf: number | null;
  changes: { added: number; removed: number; changed: number } | null;
}

async function json<T>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

function put(document: unknown, actor: string, reason?: string): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json", "x-edgeway-actor": actor };
  if (reason !== undefined) headers["x-edgeway-reason"] = reason;
  return admin("/config", { method: "PUT", body: JSON.stringify(document), headers });
}

function variant(): typeof example {
  const doc = structuredClone(example);
  doc.origins[0]!.weight = 5;
  doc.origins.push({ id: "aws-euc1", url: "http://127.0.0.1:9105", region: "aws:eu-central-1", weight: 1 });
  doc.pools[1]!.origins.push("aws-euc1");
  return doc;
}

describe("config history", () => {
  it("validate is a dry run that shows the diff against the config in force and stores nothing", async ({ expect }) => {
    const { version } = await json<{ version: number }>(await put(example, "carol"));
    const keysBefore = (await env.CONFIG.list()).keys.map((k) => k.name);
    const res = await admin("/config/validate", {
      method: "POST",
      body: JSON.stringify(variant()),
      headers: { "content-type": "application/json" },
    });
    const body = await json<{ valid: boolean; version: number; summary: unknown; diff: Change[] }>(res);
    expect(body.valid).toBe(true);
    expect(body.version).toBe(version);
    expect(body.summary).toEqual({ origins: 5, pools: 3, routes: 1 });
    expect(body.diff).toEqual(
      expect.arrayContaining([
        { op: "change", path: "origins.aws-use1.weight", from: 3, to: 5 },
        {
          op: "add",
          path: "origins.aws-euc1",
          to: { id: "aws-euc1", url: "http://127.0.0.1:9105", region: "aws:eu-central-1", weight: 1 },
        },
        { op: "add", path: "pools.eu.origins[1]", to: "aws-euc1" },
      ]),
    );
    expect(body.diff).toHaveLength(3);
    expect((await env.CONFIG.list()).keys.map((k) => k.name)).toEqual(keysBefore);

    const bad = structuredClone(example);
    bad.routes[0]!.fallbackPool = "mars";
    const rejected = await json<{ valid: boolean; code: string; issues: { path: string }[] }>(
      await admin("/config/validate", { method: "POST", body: JSON.stringify(bad), headers: { "content-type": "application/json" } }),
      400,
    );
    expect(rejected.valid).toBe(false);
    expect(rejected.code).toBe("invalid_config");
    expect(rejected.issues.map((i) => i.path)).toContain("routes[0].fallbackPool");
  });

  it("lists versions newest first with who, when, why and how much changed, and diffs each against the one before", async ({ expect }) => {
    const v1 = (await json<{ version: number }>(await put(example, "carol", "baseline"))).version;
    const v2 = (await json<{ version: number }>(await put(variant(), "dave@host", "add Frankfurt"))).version;
    const history = await json<{ current: number; versions: Version[] }>(await admin("/config/history?limit=2"));
    expect(history.current).toBe(v2);
    expect(history.versions.map((v) => v.version)).toEqual([v2, v1]);
    expect(history.versions[0]).toMatchObject({
      actor: "dave@host",
      reason: "add Frankfurt",
      rollbackOf: null,
      changes: { added: 2, removed: 0, changed: 1 },
    });
    expect(history.versions[1]).toMatchObject({ actor: "carol", reason: "baseline" });
    expect(Date.parse(history.versions[0]!.updatedAt)).toBeGreaterThan(Date.now() - 60_000);

    const one = await json<Version & { document: unknown; previous: number; diff: Change[] }>(await admin(`/config/history/${v2}`));
    expect(one.document).toEqual(variant());
    expect(one.previous).toBe(v1);
    expect(one.diff).toContainEqual({ op: "change", path: "origins.aws-use1.weight", from: 3, to: 5 });

    const missing = await json<{ code: string; error: string }>(await admin("/config/history/999999"), 404);
    expect(missing.code).toBe("unknown_version");
    expect(missing.error).toMatch(/999999/);
    const notNumber = await json<{ code: string; error: string }>(await admin("/config/history/abc"), 400);
    expect(notNumber.error).toMatch(/version/);
  });

  it("rolls back to an earlier version as a new version, recorded as a rollback", async ({ expect }) => {
    const v1 = (await json<{ version: number }>(await put(example, "carol"))).version;
    await json(await put(variant(), "dave"));
    const rolled = await json<{ version: number; rolledBackTo: number }>(
      await admin("/config/rollback", {
        method: "POST",
        body: JSON.stringify({ version: v1, reason: "Frankfurt is flaky" }),
        headers: { "content-type": "application/json", "x-edgeway-actor": "erin" },
      }),
    );
    expect(rolled.rolledBackTo).toBe(v1);
    expect(rolled.version).toBeGreaterThan(v1 + 1);
    const inForce = await admin("/config");
    expect(inForce.headers.get("x-edgeway-config-version")).toBe(String(rolled.version));
    expect(await inForce.json()).toEqual(example);
    const history = await json<{ versions: Version[] }>(await admin("/config/history?limit=1"));
    expect(history.versions[0]).toMatchObject({
      version: rolled.version,
      actor: "erin",
      reason: "Frankfurt is flaky",
      rollbackOf: v1,
      changes: { added: 0, removed: 2, changed: 1 },
    });
  });

  it("refuses a rollback to a version that is not kept, or a bad body, and changes nothing", async ({ expect }) => {
    await json(await put(example, "carol"));
    const before = await env.CONFIG.get("config");
    const missing = await admin("/config/rollback", {
      method: "POST",
      body: JSON.stringify({ version: 424242 }),
      headers: { "content-type": "application/json" },
    });
    expect(missing.status).toBe(404);
    for (const body of ['{"version":"1"}', '{"version":0}', '{"version":1,"extra":true}', "{}", "not json"]) {
      const res = await admin("/config/rollback", { method: "POST", body, headers: { "content-type": "application/json" } });
      expect(res.status, body).toBe(400);
      expect(((await res.json()) as { error: string }).error.length, body).toBeGreaterThan(0);
    }
    expect(await env.CONFIG.get("config")).toBe(before);
  });

  it("a version that no longer validates cannot be rolled back to (409), and nothing changes", async ({ expect }) => {
    const { version } = await json<{ version: number }>(await put(example, "carol"));
    // A stored version written by an older Edgeway whose schema allowed more.
    const stale = { version: version + 1000, updatedAt: new Date().toISOString(), document: { origins: "old format" } };
    await env.CONFIG.put(`config:v:${stale.version}`, JSON.stringify(stale), {
      metadata: { version: stale.version, updatedAt: stale.updatedAt },
    });
    const before = await env.CONFIG.get("config");
    const res = await admin("/config/rollback", {
      method: "POST",
      body: JSON.stringify({ version: stale.version }),
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { error: string }).error).toMatch(/no longer validates: origins/);
    expect(await env.CONFIG.get("config")).toBe(before);
    await env.CONFIG.delete(`config:v:${stale.version}`);
  });
});

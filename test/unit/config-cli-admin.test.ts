/**
 * The config CLI's admin API commands (diff, history, rollback, status, drain/enable,
 * push --url) run as a user runs them — a child process on this Node — against a real
 * `wrangler dev` started once for this file (a free port, state in a temp directory, its
 * own ADMIN_TOKEN) with the example's origins as real HTTP servers on 127.0.0.1.
 * The tests run in order and tell one story: push, diff, push again, history, rollback,
 * drain, enable. What the CLI prints is checked against what the admin API itself says.
 */
import { spawn } from "node:child_process";
import { freePort } from "../../scripts/lib/loadtest/ports.ts";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir, userInfo } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOrigin } from "../../scripts/lib/origin-server.ts";
import type { OriginServer } from "../../scripts/lib/origin-server.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(ROOT, "scripts", "config-cli.ts");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const EXAMPLE = join(ROOT, "examples", "multi-cloud.json");
const TOKEN = "cli-test-token";
const STARTUP_MS = 120_000;
const TIMEOUT = 30_000;

interface Doc {
  origins: { id: string; url: string; weight?: number }[];
  pools: { id: string; origins: string[] }[];
  routes: { id: string; match: Record<string, string>; pools: string[] }[];
  [key: string]: unknown;
}

const dir = mkdtempSync(join(tmpdir(), "edgeway-cli-admin-"));
const origins: OriginServer[] = [];
let worker: ChildProcess | undefined;
const workerLog: string[] = [];
let base = "";
/** The config documents the story pushes, as files and as JSON. */
let v1File = "";
let v2File = "";
let v1Doc: Doc;
let v2Doc: Doc;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  output: string;
}

/** Runs the CLI (without blocking this process: the origins live here). */
function cli(args: readonly string[], env: Record<string, string | undefined> = { ADMIN_TOKEN: TOKEN }): Promise<Run> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };
  delete childEnv["ADMIN_TOKEN"];
  delete childEnv["NO_COLOR"];
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: childEnv,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: TIMEOUT - 5_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    child.on("close", (code) => done({ code, stdout, stderr, output: stdout + stderr }));
  });
}

/** The admin API asked directly, to compare what the CLI printed with the source. */
async function admin(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${base}/_edgeway${path}`, {
    ...init,
    headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
    signal: AbortSignal.timeout(20_000),
  });
}

/**
 * The rows of a table the CLI printed (no colour: stdout is a pipe), as objects keyed by
 * the header's column names; columns are cut at the header's offsets.
 */
function parseTable(text: string, firstColumn: string): Record<string, string>[] {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => l.trimStart().startsWith(firstColumn));
  expect(at, `no table headed ${firstColumn} in:\n${text}`).toBeGreaterThanOrEqual(0);
  const header = lines[at] ?? "";
  const columns = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], start: m.index }));
  const rows: Record<string, string>[] = [];
  for (const line of lines.slice(at + 1)) {
    if (line.trim() === "") continue;
    if (line.startsWith("* in force") || line.startsWith("no version")) break;
    const row: Record<string, string> = {};
    columns.forEach((c, i) => {
      row[c.name] = line.slice(c.start, columns[i + 1]?.start ?? line.length).trim();
    });
    // The history table's unnamed first column (the * mark) is the text before the first name.
    row["_mark"] = line.slice(0, columns[0]?.start ?? 0).trim();
    rows.push(row);
  }
  return rows;
}

function writeDoc(name: string, doc: Doc): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

beforeAll(async () => {
  const example = JSON.parse(readFileSync(EXAMPLE, "utf8")) as Doc;
  for (const o of example.origins) {
    const server = await startOrigin({ id: o.id, port: 0 });
    origins.push(server);
    o.url = server.url;
  }
  // v1: the example plus a route that v2 removes; v2: more weight on aws-use1 and a new pool.
  v1Doc = { ...example, routes: [...example.routes, { id: "old", match: { host: "old.example.com", pathPrefix: "/" }, pools: ["eu"] }] };
  v2Doc = structuredClone(example);
  const use1 = v2Doc.origins.find((o) => o.id === "aws-use1");
  expect(use1?.weight).toBe(3);
  if (use1 !== undefined) use1.weight = 5;
  v2Doc.pools.push({ id: "eu2", origins: ["gcp-euw1"] });
  v1File = writeDoc("v1.json", v1Doc);
  v2File = writeDoc("v2.json", v2Doc);

  const port = await freePort();
  const inspector = await freePort();
  base = `http://127.0.0.1:${port}`;
  worker = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--inspector-port",
      String(inspector),
      "--persist-to",
      join(dir, "state"),
      "--var",
      `ADMIN_TOKEN:${TOKEN}`,
      "--var",
      "EDGEWAY_DEBUG_HEADERS:true",
      "--show-interactive-dev-session=false",
    ],
    // Its own process group, so afterAll can end wrangler and the workerd it starts together.
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, detached: true },
  );
  for (const stream of [worker.stdout, worker.stderr]) {
    stream?.setEncoding("utf8").on("data", (chunk: string) => {
      workerLog.push(chunk);
      if (workerLog.length > 50) workerLog.shift();
    });
  }
  // Wait (bounded) until the worker answers at all: a 401 will do.
  const deadline = Date.now() + STARTUP_MS - 10_000;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`wrangler dev exited with ${worker.exitCode}:\n${workerLog.join("")}`);
    try {
      await fetch(`${base}/_edgeway/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.arrayBuffer());
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`wrangler dev did not answer on ${base}:\n${workerLog.join("")}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}, STARTUP_MS);

afterAll(async () => {
  const child = worker;
  if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const group = -child.pid;
    const exited = new Promise((r) => child.once("exit", r));
    process.kill(group, "SIGTERM");
    const outcome = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 10_000))]);
    if (outcome === "timeout") process.kill(group, "SIGKILL");
    // Whatever of the group outlived wrangler (workerd) goes too; ESRCH means nothing did.
    try {
      process.kill(group, "SIGKILL");
    } catch {
      // the group is gone
    }
  }
  await Promise.all(origins.map((o) => o.close()));
  rmSync(dir, { recursive: true, force: true });
}, 20_000);

describe("admin commands: reaching the worker", () => {
  it("exits 2 naming ADMIN_TOKEN when it is not set", { timeout: TIMEOUT }, async () => {
    const r = await cli(["status", "--url", base], {});
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain("set ADMIN_TOKEN");
  });

  it("exits 1 with the worker's 401 message on a wrong token", { timeout: TIMEOUT }, async () => {
    const direct = await fetch(`${base}/_edgeway/origins`, { headers: { authorization: "Bearer not-the-token" } });
    expect(direct.status).toBe(401);
    const message = ((await direct.json()) as { error: string }).error;
    const r = await cli(["status", "--url", base], { ADMIN_TOKEN: "not-the-token" });
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain("401");
  });

  it("status before any config is pushed exits 1 with the worker's message and how to push one", { timeout: TIMEOUT }, async () => {
    const r = await cli(["status", "--url", base]);
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toContain("409");
    expect(r.stderr).toContain(`push FILE --url ${base}`);
  });

  it("exits 1 saying the worker is not reachable, with the hint, when nothing listens at --url", { timeout: TIMEOUT }, async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const r = await cli(["history", "--url", closed]);
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toContain(`not reachable at ${closed}`);
    expect(r.stderr).toContain("ECONNREFUSED");
    expect(r.stderr).toContain("npm start");
    expect(r.stderr).toContain("--url");
  });
});

describe("admin commands: config push, diff, history, rollback", () => {
  let v1 = 0;
  let v2 = 0;

  it("push --url stores the document with who and why", { timeout: TIMEOUT }, async () => {
    const r = await cli(["push", v1File, "--url", base, "--reason", "first cut", "--actor", "alice@test"]);
    expect(r.code, r.output).toBe(0);
    v1 = Number(/pushed version (\d+) to /.exec(r.stdout)?.[1]);
    const current = await admin("/config");
    expect(current.headers.get("x-edgeway-config-version")).toBe(String(v1));
    expect(await current.json()).toEqual(v1Doc);
  });

  it("diff of a changed file lists exactly its changes, and changes nothing", { timeout: TIMEOUT }, async () => {
    const r = await cli(["diff", v2File, "--url", base]);
    expect(r.code, r.output).toBe(0);
    const changes = r.stdout
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => /^[+~-] /.test(l));
    expect(changes.sort()).toEqual(["+ pools.eu2", "- routes.old", "~ origins.aws-use1.weight: 3 → 5"]);
    expect(r.stdout).toContain(`against version ${v1}`);
    expect(r.output).not.toContain("\x1b[");
    const current = await admin("/config");
    expect(current.headers.get("x-edgeway-config-version")).toBe(String(v1));
  });

  it("diff of the document in force says there are no changes (exit 0)", { timeout: TIMEOUT }, async () => {
    const r = await cli(["diff", v1File, "--url", base]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain(`no changes against version ${v1}`);
  });

  it("diff of an invalid file exits 1 listing the issue by field", { timeout: TIMEOUT }, async () => {
    const bad = structuredClone(v2Doc);
    bad.routes[0]?.pools.push("mars");
    const r = await cli(["diff", writeDoc("bad.json", bad), "--url", base]);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/routes\[0\]\.pools\[3\]: .*"mars"/);
  });

  it("history lists the versions newest first with actor, reason and changes, marking the one in force", { timeout: TIMEOUT }, async () => {
    const push = await cli(["push", v2File, "--url", base, "--reason", "more use1", "--actor", "bob@test"]);
    expect(push.code, push.output).toBe(0);
    v2 = Number(/pushed version (\d+) to /.exec(push.stdout)?.[1]);
    expect(v2).toBeGreaterThan(v1);

    const r = await cli(["history", "--url", base]);
    expect(r.code, r.output).toBe(0);
    const rows = parseTable(r.stdout, "VERSION");
    expect(rows.map((row) => row["VERSION"])).toEqual([String(v2), String(v1)]);
    expect(rows[0]).toMatchObject({ _mark: "*", WHO: "bob@test", REASON: "more use1", CHANGES: "+1 -1 ~1" });
    expect(rows[1]).toMatchObject({ _mark: "", WHO: "alice@test", REASON: "first cut" });
    expect(r.stdout).toContain(`* in force: version ${v2}`);

    const limited = await cli(["history", "--limit", "1", "--url", base]);
    expect(parseTable(limited.stdout, "VERSION").map((row) => row["VERSION"])).toEqual([String(v2)]);
  });

  it("rollback N puts version N's document in force again as a new version", { timeout: TIMEOUT }, async () => {
    const r = await cli(["rollback", String(v1), "--reason", "use1 overloaded", "--url", base]);
    expect(r.code, r.output).toBe(0);
    const v3 = Number(new RegExp(`rolled back to version ${v1}: now in force as version (\\d+)`).exec(r.stdout)?.[1]);
    expect(v3).toBeGreaterThan(v2);
    const current = await admin("/config");
    expect(current.headers.get("x-edgeway-config-version")).toBe(String(v3));
    expect(await current.json()).toEqual(v1Doc);

    const history = parseTable((await cli(["history", "--url", base])).stdout, "VERSION");
    // No --actor: the CLI sends user@host.
    expect(history[0]).toMatchObject({
      _mark: "*",
      VERSION: String(v3),
      "ROLLBACK OF": String(v1),
      REASON: "use1 overloaded",
      WHO: `${userInfo().username}@${hostname()}`,
    });
  });

  it("rollback to a version that does not exist exits 1 with the worker's message", { timeout: TIMEOUT }, async () => {
    const r = await cli(["rollback", "9999", "--url", base]);
    expect(r.code, r.output).toBe(1);
    expect(r.stderr).toContain("404");
    expect(r.stderr).toContain("9999");
  });
});

describe("admin commands: status, drain, enable", () => {
  const statusRow = async (id: string): Promise<Record<string, string>> => {
    const r = await cli(["status", "--url", base]);
    expect(r.code, r.output).toBe(0);
    const row = parseTable(r.stdout, "ORIGIN").find((x) => x["ORIGIN"] === id);
    expect(row, r.stdout).toBeDefined();
    return row ?? {};
  };

  it("status lists every origin of the config in force with its pools, health and weights", { timeout: TIMEOUT }, async () => {
    const r = await cli(["status", "--url", base]);
    expect(r.code, r.output).toBe(0);
    const rows = parseTable(r.stdout, "ORIGIN");
    expect(rows.map((row) => row["ORIGIN"])).toEqual(v1Doc.origins.map((o) => o.id));
    const health = (await (await admin("/health")).json()) as { origins: Record<string, { healthy: boolean; ejected: boolean }> };
    for (const o of v1Doc.origins) {
      const row = rows.find((x) => x["ORIGIN"] === o.id);
      const pools = v1Doc.pools.filter((p) => p.origins.includes(o.id)).map((p) => p.id);
      expect(row?.["POOLS"]).toBe(pools.join(","));
      expect(row?.["HEALTH"]).toMatch(health.origins[o.id]?.healthy === true ? /^healthy/ : /^unhealthy/);
      expect(row?.["EJECTED"]).toBe(health.origins[o.id]?.ejected === true ? "yes" : "no");
      expect(row?.["WEIGHT"]).toBe(String(o.weight ?? 1));
      expect(row?.["EFFECTIVE"]).toBe(String(o.weight ?? 1));
      expect(row?.["STATE"]).toBe("enabled");
    }
  });

  it("drain shows the origin drained with effective weight 0 and the reason; enable undoes it", { timeout: TIMEOUT * 2 }, async () => {
    const drain = await cli(["drain", "aws-use1", "--reason", "kernel upgrade", "--url", base]);
    expect(drain.code, drain.output).toBe(0);
    const drained = await statusRow("aws-use1");
    expect(drained).toMatchObject({ STATE: "drained", WEIGHT: "3", EFFECTIVE: "0" });
    expect(drained["OVERRIDES"]).toContain("kernel upgrade");

    const enable = await cli(["enable", "aws-use1", "--url", base]);
    expect(enable.code, enable.output).toBe(0);
    expect(await statusRow("aws-use1")).toMatchObject({ STATE: "enabled", WEIGHT: "3", EFFECTIVE: "3", OVERRIDES: "" });
  });

  it("undrain is enable by another name", { timeout: TIMEOUT * 2 }, async () => {
    expect((await cli(["drain", "gcp-euw1", "--reason", "move to eu2", "--url", base])).code).toBe(0);
    expect((await statusRow("gcp-euw1"))["STATE"]).toBe("drained");
    const r = await cli(["undrain", "gcp-euw1", "--url", base]);
    expect(r.code, r.output).toBe(0);
    expect((await statusRow("gcp-euw1"))["STATE"]).toBe("enabled");
  });

  it("drain without --reason is a usage error; an unknown origin exits 1 with the worker's message", { timeout: TIMEOUT }, async () => {
    const noReason = await cli(["drain", "aws-use1", "--url", base]);
    expect(noReason.code, noReason.output).toBe(2);
    expect(noReason.stderr).toContain("--reason");
    const unknown = await cli(["drain", "mars-1", "--reason", "test", "--url", base]);
    expect(unknown.code, unknown.output).toBe(1);
    expect(unknown.stderr).toContain("404");
    expect(unknown.stderr).toContain("mars-1");
  });
});

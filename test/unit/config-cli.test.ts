/**
 * The config CLI (scripts/config-cli.ts) as a user runs it: a child process on this
 * Node, judged by exit code and output. Exit codes: 0 ok, 1 invalid config or failed
 * push, 2 usage error or unreadable/non-JSON file (no arguments at all is a usage error:
 * usage text on stderr, exit 2; `--help` prints it on stdout with exit 0).
 * `push` is tested here against local KV, in a temp --persist-to directory so the
 * repo's .wrangler state is never touched; `push --url` and the other admin API commands
 * run against a real worker in config-cli-admin.test.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(ROOT, "scripts", "config-cli.ts");
const EXAMPLE = join(ROOT, "examples", "multi-cloud.json");
const TIMEOUT = 60_000; // three wrangler runs per push; generous for a loaded 2-core machine
const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };

const dir = mkdtempSync(join(tmpdir(), "edgeway-cli-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string; output: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: "utf8", timeout: TIMEOUT - 2_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr, output: run.stdout + run.stderr };
}

function writeTemp(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const example = (): { routes: { pools: string[] }[] } & Record<string, unknown> => JSON.parse(readFileSync(EXAMPLE, "utf8"));

describe("config validate", () => {
  it("accepts the shipped example and counts what it holds", { timeout: TIMEOUT }, () => {
    const r = cli("validate", EXAMPLE);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout.trim()).toBe("valid: 4 origins, 3 pools, 1 routes");
  });

  it("rejects an unknown pool reference with exit 1 and names the field", { timeout: TIMEOUT }, () => {
    const doc = example();
    doc.routes[0]!.pools[1] = "mars";
    const r = cli("validate", writeTemp("unknown-pool.json", JSON.stringify(doc)));
    expect(r.code, r.output).toBe(1);
    expect(r.output).toMatch(/^ {2}routes\[0\]\.pools\[1\]: .*"mars"/m);
  });

  it("exits 2 on a file that is not JSON, naming the file and the JSON error", { timeout: TIMEOUT }, () => {
    const file = writeTemp("broken.json", "{ origins: [");
    const r = cli("validate", file);
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/not valid JSON: .+/);
  });

  it("exits 2 on a file that does not exist", { timeout: TIMEOUT }, () => {
    const r = cli("validate", join(dir, "missing.json"));
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toContain("missing.json");
  });
});

describe("usage", () => {
  it("prints usage and exits 2 with no arguments", { timeout: TIMEOUT }, () => {
    const r = cli();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage:");
    expect(r.stderr).toMatch(/validate FILE/);
    expect(r.stderr).toMatch(/push FILE/);
  });

  it("prints usage on stdout and exits 0 for --help", { timeout: TIMEOUT }, () => {
    const r = cli("--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--remote/);
    expect(r.stdout).toMatch(/Exit codes/);
    // The help is built from the command table: every command, its arguments, its aliases.
    for (const line of ["diff FILE", "history", "rollback N", "status", "drain ORIGIN", "enable ORIGIN   (alias: undrain)", "--limit N"])
      expect(r.stdout).toContain(line);
  });

  it("exits 2 on an unknown command or flag", { timeout: TIMEOUT }, () => {
    expect(cli("frobnicate").code).toBe(2);
    expect(cli("validate", "--nope", EXAMPLE).code).toBe(2);
  });

  it("push --url without ADMIN_TOKEN is a usage error", { timeout: TIMEOUT }, () => {
    const rest = { ...env };
    delete rest["ADMIN_TOKEN"];
    const run = spawnSync(process.execPath, [CLI, "push", EXAMPLE, "--url", "http://127.0.0.1:9"], {
      cwd: ROOT,
      env: rest,
      encoding: "utf8",
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("ADMIN_TOKEN");
  });
});

describe("config push to local KV", () => {
  const persist = join(dir, "kv-state");
  const kvGet = (key: string): string => {
    const run = spawnSync(
      process.execPath,
      [join(ROOT, "node_modules", ".bin", "wrangler"), "kv", "key", "get", key, "--binding", "CONFIG", "--local", "--persist-to", persist],
      { cwd: ROOT, env, encoding: "utf8" },
    );
    expect(run.status, run.stderr).toBe(0);
    return run.stdout;
  };

  it("refuses an invalid document and writes nothing", { timeout: TIMEOUT }, () => {
    const doc = example();
    doc.routes[0]!.pools[1] = "mars";
    const r = cli("push", writeTemp("invalid-push.json", JSON.stringify(doc)), "--persist-to", persist);
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain("routes[0].pools[1]");
  });

  it("stores version 1 under config and config:v:1", { timeout: TIMEOUT }, () => {
    const r = cli("push", EXAMPLE, "--persist-to", persist);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain("pushed version 1 to local KV");
    const envelope = JSON.parse(kvGet("config")) as { version: number; updatedAt: string; document: unknown };
    expect(envelope.version).toBe(1);
    expect(Number.isNaN(Date.parse(envelope.updatedAt))).toBe(false);
    expect(envelope.document).toEqual(example());
    expect(JSON.parse(kvGet("config:v:1"))).toEqual(envelope);
  });
});

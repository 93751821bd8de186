/**
 * `config import` and `config export` as a user runs them: a child process, judged by exit
 * code and output. 0 everything carried over; 3 imported with fields listed as dropped;
 * 2 unusable input (malformed YAML names file and line, unknown kind, conflicts).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const CLI = join(ROOT, "scripts", "config-cli.ts");
const TIMEOUT = 30_000;
const dir = mkdtempSync(join(tmpdir(), "edgeway-import-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8", timeout: TIMEOUT - 2_000 });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("config import / export", () => {
  it("imports the Cloudflare example, prints a valid config and lists what it dropped (exit 3)", { timeout: TIMEOUT }, ({ expect }) => {
    const run = cli(
      "import",
      "--from",
      "cloudflare",
      ...["monitors", "pools", "load-balancers"].map((f) => `examples/import/cloudflare/${f}.json`),
    );
    expect(run.code).toBe(3);
    expect(validateConfig(JSON.parse(run.stdout)).ok).toBe(true);
    expect(run.stderr).toMatch(/field\(s\) not imported as they were/);
    expect(run.stderr).toMatch(/load-balancers\.json: result\[0\]\.adaptive_routing — /);
  });

  it("exits 0 when nothing was dropped, and export → import round-trips through files", { timeout: TIMEOUT }, ({ expect }) => {
    const config = {
      origins: [{ id: "a", url: "https://192.0.2.1" }],
      monitors: [{ id: "m", type: "https", path: "/healthz" }],
      pools: [{ id: "p", origins: ["a"], monitor: "m" }],
      routes: [{ id: "r", match: { host: "www.example.com", pathPrefix: "/" }, pools: ["p"], fallbackPool: "p" }],
    };
    const file = join(dir, "edgeway.json");
    writeFileSync(file, JSON.stringify(config));
    const exported = cli("export", "--to", "cloudflare", file);
    expect(exported.code).toBe(0);
    const cf = join(dir, "cf.json");
    writeFileSync(cf, exported.stdout);
    const back = cli("import", "--from", "cloudflare", cf);
    expect(back.stderr).toMatch(/every field was imported/);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ origins: [{ id: "a", url: "https://192.0.2.1" }], routes: [{ pools: ["p"] }] });
  });

  it("refuses malformed YAML naming the file and line, and a missing --from (exit 2)", { timeout: TIMEOUT }, ({ expect }) => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "kind: VirtualService\nspec:\n  hosts: [a\n  http: 1\n");
    const run = cli("import", "--from", "istio", bad);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad\.yaml:\d+: /);
    expect(cli("import", bad).code).toBe(2);
  });
});

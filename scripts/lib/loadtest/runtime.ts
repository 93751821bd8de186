/**
 * Runs workers on the production runtime, workerd, for the load test. Two launchers,
 * one interface:
 *
 * - `workerd` (default): `workerd serve` with a generated capnp config — the runtime and
 *   nothing else on the request path, as in production. Edgeway gets a SQLite-backed
 *   `OriginState` Durable Object on local disk and a KV namespace served from memory by
 *   bench/loadtest/kv-worker.js (Edgeway reads it every 5 s, never per request).
 * - `miniflare`: the Miniflare API with `unsafeDirectSockets` (load goes to workerd's own
 *   socket, skipping Miniflare's entry worker): Miniflare's own KV. Miniflare also puts a
 *   JavaScript "outbound interceptor" worker in front of every subrequest, so each proxied
 *   request costs a second JS hop that production does not have — for Edgeway and the
 *   pass-through alike.
 *
 * Either starts in ~0.1–0.3 s; each worker gets its own workerd process. Edgeway runs as
 * `wrangler deploy --dry-run` bundles it (what `npm run build` ships).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { launchWithMiniflare } from "./runtime-miniflare.ts";
import { launchWithWorkerd } from "./runtime-workerd.ts";

export type RuntimeName = "workerd" | "miniflare";

export interface WorkerModule {
  /** The module's name (relative imports between modules resolve against it). */
  readonly name: string;
  readonly contents: string;
}

export interface WorkerSpec {
  readonly name: string;
  /** The first one is the main module. */
  readonly modules: readonly WorkerModule[];
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  readonly vars: Readonly<Record<string, string>>;
  /** KV binding names (each gets its own empty namespace). */
  readonly kv?: readonly string[];
  /** Durable Object binding → class name exported by the main module (SQLite-backed). */
  readonly durableObjects?: Readonly<Record<string, string>>;
  /** workerd only: open the V8 inspector on 127.0.0.1:PORT (for `npm run profile`). */
  readonly inspectorPort?: number;
}

export interface RunningWorker {
  readonly name: string;
  /** http://127.0.0.1:PORT/ — workerd's own socket. */
  readonly url: URL;
  /** The workerd process serving it (for CPU accounting), when known. */
  readonly pid: number | undefined;
  /** The last lines the worker and the runtime logged. */
  readonly logTail: readonly string[];
  dispose(): Promise<void>;
}

/** Starts a worker; `dir` is a scratch directory it may own (config, Durable Object storage). */
export function launchWorker(runtime: RuntimeName, spec: WorkerSpec, dir: string): Promise<RunningWorker> {
  return runtime === "workerd" ? launchWithWorkerd(spec, dir) : launchWithMiniflare(spec);
}

/** `compatibility_date` and `compatibility_flags` from wrangler.toml. */
export function compatibility(root: string): { date: string; flags: string[] } {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (date === undefined) throw new Error("wrangler.toml has no compatibility_date");
  const flags = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(toml)?.[1];
  return { date, flags: flags === undefined ? [] : [...flags.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? "") };
}

/**
 * Bundles Edgeway with `wrangler deploy --dry-run --outdir DIR` and reads the modules it wrote
 * (`extraArgs`: e.g. `--no-minify`, so a profile names functions as the source does).
 */
export async function bundleEdgeway(root: string, outDir: string, extraArgs: readonly string[] = []): Promise<WorkerModule[]> {
  const wrangler = join(root, "node_modules", ".bin", "wrangler");
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", outDir, ...extraArgs], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
    });
    child.stdout.setEncoding("utf8").on("data", (c: string) => output.push(c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => output.push(c));
    child.once("error", reject);
    child.once("exit", resolve);
  });
  if (code !== 0)
    throw new Error(`wrangler deploy --dry-run failed (exit ${code}):\n${output.join("").trim().split("\n").slice(-20).join("\n")}`);
  const files = readdirSync(outDir).filter((f) => !f.endsWith(".map") && f !== "README.md");
  for (const f of files) if (!/\.m?js$/.test(f)) throw new Error(`the bundle holds a module the load test cannot load: ${f}`);
  if (!files.includes("index.js")) throw new Error(`wrangler wrote no index.js to ${outDir}`);
  // The entry module first.
  return ["index.js", ...files.filter((f) => f !== "index.js").sort()].map((name) => ({
    name,
    contents: readFileSync(join(outDir, name), "utf8"),
  }));
}

/** A worker that is one module file. */
export function moduleFile(path: string): WorkerModule[] {
  return [{ name: path.slice(path.lastIndexOf("/") + 1), contents: readFileSync(path, "utf8") }];
}

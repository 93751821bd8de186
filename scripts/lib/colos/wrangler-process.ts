/**
 * One `wrangler dev` process of the many-colo harness: started in its own process group
 * (so stopping it also ends the workerd it runs), its output kept as a bounded tail for
 * error messages, readiness polled with a deadline, and a stop that cannot hang.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

/** Lines of wrangler output kept per process for error messages. */
const LOG_TAIL_LINES = 60;

export interface WranglerOptions {
  /** The repository root: where node_modules and src/ live. */
  readonly root: string;
  /** The wrangler config file to run. */
  readonly config: string;
  /** Directory wrangler runs in (its .wrangler/ scratch files go there). */
  readonly cwd: string;
  readonly port: number;
  readonly inspectorPort: number;
  /** Local KV and Durable Object state. */
  readonly persistTo: string;
  /** Worker variables (`--var NAME:value`). */
  readonly vars: Readonly<Record<string, string>>;
  /** The dev registry this harness's workers find each other in (WRANGLER_REGISTRY_PATH). */
  readonly registry: string;
  /** Every output line, prefixed by the caller (for `--verbose`). */
  readonly onLine?: (line: string) => void;
}

export interface WranglerProcess {
  readonly url: string;
  readonly pid: number | undefined;
  /** The last lines wrangler printed. */
  tail(): string;
  /** Why the process is gone, or undefined while it runs. */
  exited(): string | undefined;
  /** SIGTERM to the group, SIGKILL after `graceMs`; resolves once it is gone. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Node 22 for wrangler (the `node` devDependency) whatever Node runs the caller. */
export function nodeBinary(root: string): string {
  const local = join(root, "node_modules", ".bin", "node");
  return existsSync(local) ? local : process.execPath;
}

export function startWrangler(options: WranglerOptions): WranglerProcess {
  const args = [
    join(options.root, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--config",
    options.config,
    "--port",
    String(options.port),
    "--ip",
    "127.0.0.1",
    "--inspector-port",
    String(options.inspectorPort),
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    ...Object.entries(options.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ];
  const child: ChildProcess = spawn(nodeBinary(options.root), args, {
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_REGISTRY_PATH: options.registry, NO_COLOR: "1" },
    // Its own process group: stop() ends wrangler and the workerd it starts together.
    detached: true,
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream?.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        lines.push(line);
        if (lines.length > LOG_TAIL_LINES) lines.shift();
        options.onLine?.(line);
      }
    });
  }
  let exit: string | undefined;
  const gone = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = `wrangler dev exited (${signal ?? `code ${code}`})`;
      resolve();
    });
    child.once("error", (error) => {
      exit = `wrangler dev could not start: ${error.message}`;
      resolve();
    });
  });
  let stopping: Promise<void> | undefined;
  const signalGroup = (signal: NodeJS.Signals): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // ESRCH: the group is gone already.
    }
  };
  return {
    url: `http://127.0.0.1:${options.port}`,
    pid: child.pid,
    tail: () => lines.join("\n"),
    exited: () => exit,
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (exit === undefined) {
          signalGroup("SIGTERM");
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([gone, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
          clearTimeout(timer);
        }
        // Whatever of the group outlived wrangler (workerd, esbuild) goes too.
        signalGroup("SIGKILL");
        await Promise.race([gone, new Promise<void>((resolve) => setTimeout(resolve, 1_000))]);
      })();
      return stopping;
    },
  };
}

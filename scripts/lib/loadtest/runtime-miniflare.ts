/**
 * The Miniflare launcher (`--runtime miniflare`): the `miniflare` package wrangler itself
 * runs, with `unsafeDirectSockets` so load reaches workerd's socket directly.
 */
import { Log, LogLevel, Miniflare, convertV4MiniflareOptions } from "miniflare";
import { LogTail } from "./log-tail.ts";
import { childPids } from "./proc.ts";
import type { RunningWorker, WorkerSpec } from "./runtime.ts";

/** Keeps Miniflare's own messages (warnings and up) in the tail instead of on the terminal. */
class TailLog extends Log {
  readonly #tail: LogTail;
  constructor(tail: LogTail) {
    super(LogLevel.WARN);
    this.#tail = tail;
  }
  protected override log(message: string): void {
    this.#tail.push(message);
  }
}

export async function launchWithMiniflare(spec: WorkerSpec): Promise<RunningWorker> {
  const tail = new LogTail();
  const before = new Set(childPids(process.pid, "workerd"));
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      cf: false,
      log: new TailLog(tail),
      // Worker console output (Edgeway's structured logs) goes to the tail, not the terminal.
      handleStructuredLogs: (entry) => tail.push(`${entry.level}: ${entry.message}`),
      telemetry: { enabled: false },
      name: spec.name,
      compatibilityDate: spec.compatibilityDate,
      compatibilityFlags: [...spec.compatibilityFlags],
      modulesRoot: "/",
      modules: spec.modules.map((m) => ({ type: "ESModule" as const, path: `/${m.name}`, contents: m.contents })),
      bindings: { ...spec.vars },
      kvNamespaces: Object.fromEntries((spec.kv ?? []).map((binding) => [binding, `${spec.name}-${binding}`])),
      durableObjects: Object.fromEntries(
        Object.entries(spec.durableObjects ?? {}).map(([binding, className]) => [binding, { className, useSQLite: true }]),
      ),
      unsafeDirectSockets: [{ host: "127.0.0.1", port: 0 }],
    }),
  );
  try {
    await mf.ready;
    const url = await mf.unsafeGetDirectURL(spec.name);
    const pid = childPids(process.pid, "workerd").find((p) => !before.has(p));
    return {
      name: spec.name,
      url: new URL(`http://127.0.0.1:${url.port}/`),
      pid,
      logTail: tail.lines,
      dispose: () => mf.dispose(),
    };
  } catch (error) {
    await mf.dispose().catch(() => undefined);
    throw error;
  }
}

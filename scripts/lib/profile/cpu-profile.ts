/**
 * Records a V8 CPU profile from workerd's inspector (Chrome DevTools Protocol over a
 * WebSocket on loopback) and sums it up: self time per function, and inclusive time per
 * function counted once per sample however deep it recurses.
 */
import WebSocket from "ws";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

/** The Profiler.stop result (a `.cpuprofile` file for DevTools). */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** The first inspectable target's WebSocket address. */
async function targetUrl(port: number): Promise<string> {
  for (const path of ["/json/list", "/json"]) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
    if (response?.ok !== true) continue;
    const targets = (await response.json()) as { webSocketDebuggerUrl?: string }[];
    const found = targets.find((t) => typeof t.webSocketDebuggerUrl === "string")?.webSocketDebuggerUrl;
    if (found !== undefined) return found.replace("localhost", "127.0.0.1");
  }
  throw new Error(`no inspectable worker on 127.0.0.1:${port}`);
}

/** Profiles while `work` runs; the sampling interval is 100 µs. */
export async function recordProfile<T>(port: number, work: () => Promise<T>): Promise<{ profile: CpuProfile; result: T }> {
  const socket = new WebSocket(await targetUrl(port));
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  let seq = 0;
  const waiting = new Map<number, (message: { result?: unknown; error?: { message: string } }) => void>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id !== undefined) waiting.get(message.id)?.(message);
  });
  const call = (method: string, params: Record<string, unknown> = {}): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      const timer = setTimeout(() => reject(new Error(`${method}: no answer from the inspector in 30 s`)), 30_000);
      waiting.set(id, (message) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (message.error !== undefined) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: 100 });
    await call("Profiler.start");
    const result = await work();
    const { profile } = (await call("Profiler.stop")) as { profile: CpuProfile };
    return { profile, result };
  } finally {
    socket.close();
  }
}

const IDLE = new Set(["(idle)", "(program)", "(garbage collector)", "(root)"]);

const keyOf = (frame: CallFrame): string =>
  `${frame.functionName || "(anonymous)"}${frame.url === "" ? "" : ` ${frame.url.slice(frame.url.lastIndexOf("/") + 1)}:${frame.lineNumber + 1}`}`;

/** A table of the busiest functions: self and inclusive shares of busy samples, µs per request. */
export function summarizeProfile(profile: CpuProfile, options: { top: number; requests: number }): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const samples = profile.samples ?? [];
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  let gc = 0;
  let program = 0;
  for (const id of samples) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const name = node.callFrame.functionName;
    if (name === "(garbage collector)") gc++;
    if (name === "(program)") program++;
    if (IDLE.has(name)) continue;
    busy++;
    const own = keyOf(node.callFrame);
    self.set(own, (self.get(own) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || IDLE.has(frame.functionName)) continue;
      const key = keyOf(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + 1);
    }
  }
  const seconds = (profile.endTime - profile.startTime) / 1e6;
  const usPerSample = samples.length > 0 ? (seconds * 1e6) / samples.length : 0;
  const perRequest = (n: number): string => (options.requests > 0 ? ((n * usPerSample) / options.requests).toFixed(1) : "—");
  const pct = (n: number): string => (busy > 0 ? ((100 * n) / busy).toFixed(1) : "0.0");
  const table = (title: string, counts: Map<string, number>): string[] => [
    "",
    `${title}`,
    "   share  µs/req  function",
    ...[...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, options.top)
      .map(([key, n]) => `  ${pct(n).padStart(5)} %  ${perRequest(n).padStart(6)}  ${key}`),
  ];
  return [
    `${samples.length} samples over ${seconds.toFixed(1)} s (${usPerSample.toFixed(0)} µs each); ${busy} in JavaScript = ${perRequest(busy)} µs per request; garbage collection ${perRequest(gc)} µs and the runtime outside JavaScript ("(program)") ${perRequest(program)} µs per request`,
    ...table("Self time (where the CPU was):", self),
    ...table("Inclusive time (under this function):", inclusive),
  ].join("\n");
}

/**
 * The origins, seen from the load test: a child process (./origins-child.ts) that runs
 * every stand-in origin on 127.0.0.1, so serving them never steals the load generator's
 * event loop. This side starts it, asks it to start, kill or restart origins, and reads
 * the per-origin request counts it keeps in time buckets.
 */
import { fork } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

export interface OriginSpec {
  readonly id: string;
  /** 0 or absent: a free port. */
  readonly port?: number;
  readonly latencyMs: number;
}

export interface OriginCounts {
  /** Requests served since the origin was first started (control paths and /healthz excluded). */
  readonly total: number;
  /** Requests served per bucket since the last `track` call. */
  readonly buckets: number[];
  /** When it first served a request after its last (re)start (ms since the epoch), or null. */
  readonly firstRequestAt: number | null;
}

type Op =
  | { op: "start"; origins: OriginSpec[] }
  | { op: "kill"; id: string }
  | { op: "restart"; id: string }
  | { op: "track"; t0: number; bucketMs: number }
  | { op: "counts" }
  | { op: "close" };

export type OriginRequest = Op & { seq: number };
export type OriginReply = { seq: number; ok: true; result: unknown } | { seq: number; ok: false; error: string };

const CHILD = fileURLToPath(new URL("./origins-child.ts", import.meta.url));

export class OriginProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #seq = 0;
  readonly ready: Promise<void>;
  /** Origin id → port, for every origin started. */
  readonly ports = new Map<string, number>();

  constructor() {
    this.#child = fork(CHILD, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], env: { ...process.env } });
    this.ready = new Promise((resolve, reject) => {
      this.#pending.set(0, { resolve: () => resolve(), reject });
      this.#child.once("exit", (code, signal) => {
        const error = new Error(`origin process exited (${signal ?? `code ${code}`})`);
        for (const p of this.#pending.values()) p.reject(error);
        this.#pending.clear();
      });
    });
    this.#child.on("message", (reply: OriginReply) => {
      const pending = this.#pending.get(reply.seq);
      if (pending === undefined) return;
      this.#pending.delete(reply.seq);
      if (reply.ok) pending.resolve(reply.result);
      else pending.reject(new Error(reply.error));
    });
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #call(op: Op): Promise<unknown> {
    const seq = ++this.#seq;
    return new Promise((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject });
      this.#child.send({ ...op, seq } satisfies OriginRequest);
    });
  }

  /** Starts origins; resolves with their URLs by id. */
  async start(origins: OriginSpec[]): Promise<Map<string, string>> {
    await this.ready;
    const started = (await this.#call({ op: "start", origins })) as { id: string; port: number }[];
    const urls = new Map<string, string>();
    for (const { id, port } of started) {
      this.ports.set(id, port);
      urls.set(id, `http://127.0.0.1:${port}`);
    }
    return urls;
  }

  /** Closes the origin's listener and destroys its sockets; resolves with the time it was done. */
  kill(id: string): Promise<number> {
    return this.#call({ op: "kill", id }) as Promise<number>;
  }

  /** Listens again on the same port; resolves with the time it listens. */
  restart(id: string): Promise<number> {
    return this.#call({ op: "restart", id }) as Promise<number>;
  }

  /** Starts bucketed counting: bucket i covers [t0 + i × bucketMs, t0 + (i + 1) × bucketMs). */
  async track(t0: number, bucketMs: number): Promise<void> {
    await this.#call({ op: "track", t0, bucketMs });
  }

  counts(): Promise<Record<string, OriginCounts>> {
    return this.#call({ op: "counts" }) as Promise<Record<string, OriginCounts>>;
  }

  /** Closes every origin and ends the process (SIGKILL if it does not go within 3 s). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    try {
      if (child.connected) await Promise.race([this.#call({ op: "close" }), new Promise((r) => setTimeout(r, 2_000))]);
    } catch {
      // Already going.
    }
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
    await exited;
    clearTimeout(timer);
  }
}

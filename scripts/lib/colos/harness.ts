/**
 * The many-colo harness: N real Edgeway workers on this machine, each a `wrangler dev`
 * process playing one colo, all sharing one OriginState Durable Object, with real origin
 * servers on 127.0.0.1. The first worker runs the repository's wrangler.toml and owns the
 * object; every other one runs a generated config (in a temp dir) whose ORIGIN_STATE and
 * COLO_AGGREGATOR bindings name `script_name = "edgeway"`, so the local dev registry
 * connects it to the first worker's objects, as every isolate of every colo shares the one
 * object (and each colo's isolates their colo's aggregator) in production. Each worker plays its colo through local-only variables (EDGEWAY_COLO,
 * EDGEWAY_COUNTRY, EDGEWAY_CONTINENT, EDGEWAY_LAT, EDGEWAY_LON), honoured only when
 * EDGEWAY_DEBUG_HEADERS is "true": production never sets them.
 *
 * The harness has its own dev registry (WRANGLER_REGISTRY_PATH in its temp dir), so
 * another `wrangler dev` named "edgeway" on the machine (the demo, another harness) is
 * never bound by mistake. `stop()` ends every process it started and removes the temp dir;
 * `stopAllColos()` does so for every harness of this process, even one still starting, and
 * any wrangler left when the process exits is killed with it.
 *
 *   const h = await startColos({ colos: ["FRA", "SIN"] });
 *   try {
 *     await h.putConfig(colosConfig(h));
 *     h.origin("a").setMode("fail", "FRA");        // a fails for FRA's traffic only
 *     const shares = await h.spread("SIN", 30);    // { a: 10, b: 10, c: 10 }
 *   } finally {
 *     await h.stop();
 *   }
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { COLO_PATH_HEADER, startOrigin } from "../origin-server.ts";
import type { OriginServer } from "../origin-server.ts";
import { coloSpec, coloVars } from "./catalogue.ts";
import type { ColoSpec } from "./catalogue.ts";
import { startWrangler } from "./wrangler-process.ts";
import type { WranglerProcess } from "./wrangler-process.ts";

export type { ColoSpec } from "./catalogue.ts";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** Harness workers listen on 8900 + i and their inspectors on 9900 + i unless told otherwise. */
export const DEFAULT_BASE_PORT = 8900;
export const DEFAULT_INSPECTOR_BASE_PORT = 9900;
export const DEFAULT_ADMIN_TOKEN = "colos-token";
/** The origins started when none are named: three, so a pool keeps two when one fails. */
export const DEFAULT_ORIGINS = ["a", "b", "c"] as const;

export interface ColoHarnessOptions {
  /**
   * Colo codes, one worker each; the first owns the Durable Object. A colo named more than
   * once gets several workers (several isolates of one colo); `worker(colo)` is its first.
   */
  readonly colos: readonly string[];
  /** Origin ids: one real HTTP server on 127.0.0.1 each (free ports). */
  readonly origins?: readonly string[];
  readonly basePort?: number;
  readonly inspectorBasePort?: number;
  readonly adminToken?: string;
  /** How long all workers together may take to be ready (default 120 s). */
  readonly readyTimeoutMs?: number;
  /** Every line a worker prints, with its colo. */
  readonly onLine?: (colo: string, line: string) => void;
  /**
   * false: no worker binds COLO_AGGREGATOR, so isolates report to the OriginState object
   * directly (what Edgeway did before per-colo aggregation; the first worker then runs a
   * generated config too). Default true: the repository's wrangler.toml, aggregators bound.
   */
  readonly aggregate?: boolean;
}

/** One worker playing one colo. */
export interface ColoWorker {
  readonly colo: string;
  readonly spec: ColoSpec;
  readonly url: string;
  readonly port: number;
  readonly inspectorPort: number;
  /** Whether this worker runs the OriginState object (the others bind it by script name). */
  readonly owner: boolean;
  readonly process: WranglerProcess;
  /**
   * A data-plane request from a client of this colo (carries x-colo-path, so origins can
   * fail for this colo only). To play another colo on this worker, pass the debug geo
   * header (`x-edgeway-debug-geo: colo=GRU`) and x-colo-path yourself: given headers win.
   */
  request(path?: string, init?: RequestInit): Promise<Response>;
  /** An admin API request (`/_edgeway` + path) with the harness's token. */
  admin(path: string, init?: RequestInit): Promise<Response>;
}

export interface ColoHarness {
  readonly workers: readonly ColoWorker[];
  readonly origins: ReadonlyMap<string, OriginServer>;
  readonly adminToken: string;
  worker(colo: string): ColoWorker;
  origin(id: string): OriginServer;
  /** PUTs a config document to every worker (each has its own local KV); returns the versions. Throws on a rejection. */
  putConfig(document: unknown): Promise<number[]>;
  /** Sends `n` requests in sequence from a colo's clients (through its first worker, or the one given); counts them by `x-edgeway-origin` (or `status N`). */
  spread(colo: string | ColoWorker, n: number, path?: string): Promise<Record<string, number>>;
  /** Ends every process the harness started, closes the origins, removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 20_000;

/** Every harness this process started and has not stopped, ready or still starting. */
const running = new Set<() => Promise<void>>();

/**
 * Stops every harness this process started, ready or still starting: for a test's afterAll
 * when startColos itself timed out, or a script's signal handler.
 */
export async function stopAllColos(): Promise<void> {
  await Promise.all([...running].map((stop) => stop()));
}

/** Process groups of every wrangler still running, killed outright if this process exits without stopping them. */
const groups = new Set<number>();
process.once("exit", () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone already
    }
  }
});
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The compatibility date of the repository's wrangler.toml, so bound workers run the same runtime. */
function compatibilityDate(): string {
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  return /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1] ?? "2026-11-01";
}

/**
 * A wrangler config for a worker that binds the first worker's Durable Objects by script
 * name: the shared OriginState and, unless `aggregate` is false, the colo aggregators (one
 * per colo, found by name).
 */
export function boundWorkerConfig(colo: string, index: number, aggregate = true): Record<string, unknown> {
  const bindings = [{ name: "ORIGIN_STATE", class_name: "OriginState", script_name: "edgeway" }];
  if (aggregate) bindings.push({ name: "COLO_AGGREGATOR", class_name: "ColoAggregator", script_name: "edgeway" });
  return {
    name: `edgeway-${index}-${colo.toLowerCase()}`,
    main: join(ROOT, "src", "index.ts"),
    compatibility_date: compatibilityDate(),
    minify: false,
    kv_namespaces: [{ binding: "CONFIG", id: "00000000000000000000000000000000" }],
    durable_objects: { bindings },
  };
}

/** The first worker's config when isolates report directly: the repository's, without the aggregator binding. */
export function directOwnerConfig(): Record<string, unknown> {
  return {
    name: "edgeway",
    main: join(ROOT, "src", "index.ts"),
    compatibility_date: compatibilityDate(),
    minify: false,
    kv_namespaces: [{ binding: "CONFIG", id: "00000000000000000000000000000000" }],
    durable_objects: { bindings: [{ name: "ORIGIN_STATE", class_name: "OriginState" }] },
    migrations: [{ tag: "v1", new_sqlite_classes: ["OriginState"] }],
  };
}

function colosOf(codes: readonly string[]): ColoSpec[] {
  const specs = codes.map(coloSpec);
  if (specs.length === 0) throw new Error("name at least one colo (e.g. --colos FRA,SIN)");
  if (specs.length > 100) throw new Error("at most 100 workers (ports 8900–8999)");
  return specs;
}

/** Starts the origins and the workers, waits until every worker reaches the shared object; stops everything on failure. */
export async function startColos(options: ColoHarnessOptions): Promise<ColoHarness> {
  const specs = colosOf(options.colos);
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  const inspectorBase = options.inspectorBasePort ?? DEFAULT_INSPECTOR_BASE_PORT;
  const token = options.adminToken ?? DEFAULT_ADMIN_TOKEN;
  const aggregate = options.aggregate ?? true;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  const dir = mkdtempSync(join(tmpdir(), "edgeway-colos-"));
  const registry = join(dir, "registry");
  mkdirSync(registry);
  const origins = new Map<string, OriginServer>();
  const workers: ColoWorker[] = [];
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await Promise.all(workers.map((w) => w.process.stop()));
      for (const w of workers) if (w.process.pid !== undefined) groups.delete(w.process.pid);
      await Promise.all([...origins.values()].map((o) => o.close()));
      rmSync(dir, { recursive: true, force: true });
      running.delete(stop);
    })());
  running.add(stop);

  const launch = (spec: ColoSpec, i: number): ColoWorker => {
    const owner = i === 0;
    let config = join(ROOT, "wrangler.toml");
    let cwd = ROOT;
    if (!owner || !aggregate) {
      cwd = join(dir, `worker-${i}`);
      mkdirSync(cwd);
      config = join(cwd, "wrangler.json");
      writeFileSync(config, JSON.stringify(owner ? directOwnerConfig() : boundWorkerConfig(spec.colo, i, aggregate), null, 2));
    }
    const port = basePort + i;
    const inspectorPort = inspectorBase + i;
    const process = startWrangler({
      root: ROOT,
      config,
      cwd,
      port,
      inspectorPort,
      persistTo: join(dir, `state-${i}`),
      registry,
      vars: { ADMIN_TOKEN: token, EDGEWAY_DEBUG_HEADERS: "true", ...coloVars(spec) },
      ...(options.onLine === undefined ? {} : { onLine: (line: string) => options.onLine?.(spec.colo, line) }),
    });
    if (process.pid !== undefined) groups.add(process.pid);
    const url = process.url;
    return {
      colo: spec.colo,
      spec,
      url,
      port,
      inspectorPort,
      owner,
      process,
      request: (path = "/", init = {}) => {
        const headers = new Headers(init.headers);
        if (!headers.has(COLO_PATH_HEADER)) headers.set(COLO_PATH_HEADER, spec.colo);
        return fetch(`${url}${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init, headers });
      },
      admin: (path, init = {}) => {
        const headers = new Headers(init.headers);
        headers.set("authorization", `Bearer ${token}`);
        return fetch(`${url}/_edgeway${path}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init, headers });
      },
    };
  };

  const harness: ColoHarness = {
    workers,
    origins,
    adminToken: token,
    worker(colo) {
      const w = workers.find((x) => x.colo === colo.toUpperCase());
      if (w === undefined) throw new Error(`no worker plays ${colo} (colos: ${workers.map((x) => x.colo).join(", ")})`);
      return w;
    },
    origin(id) {
      const o = origins.get(id);
      if (o === undefined) throw new Error(`no origin ${id} (origins: ${[...origins.keys()].join(", ")})`);
      return o;
    },
    async putConfig(document) {
      const versions: number[] = [];
      // One at a time: each PUT allocates its version from the shared object.
      for (const w of workers) {
        const res = await w.admin("/config", {
          method: "PUT",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(document),
        });
        const body = await res.text();
        if (res.status !== 200) throw new Error(`${w.colo} rejected the config (${res.status}): ${body}`);
        versions.push((JSON.parse(body) as { version: number }).version);
      }
      return versions;
    },
    async spread(colo, n, path = "/") {
      const w = typeof colo === "string" ? harness.worker(colo) : colo;
      const seen: Record<string, number> = {};
      for (let i = 0; i < n; i++) {
        const res = await w.request(path);
        await res.arrayBuffer();
        const key = res.status === 200 ? (res.headers.get("x-edgeway-origin") ?? "none") : `status ${res.status}`;
        seen[key] = (seen[key] ?? 0) + 1;
      }
      return seen;
    },
    stop,
  };

  try {
    for (const id of options.origins ?? DEFAULT_ORIGINS) origins.set(id, await startOrigin({ id }));
    // All at once: a bound worker finds the owner's object through the registry as soon as
    // the owner registers (waitReady checks that each one reaches it).
    specs.forEach((spec, i) => {
      workers.push(launch(spec, i));
    });
    await Promise.all(workers.map((w) => waitReady(w, deadline)));
    return harness;
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Waits until a worker answers the health API from the Durable Object (source
 * "durable_object"): for a bound worker, that proves the cross-process binding works.
 */
async function waitReady(worker: ColoWorker, deadline: number): Promise<void> {
  let last = "no answer yet";
  for (;;) {
    const gone = worker.process.exited();
    if (gone !== undefined) throw new Error(`${worker.colo}: ${gone}\n${worker.process.tail()}`);
    try {
      const res = await worker.admin("/health", { signal: AbortSignal.timeout(5_000) });
      const body = await res.text();
      if (res.status === 200 && (JSON.parse(body) as { source?: string }).source === "durable_object") return;
      last = `${res.status} ${body.slice(0, 200)}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline)
      throw new Error(`${worker.colo} (${worker.url}) was not ready in time (last: ${last})\n${worker.process.tail()}`);
    await sleep(500);
  }
}

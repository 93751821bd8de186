/**
 * `npm run bench:do`: Durable Object calls per second from a fleet of Edgeway isolates,
 * for 1, 4 and 16 isolates in one colo and 1, 4 and 8 colos, with isolates reporting to the
 * global object directly (before per-colo aggregation) and through their colo's
 * ColoAggregator (after), at a fixed total request rate. Shows what the global object's
 * load grows with.
 *
 *   npm run bench:do                          # prints the table
 *   npm run bench:do -- --seconds 30 --out bench/results/do-load.md
 *   npm run bench:do -- --rates 20,80         # total requests/s over the whole fleet (default 40)
 *   npm run bench:do -- --harness             # also on the many-colo harness (real `wrangler dev` processes)
 *   npm run bench:do -- --harness-only        # on the harness only
 *
 * Each cell starts a fleet (scripts/lib/do-bench/fleet.ts: one worker per isolate on the
 * Miniflare API, all bound to one OriginState object, and with aggregation to the owner's
 * ColoAggregator objects), stores a config with two local origins and no monitor (probes
 * are not part of the request-driven load), warms up for one report interval and a bit,
 * then sends `rate` requests/s spread evenly over the isolates for `seconds`, and reads
 * every isolate's /_edgeway/metrics before and after:
 *   reads          edgeway_snapshot_reads_total{source="durable_object"} (snapshot refreshes
 *                  that reached the object; `cache` ones did not)
 *   aggregator     edgeway_do_calls_total{method="report"} (isolates → their colo's aggregator)
 *   global writes  edgeway_do_calls_total{method="reportTraffic"|"reportLatency"|"reportLoad"}:
 *                  isolates' direct reports, and the aggregators' writes, which are counted
 *                  in the first member's metrics (a Durable Object runs in the isolate of
 *                  the worker that defines it, locally as in production)
 * The scrapes' own object calls are not in these series. Figures are per second of the
 * measured window. The exit code is 0 whatever the figures: a benchmark reports.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { bundleEdgeway, compatibility } from "./lib/loadtest/runtime.ts";
import { putConfig, sumMetric } from "./lib/loadtest/edgeway.ts";
import { parsePrometheus } from "./lib/prometheus.ts";
import { startOrigin } from "./lib/origin-server.ts";
import { startFleet } from "./lib/do-bench/fleet.ts";
import type { Fleet } from "./lib/do-bench/fleet.ts";
import type { MetricSample } from "./lib/prometheus.ts";
import { startColos, stopAllColos } from "./lib/colos/harness.ts";

const ADMIN_TOKEN = "do-bench-token";
const COLO_CODES = ["FRA", "SIN", "IAD", "GRU", "NRT", "SYD", "LHR", "JNB"];

interface Cell {
  readonly colos: number;
  readonly isolatesPerColo: number;
  readonly cacheApi: boolean;
  /** Isolates report through their colo's aggregator (true) or to the global object (false). */
  readonly aggregate: boolean;
}

interface Measured extends Cell {
  readonly rate: number;
  readonly sent: number;
  readonly failed: number;
  readonly reads: number;
  readonly cacheHits: number;
  readonly aggregator: number;
  readonly writes: number;
  readonly seconds: number;
  /** Where the figures come from: the Miniflare fleet or the many-colo harness. */
  readonly runtime: "fleet" | "harness";
}

const CELLS: readonly Cell[] = [
  { colos: 1, isolatesPerColo: 4, cacheApi: true, aggregate: false },
  { colos: 1, isolatesPerColo: 4, cacheApi: true, aggregate: true },
  { colos: 1, isolatesPerColo: 1, cacheApi: true, aggregate: false },
  { colos: 1, isolatesPerColo: 1, cacheApi: true, aggregate: true },
  { colos: 1, isolatesPerColo: 16, cacheApi: true, aggregate: false },
  { colos: 1, isolatesPerColo: 16, cacheApi: true, aggregate: true },
  { colos: 4, isolatesPerColo: 1, cacheApi: true, aggregate: true },
  { colos: 8, isolatesPerColo: 1, cacheApi: true, aggregate: true },
  { colos: 8, isolatesPerColo: 2, cacheApi: true, aggregate: false },
  { colos: 8, isolatesPerColo: 2, cacheApi: true, aggregate: true },
];

/**
 * On the many-colo harness: real `wrangler dev` processes, one isolate each (a colo named
 * twice runs two), reporting directly or through their colo's aggregator in the first
 * process. Fewer isolates than the fleet: each is a whole workerd process.
 */
const HARNESS_CELLS: readonly Cell[] = [
  { colos: 1, isolatesPerColo: 1, cacheApi: true, aggregate: false },
  { colos: 1, isolatesPerColo: 1, cacheApi: true, aggregate: true },
  { colos: 1, isolatesPerColo: 4, cacheApi: true, aggregate: false },
  { colos: 1, isolatesPerColo: 4, cacheApi: true, aggregate: true },
  { colos: 2, isolatesPerColo: 2, cacheApi: true, aggregate: false },
  { colos: 2, isolatesPerColo: 2, cacheApi: true, aggregate: true },
];
/** Harness ports, away from `npm run colos` (8900+) and the colos tests (8950+). */
const HARNESS_BASE_PORT = 18_900;
const HARNESS_INSPECTOR_BASE_PORT = 19_900;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `rate` requests/s for `ms`, round-robin over the fleet, each isolate's requests naming its colo. */
async function drive(
  fleet: Pick<Fleet, "members">,
  rate: number,
  ms: number,
): Promise<{ sent: number; failed: number; why: Map<string, number> }> {
  let sent = 0;
  let failed = 0;
  const why = new Map<string, number>();
  const fail = (reason: string): void => {
    failed++;
    why.set(reason, (why.get(reason) ?? 0) + 1);
  };
  const inflight = new Set<Promise<void>>();
  const started = performance.now();
  for (let i = 0; performance.now() - started < ms; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const member = fleet.members[i % fleet.members.length];
    if (member === undefined) break;
    sent++;
    const p = fetch(new URL(`/item/${i}`, member.url), {
      headers: { "x-edgeway-debug-geo": `colo=${member.colo}` },
      signal: AbortSignal.timeout(20_000),
    })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) fail(`HTTP ${res.status}`);
      })
      .catch((error: unknown) => fail(error instanceof Error ? `${error.name}: ${error.message}` : String(error)))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  return { sent, failed, why };
}

/** One isolate's metrics; a scrape that times out is tried again (the fleet shares two cores with the driver). */
async function scrape(url: URL, attempts = 3): Promise<readonly MetricSample[]> {
  try {
    const response = await fetch(new URL("/_edgeway/metrics", url), {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      signal: AbortSignal.timeout(20_000),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET /_edgeway/metrics answered ${response.status}`);
    return parsePrometheus(text).samples;
  } catch (error) {
    if (attempts <= 1) throw error;
    await sleep(500);
    return scrape(url, attempts - 1);
  }
}

interface Totals {
  readonly reads: number;
  readonly cacheHits: number;
  readonly aggregator: number;
  readonly writes: number;
}

const GLOBAL_WRITES = ["reportTraffic", "reportLatency", "reportLoad"] as const;

async function totals(fleet: Pick<Fleet, "members">): Promise<Totals> {
  // One isolate at a time: sixteen scrapes at once on two cores time out.
  const all: (readonly MetricSample[])[] = [];
  for (const m of fleet.members) all.push(await scrape(m.url));
  const sum = (name: string, match: Record<string, string>) => all.reduce((s, samples) => s + sumMetric(samples, name, match), 0);
  return {
    reads: sum("edgeway_snapshot_reads_total", { source: "durable_object" }),
    cacheHits: sum("edgeway_snapshot_reads_total", { source: "cache" }),
    aggregator: sum("edgeway_do_calls_total", { method: "report" }),
    writes: GLOBAL_WRITES.reduce((n, method) => n + sum("edgeway_do_calls_total", { method }), 0),
  };
}

function config(origins: readonly string[]): unknown {
  return {
    origins: origins.map((url, i) => ({ id: `o${i}`, url })),
    pools: [{ id: "p", origins: origins.map((_, i) => `o${i}`) }],
    routes: [{ id: "r", pools: ["p"] }],
  };
}

const perSecond = (n: number, s: number): string => (n / s).toFixed(2);

function table(rows: readonly Measured[]): string {
  const head =
    "| runtime | colos | isolates/colo | isolates | reports | req/s | object reads/s | cache reads/s | aggregator calls/s | global writes/s | global object calls/s |";
  const sep = "|:--|---:|---:|---:|:--|---:|---:|---:|---:|---:|---:|";
  const lines = rows.map((r) => {
    const calls = r.reads + r.writes;
    return `| ${r.runtime} | ${r.colos} | ${r.isolatesPerColo} | ${r.colos * r.isolatesPerColo} | ${r.aggregate ? "aggregated" : "direct"} | ${perSecond(r.sent, r.seconds)} | ${perSecond(r.reads, r.seconds)} | ${perSecond(r.cacheHits, r.seconds)} | ${perSecond(r.aggregator, r.seconds)} | ${perSecond(r.writes, r.seconds)} | ${perSecond(calls, r.seconds)} |`;
  });
  return [head, sep, ...lines].join("\n");
}

/** One cell on the many-colo harness (each colo's isolates share its aggregator; each process has its own cache). */
async function onHarness(cell: Cell, rate: number, seconds: number, origins: readonly { url: string }[]): Promise<Measured> {
  const colos = COLO_CODES.slice(0, cell.colos).flatMap((c) => Array.from({ length: cell.isolatesPerColo }, () => c));
  const h = await startColos({
    colos,
    origins: [],
    adminToken: ADMIN_TOKEN,
    basePort: HARNESS_BASE_PORT,
    inspectorBasePort: HARNESS_INSPECTOR_BASE_PORT,
    aggregate: cell.aggregate,
  });
  try {
    await h.putConfig(config(origins.map((o) => o.url)));
    const members = h.workers.map((w, i) => ({ name: `${w.colo}-${i}`, colo: w.colo, url: new URL(`${w.url}/`) }));
    return await measure({ members }, { ...cell, runtime: "harness" }, rate, seconds);
  } finally {
    await h.stop();
  }
}

/** Warms the fleet up, then drives it at `rate` for `seconds` and counts what reached the objects. */
async function measure(
  fleet: Pick<Fleet, "members">,
  cell: Cell & Pick<Measured, "runtime">,
  rate: number,
  seconds: number,
): Promise<Measured> {
  // Every isolate loads the config and its first snapshot, and its first reports go out
  // (an aggregator writes a colo's first traffic to an origin at once).
  await drive(fleet, Math.max(rate, fleet.members.length * 2), 3_000);
  const before = await totals(fleet);
  const { sent, failed, why } = await drive(fleet, rate, seconds * 1_000);
  const after = await totals(fleet);
  const row: Measured = {
    ...cell,
    rate,
    sent,
    failed,
    seconds,
    reads: after.reads - before.reads,
    cacheHits: after.cacheHits - before.cacheHits,
    aggregator: after.aggregator - before.aggregator,
    writes: after.writes - before.writes,
  };
  console.log(
    table([row]).split("\n")[2],
    failed > 0 ? `(${failed} failed requests: ${[...why].map(([k, v]) => `${v}× ${k}`).join(", ")})` : "",
  );
  return row;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: "string", default: "30" },
      rates: { type: "string", default: "40" },
      out: { type: "string" },
      harness: { type: "boolean", default: false },
      "harness-only": { type: "boolean", default: false },
    },
  });
  const seconds = Number(values.seconds);
  const rates = (values.rates ?? "").split(",").map(Number);
  const root = process.cwd();
  const scratch = mkdtempSync(join(tmpdir(), "edgeway-do-bench-"));
  const origins = await Promise.all([startOrigin({ id: "o0" }), startOrigin({ id: "o1" })]);
  const rows: Measured[] = [];
  try {
    const modules = await bundleEdgeway(root, join(scratch, "bundle"));
    const compat = compatibility(root);
    for (const cell of values["harness-only"] ? [] : CELLS) {
      for (const rate of cell.cacheApi ? rates : rates.slice(0, 1)) {
        const fleet = await startFleet({
          modules,
          compatibilityDate: compat.date,
          compatibilityFlags: compat.flags,
          adminToken: ADMIN_TOKEN,
          colos: COLO_CODES.slice(0, cell.colos),
          isolatesPerColo: cell.isolatesPerColo,
          cacheApi: cell.cacheApi,
          aggregate: cell.aggregate,
        });
        try {
          const first = fleet.members[0];
          if (first === undefined) throw new Error("empty fleet");
          await putConfig(first.url, ADMIN_TOKEN, config(origins.map((o) => o.url)));
          rows.push(await measure(fleet, { ...cell, runtime: "fleet" }, rate, seconds));
        } finally {
          await fleet.dispose();
        }
      }
    }
    if (values.harness || values["harness-only"])
      for (const cell of HARNESS_CELLS) rows.push(await onHarness(cell, rates[0] ?? 40, seconds, origins));
  } finally {
    await Promise.all(origins.map((o) => o.close()));
    rmSync(scratch, { recursive: true, force: true });
  }
  const text = `${table(rows)}\n`;
  console.log(`\n${text}`);
  if (values.out !== undefined) {
    writeFileSync(
      values.out,
      `# Durable Object load (npm run bench:do, ${new Date().toISOString().slice(0, 10)}, ${seconds} s per row)\n\n${text}`,
    );
    console.log(`written to ${values.out}`);
  }
}

// Ctrl-C ends the harness's wrangler processes too.
process.once("SIGINT", () => {
  void stopAllColos().finally(() => process.exit(130));
});
await main();

/**
 * `npm run bench:load`: what load-aware weights cost the request path, in ns per call —
 * parsing one `endpoint-load-metrics` header (TEXT and JSON), taking in a report that
 * repeats the last one (the common case: origins refresh their figures every few
 * hundred ms, not per response), and one `weighted` pick at 3 and 100 origins with and
 * without `loadAware`. A benchmark reports; it does not fail.
 */
import { Bench } from "tinybench";
import { compileConfig } from "../src/config/compile.ts";
import type { ConfigInput } from "../src/config/schema.ts";
import { validateConfig } from "../src/config/validate.ts";
import { parseLoadReport } from "../src/steering/load-report.ts";
import { LoadTracker } from "../src/steering/load-tracker.ts";
import { weighted } from "../src/steering/pool/weighted.ts";
import { NO_SIGNALS } from "../src/steering/types.ts";
import type { SteeringSignals } from "../src/steering/types.ts";

const TEXT = "TEXT cpu_utilization=0.31, mem_utilization=0.62, rps_fractional=118.5, eps=0.4, application_utilization=0.27";
const JSON_REPORT = 'JSON {"cpu_utilization":0.31,"mem_utilization":0.62,"rps_fractional":118.5,"eps":0.4}';

function pool(n: number, loadAware: boolean) {
  const input: ConfigInput = {
    origins: Array.from({ length: n }, (_, i) => ({ id: `o${i}`, url: `http://127.0.0.1:${10_000 + i}`, weight: 1 + (i % 3) })),
    pools: [
      { id: "p", origins: Array.from({ length: n }, (_, i) => `o${i}`), ...(loadAware ? { loadAware: { blackoutSeconds: 0 } } : {}) },
    ],
    routes: [{ id: "r", pools: ["p"] }],
  };
  const result = validateConfig(input);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const compiled = compileConfig(result.config, 1);
  const p = compiled.pools.get("p");
  if (p === undefined) throw new Error("no pool");
  return p;
}

const bench = new Bench({ time: 300 });
let sink = 0;
bench.add("parse TEXT report", () => {
  const r = parseLoadReport(TEXT);
  if (typeof r !== "string") sink += r.cpuUtilization;
});
bench.add("parse JSON report", () => {
  const r = parseLoadReport(JSON_REPORT);
  if (typeof r !== "string") sink += r.cpuUtilization;
});
const tracker = new LoadTracker();
const observed = pool(3, true);
let clock = 0;
bench.add("observe: same header as last time", () => {
  tracker.observe(observed, "o0", TEXT, clock++);
});
for (const n of [3, 100]) {
  for (const loadAware of [false, true]) {
    const p = pool(n, loadAware);
    const t = new LoadTracker();
    p.origins.forEach((o, i) => {
      t.observe(p, o.id, `TEXT cpu_utilization=${0.1 + (i % 9) / 10}, rps_fractional=50`, 0);
    });
    const signals: SteeringSignals = { ...NO_SIGNALS, liveWeights: (q) => t.weightsFor(q, 500) };
    const memory = new Map<string, number>();
    bench.add(`weighted pick, ${n} origins${loadAware ? ", loadAware" : ""}`, () => {
      const o = weighted.pick({ pool: p, candidates: p.origins, client: {}, random: Math.random, memory, signals, hashKey: undefined });
      if (o !== undefined) sink++;
    });
  }
}
await bench.run();
console.log("| case | ns/op |\n| --- | ---: |");
for (const task of bench.tasks) {
  const r = task.result;
  const mean = r !== undefined && "latency" in r ? r.latency.mean : Number.NaN;
  console.log(`| ${task.name} | ${Math.round(mean * 1e6)} |`);
}
if (sink === -1) console.log(sink);

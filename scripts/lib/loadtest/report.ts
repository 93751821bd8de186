/**
 * The load test's outputs: the table on stdout, and bench/results/<name>.json (every raw
 * figure), <name>.md (the report) and <name>-*.svg (its charts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ChaosResult } from "./chaos.ts";
import type { Machine } from "./machine.ts";
import type { Options } from "./options.ts";
import { isEdgewayScenario, isMinimalScenario } from "./options.ts";
import { mark, ms, pct, sec, signed, table, times, us } from "./markdown.ts";
import { roundLines } from "./rounds.ts";
import { TARGET_ADDED_P50_MS, TARGET_THROUGHPUT_RATIO } from "./summary.ts";
import type { Comparison, ScenarioSummary } from "./summary.ts";
import { barChart, groupedBarChart, PALETTE, stackedAreaChart } from "./svg.ts";
import type { RunRecord } from "./throughput.ts";

export interface Report {
  readonly name: string;
  readonly date: string;
  readonly command: string;
  readonly startedAt: string;
  readonly elapsedSec: number;
  readonly options: Options;
  readonly machine: Machine;
  readonly notes: readonly string[];
  readonly runs: readonly RunRecord[];
  /** Flat out over the configured connections. */
  readonly summary: readonly ScenarioSummary[];
  readonly comparisons: readonly Comparison[];
  /** Over one connection. */
  readonly light: readonly ScenarioSummary[];
  readonly lightComparisons: readonly Comparison[];
  readonly chaos: ChaosResult | undefined;
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
function loadedTable(report: Report): string[] {
  const cmp = new Map(report.comparisons.map((c) => [c.scenario, c]));
  return table(
    [
      "scenario",
      "req/s",
      "min–max",
      "p50 ms",
      "p90 ms",
      "p99 ms",
      "proxy CPU µs/req",
      "÷ pass-through",
      "÷ minimal",
      "÷ nginx",
      "added p50",
      "added CPU/req",
    ],
    report.summary.map((s) => {
      const c = cmp.get(s.scenario);
      return [
        s.scenario,
        int(s.rps),
        `${int(s.rpsMin)}–${int(s.rpsMax)}`,
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        us(s.proxyCpuUsPerReq),
        c === undefined ? "" : `${pct(c.vsPassthrough)}${mark(c.meetsThroughputTarget)}`,
        c?.vsMinimal === undefined ? "" : pct(c.vsMinimal),
        c === undefined ? "" : times(c.vsNginx),
        c === undefined ? "" : signed(c.addedP50Ms, "ms"),
        c === undefined ? "" : signed(c.addedCpuUsPerReq, "µs"),
      ];
    }),
    ["l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

function lightTable(report: Report): string[] {
  const cmp = new Map(report.lightComparisons.map((c) => [c.scenario, c]));
  return table(
    ["scenario", "req/s", "p50 ms", "p90 ms", "p99 ms", "proxy CPU µs/req", "added p50", "added p99", "added CPU/req"],
    report.light.map((s) => {
      const c = cmp.get(s.scenario);
      return [
        s.scenario,
        int(s.rps),
        ms(s.p50),
        ms(s.p90),
        ms(s.p99),
        us(s.proxyCpuUsPerReq),
        c === undefined ? "" : `${signed(c.addedP50Ms, "ms")}${mark(c.meetsLatencyTarget)}`,
        c === undefined ? "" : signed(c.addedP99Ms, "ms"),
        c === undefined ? "" : signed(c.addedCpuUsPerReq, "µs"),
      ];
    }),
    ["l", "r", "r", "r", "r", "r", "r", "r", "r"],
  );
}

const TARGETS = `targets: Edgeway ≥ ${TARGET_THROUGHPUT_RATIO * 100}% of the pass-through worker's req/s flat out, added p50 < ${TARGET_ADDED_P50_MS} ms over one connection (✓ met, ✗ missed; the run reports, it never fails on a figure)`;

function chaosLines(chaos: ChaosResult): string[] {
  const f = chaos.figures;
  const o = chaos.options;
  return [
    `Edgeway in front of ${chaos.origins.join(", ")} (${o.originLatencyMs} ms each; one \`weighted\` pool, monitor every ${o.probeIntervalSec} s, thresholds 2/2, outlier detection at its defaults); closed-loop load from ${chaos.connections} connections for ${o.durationSec} s (${int(f.requests / o.durationSec)} req/s); **${chaos.victim}** killed at ${sec(chaos.killAtMs)} and restarted on the same port at ${sec(chaos.restartAtMs)}. Buckets of ${o.bucketMs} ms.`,
    "",
    `| figure | value |`,
    `|---|---:|`,
    `| requests sent | ${int(f.requests)} |`,
    `| client-visible errors (non-2xx + socket errors) | **${int(f.clientErrors)}** (${int(f.clientNon2xx)} non-2xx, ${int(f.clientSocketErrors)} socket errors/timeouts) |`,
    `| requests the dead origin served while down (origin-side) | ${int(f.deadServedWhileDown)} |`,
    `| tries Edgeway sent to the dead origin while down (failed: connect failure or timeout) | ${f.failedTriesWhileDown === undefined ? "—" : int(f.failedTriesWhileDown)} |`,
    `| retries while it was down | ${f.retriesWhileDown === undefined ? "—" : int(f.retriesWhileDown)} |`,
    `| time to ejection (kill → Edgeway stops trying it) | ${f.timeToEjectionMs === undefined ? `not ejected before the restart (still ${f.failedTriesPerSecBeforeRestart === undefined ? "?" : Math.round(f.failedTriesPerSecBeforeRestart)} failed tries/s)` : `**${sec(f.timeToEjectionMs)}**`} |`,
    `| ejected by outlier detection (kill → /_edgeway/health \`ejected\`, 1 s samples) | ${sec(f.markedEjectedAfterMs)} |`,
    `| marked unhealthy by probes (kill → /_edgeway/health \`healthy: false\`) | ${sec(f.markedDownAfterMs)} |`,
    `| time to recovery (restart → first request served) | **${sec(f.timeToFirstRequestMs)}** |`,
    `| restart → full share (≥ 80% of its weight's share, two buckets) | ${sec(f.timeToFullShareMs)} |`,
    `| no longer ejected (restart → /_edgeway/health) | ${sec(f.unejectedAfterMs)} |`,
    `| marked healthy by probes (restart → /_edgeway/health) | ${sec(f.markedUpAfterMs)} |`,
    `| client latency over the run, p50 / p99 | ${ms(chaos.latencyMs.p50)} / ${ms(chaos.latencyMs.p99)} ms |`,
  ];
}

/** The text printed at the end of a run. */
export function consoleReport(report: Report): string {
  const out = ["", `Edgeway load test — ${report.machine.cpu}, ${report.machine.cores} cores, runtime ${report.options.runtime}`];
  const o = report.options;
  if (report.summary.length > 0) {
    out.push(
      "",
      `Flat out: ${o.connections} connections, median of ${o.rounds} rounds × ${o.durationSec} s; ${o.origins} origins, ${o.latencyMs} ms origin latency`,
      ...loadedTable(report),
    );
  }
  if (report.light.length > 0)
    out.push("", `One connection: median of ${o.rounds} rounds × ${o.lightDurationSec} s`, ...lightTable(report));
  if (report.summary.length > 0) out.push(TARGETS);
  if (report.chaos !== undefined) out.push("", "Chaos run", ...chaosLines(report.chaos).map((l) => l.replace(/\*\*/g, "")));
  for (const n of report.notes) out.push(`note: ${n}`);
  return out.join("\n");
}

function throughputSvg(report: Report): string {
  const passthrough = report.summary.find((s) => s.scenario === "passthrough")?.rps;
  // Edgeway's ratio as the table gives it (round by round); others' as the ratio of medians.
  const paired = new Map(report.comparisons.map((c) => [c.scenario, c.vsPassthrough]));
  const ratio = (s: ScenarioSummary) => paired.get(s.scenario) ?? (passthrough === undefined ? undefined : s.rps / passthrough);
  return barChart(
    `Throughput (median of ${report.options.rounds} rounds, ${report.options.connections} connections)`,
    "requests per second",
    report.summary.map((s) => ({
      label: s.scenario,
      value: s.rps,
      color: isEdgewayScenario(s.scenario)
        ? PALETTE[1]
        : s.scenario === "nginx"
          ? PALETTE[2]
          : s.scenario === "passthrough"
            ? PALETTE[0]
            : isMinimalScenario(s.scenario)
              ? PALETTE[4]
              : PALETTE[9],
      ...(s.scenario !== "passthrough" && s.scenario !== "direct" && ratio(s) !== undefined
        ? { note: `${Math.round((ratio(s) ?? 0) * 100)}% of pass-through` }
        : {}),
    })),
  );
}

function latencySvg(title: string, summary: readonly ScenarioSummary[]): string {
  return groupedBarChart(
    title,
    "milliseconds",
    ["p50", "p90", "p99"],
    summary.map((s) => ({ label: s.scenario, values: [s.p50, s.p90, s.p99] })),
  );
}

function chaosSvg(chaos: ChaosResult): string {
  const perSec = 1_000 / chaos.options.bucketMs;
  const series = chaos.origins.map((id) => ({
    label: `${id}${id === chaos.victim ? " (killed)" : ""}`,
    values: (chaos.buckets.perOrigin[id] ?? []).map((v) => v * perSec),
  }));
  const errors = chaos.buckets.clientErrors.map(
    (v, i) => [(chaos.buckets.startMs[i] ?? 0) + chaos.options.bucketMs / 2, v * perSec] as const,
  );
  const tries: (readonly [number, number])[] = [];
  for (let i = 1; i < chaos.triesSamples.length; i++) {
    const a = chaos.triesSamples[i - 1],
      b = chaos.triesSamples[i];
    if (a === undefined || b === undefined || b.atMs <= a.atMs) continue;
    tries.push([(a.atMs + b.atMs) / 2, ((b.failedTries - a.failedTries) * 1_000) / (b.atMs - a.atMs)]);
  }
  return stackedAreaChart(
    "Chaos run: requests served per origin, over time",
    "requests per second",
    chaos.options.bucketMs,
    series,
    [
      { label: `failed tries to ${chaos.victim} (Edgeway)`, color: "#222222", points: tries, dashed: true },
      { label: "client-visible errors", color: "#d62728", points: errors },
    ],
    [
      { atMs: chaos.killAtMs, label: `kill ${chaos.victim}` },
      { atMs: chaos.restartAtMs, label: "restart" },
    ],
  );
}

function markdown(
  report: Report,
  svgs: { throughput: string; latency: string; lightLatency: string | undefined; chaos: string | undefined },
): string {
  const m = report.machine;
  const o = report.options;
  const lines: string[] = [`# Edgeway load test — ${report.date}${o.quick ? " (quick)" : ""}`, ""];
  const headline =
    report.comparisons.find((c) => c.scenario === "edgeway-weighted") ?? report.comparisons.find((c) => isEdgewayScenario(c.scenario));
  const lightHeadline = report.lightComparisons.find((c) => c.scenario === headline?.scenario);
  const minimal = report.comparisons.find((c) => c.scenario === "minimal");
  if (headline !== undefined) {
    const verdict = (ok: boolean | undefined) => (ok === undefined ? "n/a" : ok ? "met" : "missed");
    lines.push(
      `**${headline.scenario}** served **${pct(headline.vsPassthrough)}** of the pass-through worker's requests/s flat out (target ≥ ${TARGET_THROUGHPUT_RATIO * 100}%: ${verdict(headline.meetsThroughputTarget)}), costing **${signed(headline.addedCpuUsPerReq, "µs")}** of CPU per request.` +
        (lightHeadline === undefined
          ? ""
          : ` Over one connection it added **${signed(lightHeadline.addedP50Ms, "ms")}** at p50 (target < ${TARGET_ADDED_P50_MS} ms: ${verdict(lightHeadline.meetsLatencyTarget)}); flat out, where the p50 includes queueing behind the other connections, ${signed(headline.addedP50Ms, "ms")}.`) +
        (headline.vsMinimal === undefined
          ? ""
          : ` The minimal worker, which does only what the contract asks of every proxied request (bench/loadtest/minimal-worker.js), served ${pct(minimal?.vsPassthrough)} of the pass-through's; Edgeway served ${pct(headline.vsMinimal)} of the minimal worker's.`) +
        (headline.vsNginx === undefined ? "" : ` Against nginx: ${times(headline.vsNginx)} its requests/s.`) +
        (report.chaos === undefined
          ? ""
          : ` Chaos run: ${int(report.chaos.figures.clientErrors)} client-visible errors with an origin killed under load.`),
      "",
    );
  }
  lines.push(
    "## Machine",
    "",
    "| | |",
    "|---|---|",
    `| CPU | ${m.cpu}, ${m.cores} cores |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} (${m.kernel}) |`,
    `| Node | ${m.node} (load generator, origins) |`,
    `| workerd | ${m.workerd} (launched by ${o.runtime === "workerd" ? "`workerd serve`" : `Miniflare ${m.miniflare}`}; wrangler ${m.wrangler}) |`,
    `| nginx | ${m.nginx ?? "not installed"} |`,
    `| autocannon | ${m.autocannon} |`,
    `| code | ${m.commit}${m.srcChanges > 0 ? ` plus ${m.srcChanges} uncommitted file(s) under src/` : ""} |`,
    "",
    "## Command",
    "",
    "```sh",
    report.command,
    "```",
    "",
    `${o.rounds} rounds; in each, every scenario in turn flat out for ${o.durationSec} s over ${o.connections} connections${o.lightDurationSec > 0 ? `, then every scenario in turn for ${o.lightDurationSec} s over one connection` : ""} (after ${o.warmupSec} s of unrecorded warm-up each before the first round). ${o.origins} origins with ${o.latencyMs} ms injected latency; runtime \`${o.runtime}\`. Started ${report.startedAt}, took ${Math.round(report.elapsedSec)} s.`,
    "",
  );
  if (report.summary.length > 0) {
    lines.push(
      "## Throughput and latency",
      "",
      `### Flat out: ${o.connections} connections`,
      "",
      ...loadedTable(report),
      "",
      `Every connection sends its next request as soon as the last is answered, so each proxy runs at its limit. Ratios and "added" figures are taken round by round against the run of the same round, then the median; the p50 here includes the time a request waits behind the others once the proxy is saturated (Little's law: p50 ≈ connections ÷ req/s).`,
      "",
      ...roundLines(report.runs, report.comparisons),
      `![Throughput per scenario](${svgs.throughput})`,
      "",
      `![Latency percentiles per scenario, flat out](${svgs.latency})`,
      "",
    );
  }
  if (report.light.length > 0) {
    lines.push(
      "### One connection",
      "",
      ...lightTable(report),
      "",
      "One request in flight at a time: the latency each proxy adds to a request, without queueing.",
      "",
    );
    if (svgs.lightLatency !== undefined) lines.push(`![Latency percentiles per scenario, one connection](${svgs.lightLatency})`, "");
  }
  if (report.summary.length > 0) {
    lines.push(
      `Medians over the rounds. Latency percentiles are computed from every 2xx response's own duration (process.hrtime in the load generator, so sub-millisecond), not autocannon's whole-ms histogram. **proxy CPU µs/req** is the CPU time (user + system, from /proc) the proxy's processes used per 2xx response — the cost figure that machine noise and the shared cores distort least. ${TARGETS.replace("targets: ", "Targets: ")}.`,
      "",
    );
  }
  if (report.chaos !== undefined) {
    lines.push("## Chaos run", "", ...chaosLines(report.chaos), "");
    if (svgs.chaos !== undefined) lines.push(`![Traffic per origin through the chaos run](${svgs.chaos})`, "");
  }
  if (report.runs.length > 0)
    lines.push(
      "## Every run",
      "",
      ...table(
        [
          "round",
          "scenario",
          "conns",
          "req/s",
          "p50 ms",
          "p90 ms",
          "p99 ms",
          "max ms",
          "non-2xx",
          "errors",
          "proxy CPU µs/req",
          "proxy CPU %",
          "origins CPU %",
          "driver CPU %",
        ],
        report.runs.map((r) => [
          String(r.round),
          r.scenario,
          String(r.connections),
          int(r.rps),
          ms(r.p50),
          ms(r.p90),
          ms(r.p99),
          ms(r.max),
          String(r.non2xx),
          String(r.errors),
          us(r.proxyCpuUsPerReq),
          r.proxyCpuPct === undefined ? "—" : Math.round(r.proxyCpuPct).toString(),
          r.originCpuPct === undefined ? "—" : Math.round(r.originCpuPct).toString(),
          r.driverCpuPct === undefined ? "—" : Math.round(r.driverCpuPct).toString(),
        ]),
        ["r", "l", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r", "r"],
      ),
      "",
    );
  if (report.notes.length > 0) lines.push("## Notes", "", ...report.notes.map((n) => `- ${n}`), "");
  lines.push(
    "Raw figures: [`" +
      `${report.name}.json` +
      "`](" +
      `${report.name}.json` +
      "). How to read this report: [bench/README.md](../README.md#load-test).",
    "",
  );
  return lines.join("\n");
}

/** Writes the JSON, the SVGs and the Markdown report; returns the paths written. */
export function writeReport(dir: string, report: Report): string[] {
  mkdirSync(dir, { recursive: true });
  const svgs = {
    throughput: `${report.name}-throughput.svg`,
    latency: `${report.name}-latency.svg`,
    lightLatency: report.light.length === 0 ? undefined : `${report.name}-latency-1conn.svg`,
    chaos: report.chaos === undefined ? undefined : `${report.name}-chaos.svg`,
  };
  const written: string[] = [];
  const write = (file: string, text: string) => {
    writeFileSync(join(dir, file), text);
    written.push(join(dir, file));
  };
  write(`${report.name}.json`, `${JSON.stringify(report, null, 2)}\n`);
  if (report.summary.length > 0) {
    write(svgs.throughput, throughputSvg(report));
    write(
      svgs.latency,
      latencySvg(`Latency flat out, ${report.options.connections} connections (median of ${report.options.rounds} rounds)`, report.summary),
    );
  }
  if (svgs.lightLatency !== undefined)
    write(svgs.lightLatency, latencySvg(`Latency over one connection (median of ${report.options.rounds} rounds)`, report.light));
  if (report.chaos !== undefined && svgs.chaos !== undefined) write(svgs.chaos, chaosSvg(report.chaos));
  write(`${report.name}.md`, markdown(report, svgs));
  return written;
}

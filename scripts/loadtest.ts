/**
 * `npm run loadtest`: what Edgeway costs on the request path, and what it loses when an
 * origin dies, measured against references run in the same process tree on this machine.
 *
 *   npm run loadtest                       # a few minutes: every scenario, 3 rounds, then chaos
 *   npm run loadtest -- --quick            # smoke check, under a minute
 *   npm run loadtest -- --only edgeway-weighted,passthrough --rounds 5
 *   npm run loadtest -- --help             # every option
 *
 * Starts origin servers on 127.0.0.1 in a child process; Edgeway (the `wrangler deploy
 * --dry-run` bundle), a pass-through worker and the minimal worker on workerd; nginx as a weighted upstream
 * when it is installed. Drives each scenario with autocannon, interleaved in rounds, then
 * runs the chaos scenario (an origin killed and restarted under load). Prints the table,
 * writes bench/results/<date>.json, .md and -*.svg. It reports; it never fails on a figure.
 * Everything it starts is stopped on exit, on error and on Ctrl-C. See bench/README.md.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runChaos, CHAOS_ORIGINS } from "./lib/loadtest/chaos.ts";
import type { ChaosResult } from "./lib/loadtest/chaos.ts";
import { stopDriving } from "./lib/loadtest/drive.ts";
import { launchEdgeway, putConfig } from "./lib/loadtest/edgeway.ts";
import type { EdgewayLaunch } from "./lib/loadtest/edgeway.ts";
import { describeMachine } from "./lib/loadtest/machine.ts";
import { findNginx, NGINX_INSTALL_HINT, nginxVersion, startNginx } from "./lib/loadtest/nginx.ts";
import { isBaselineScenario, isEdgewayScenario, isMinimalScenario, leftOutPiece, parseOptions, USAGE } from "./lib/loadtest/options.ts";
import type { Options, ThroughputScenario } from "./lib/loadtest/options.ts";
import { OriginProcess } from "./lib/loadtest/origins.ts";
import { consoleReport, writeReport } from "./lib/loadtest/report.ts";
import { bundleEdgeway, compatibility, launchWorker, moduleFile } from "./lib/loadtest/runtime.ts";
import type { RunningWorker } from "./lib/loadtest/runtime.ts";
import { workerdVersion } from "./lib/loadtest/runtime-workerd.ts";
import { registeredShare, registerOrigins } from "./lib/loadtest/registrations.ts";
import { throughputConfig, variantsFor, weightOf } from "./lib/loadtest/scenarios.ts";
import { compare, summarize } from "./lib/loadtest/summary.ts";
import { runThroughput } from "./lib/loadtest/throughput.ts";
import type { Target } from "./lib/loadtest/throughput.ts";
import { exitOnSignals, onTeardown, teardown } from "./lib/loadtest/teardown.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const RESULTS = join(ROOT, "bench", "results");
const PASSTHROUGH = join(ROOT, "bench", "loadtest", "passthrough-worker.js");
const MINIMAL = join(ROOT, "bench", "loadtest", "minimal-worker.js");
const MINIMAL_HEADERS = join(ROOT, "bench", "loadtest", "minimal-headers-worker.js");
process.env["WRANGLER_SEND_METRICS"] = "false";

const t0 = Date.now();
const log = (line: string) => console.error(`[${((Date.now() - t0) / 1_000).toFixed(1).padStart(5)} s] ${line}`);
const argv = process.argv.slice(2);
const now = new Date();
const date = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;

let parsed: Options | "help";
try {
  parsed = parseOptions(argv, date);
} catch (error) {
  console.error(`loadtest: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
}
if (parsed === "help") {
  console.log(USAGE);
  process.exit(0);
}
const options: Options = parsed;

exitOnSignals(stopDriving);

/** Checks a target answers 200 to every request it will be sent (catches a broken setup before minutes of load). */
async function checkTarget(target: Target, logTail: readonly string[] = []): Promise<void> {
  for (const v of target.variants.slice(0, 8)) {
    const response = await fetch(new URL(v.path, target.url), { headers: { ...v.headers }, signal: AbortSignal.timeout(10_000) });
    const body = await response.text();
    if (response.status !== 200) {
      throw new Error(
        `${target.scenario}: GET ${v.path} answered ${response.status}: ${body.slice(0, 300)}${logTail.length > 0 ? `\n--- last log lines ---\n${logTail.slice(-10).join("\n")}` : ""}`,
      );
    }
  }
}

async function main(): Promise<void> {
  const started = t0;
  const notes: string[] = [];
  const scratch = mkdtempSync(join(tmpdir(), "edgeway-loadtest-"));
  onTeardown("scratch directory", () => rmSync(scratch, { recursive: true, force: true }));

  let scenarios: ThroughputScenario[] = [...options.scenarios];
  const nginxBinary = findNginx();
  if (scenarios.includes("nginx") && nginxBinary === undefined) {
    log(`loadtest: ${NGINX_INSTALL_HINT}`);
    notes.push(NGINX_INSTALL_HINT);
    scenarios = scenarios.filter((s) => s !== "nginx");
  }
  const needEdgeway = scenarios.some(isEdgewayScenario) || options.chaos !== undefined;
  if (scenarios.length === 0 && options.chaos === undefined)
    throw new Error("nothing to run (check --only, --skip-nginx and --skip-chaos)");

  // Origins, in a process of their own.
  const origins = new OriginProcess();
  onTeardown("origin servers", () => origins.stop());
  const throughputIds = scenarios.length > 0 ? Array.from({ length: options.origins }, (_, i) => `o${i + 1}`) : [];
  const chaosLatencyMs = options.chaos?.originLatencyMs ?? 0;
  const originUrls = await origins.start([
    ...throughputIds.map((id) => ({ id, latencyMs: options.latencyMs })),
    ...(options.chaos === undefined ? [] : CHAOS_ORIGINS.map((id) => ({ id, latencyMs: chaosLatencyMs }))),
  ]);
  log(`origins: ${[...originUrls].map(([id, url]) => `${id} ${url}`).join(", ")} (pid ${origins.pid})`);

  const workerd = await workerdVersion();
  let launch: EdgewayLaunch | undefined;
  if (needEdgeway) {
    log("bundling Edgeway (wrangler deploy --dry-run)…");
    const compat = compatibility(ROOT);
    launch = {
      runtime: options.runtime,
      modules: await bundleEdgeway(ROOT, join(scratch, "bundle")),
      compatibilityDate: compat.date,
      compatibilityFlags: compat.flags,
      adminToken: randomBytes(16).toString("hex"),
      allowLoopbackRegistration: options.registrations > 0,
    };
  }

  // The throughput targets, each started once and checked before any load.
  const targets: Target[] = [];
  const first = originUrls.get("o1") ?? "";
  let edgeway: RunningWorker | undefined;
  let baselineEdgeway: RunningWorker | undefined;
  for (const scenario of scenarios) {
    const variants = variantsFor(scenario);
    if (scenario === "direct") {
      targets.push({ scenario, url: first, variants, proxyPids: () => [] });
    } else if (scenario === "passthrough" || isMinimalScenario(scenario)) {
      const compat = compatibility(ROOT);
      const file = scenario === "passthrough" ? PASSTHROUGH : scenario.startsWith("minimal-headers") ? MINIMAL_HEADERS : MINIMAL;
      const piece = leftOutPiece(scenario);
      const leaveOut: Record<string, string> = piece === undefined ? {} : { LEAVE_OUT: piece };
      const pt = await launchWorker(
        options.runtime,
        {
          name: scenario,
          modules: moduleFile(file),
          compatibilityDate: compat.date,
          compatibilityFlags: compat.flags,
          vars: { ORIGIN: first, ORIGINS: throughputIds.map((id) => originUrls.get(id) ?? "").join(","), ...leaveOut },
        },
        join(scratch, scenario),
      );
      onTeardown(`${scenario} worker`, () => pt.dispose());
      log(`${scenario} worker: ${pt.url.href} (workerd pid ${pt.pid ?? "?"})`);
      const target = { scenario, url: pt.url.href, variants, proxyPids: () => (pt.pid === undefined ? [] : [pt.pid]) };
      await checkTarget(target, pt.logTail);
      targets.push(target);
    } else if (scenario === "nginx" && nginxBinary !== undefined) {
      const upstreams = throughputIds.map((id, i) => ({ port: origins.ports.get(id) ?? 0, weight: weightOf(i) }));
      const nginx = await startNginx(nginxBinary, join(scratch, "nginx"), upstreams);
      onTeardown("nginx", () => nginx.stop());
      log(`nginx: ${nginx.url.href} (pids ${nginx.pids().join(", ")})`);
      const target = { scenario, url: nginx.url.href, variants, proxyPids: () => nginx.pids() };
      await checkTarget(target, nginx.logTail);
      targets.push(target);
    } else if (isBaselineScenario(scenario) && launch !== undefined && options.baseline !== undefined) {
      if (baselineEdgeway === undefined) {
        log(`bundling the baseline Edgeway in ${options.baseline} (wrangler deploy --dry-run)…`);
        const modules = await bundleEdgeway(resolve(options.baseline), join(scratch, "baseline-bundle"));
        const bw = await launchEdgeway({ ...launch, modules }, "edgeway-baseline", join(scratch, "edgeway-baseline"));
        baselineEdgeway = bw;
        onTeardown("baseline Edgeway", () => bw.dispose());
        const throughput = throughputConfig(throughputIds.map((id) => ({ id, url: originUrls.get(id) ?? "" })));
        await putConfig(bw.url, launch.adminToken, throughput);
        log(`baseline Edgeway: ${bw.url.href} (workerd pid ${bw.pid ?? "?"})`);
        notes.push(`edgeway-baseline-* is the bundle of ${options.baseline}, run beside this checkout's in the same rounds.`);
      }
      const bw = baselineEdgeway;
      const target = { scenario, url: bw.url.href, variants, proxyPids: () => (bw.pid === undefined ? [] : [bw.pid]) };
      await checkTarget(target, bw.logTail);
      targets.push(target);
    } else if (isEdgewayScenario(scenario) && launch !== undefined) {
      if (edgeway === undefined) {
        const ew = await launchEdgeway(launch, "edgeway", join(scratch, "edgeway"));
        edgeway = ew;
        onTeardown("Edgeway", () => ew.dispose());
        const version = await putConfig(
          ew.url,
          launch.adminToken,
          throughputConfig(
            throughputIds.map((id) => ({ id, url: originUrls.get(id) ?? "" })),
            options.registrations,
            true,
          ),
        );
        log(`Edgeway: ${ew.url.href} (workerd pid ${ew.pid ?? "?"}), config version ${version}`);
        if (options.registrations > 0) {
          const servers = throughputIds.map((id) => originUrls.get(id) ?? "");
          const took = await registerOrigins(ew.url, launch.adminToken, options.registrations, servers);
          const share = await registeredShare(ew.url, "/weighted/item");
          const line = `${options.registrations} origins registered into the weighted pool (POST /_edgeway/register) before the runs, in ${took.toFixed(1)} s; edgeway-weighted steers over ${options.registrations + throughputIds.length} origins (registered ones answered ${Math.round(share * 100)} % of a 50-request check).`;
          log(line);
          notes.push(line);
        }
      }
      const ew = edgeway;
      const target = { scenario, url: ew.url.href, variants, proxyPids: () => (ew.pid === undefined ? [] : [ew.pid]) };
      await checkTarget(target, ew.logTail);
      targets.push(target);
    }
  }

  const runs =
    targets.length === 0
      ? []
      : await runThroughput({
          targets,
          rounds: options.rounds,
          durationSec: options.durationSec,
          lightDurationSec: options.lightDurationSec,
          warmupSec: options.warmupSec,
          connections: options.connections,
          originPid: origins.pid,
          log,
        });

  for (const r of runs) {
    if (r.inFlight > r.connections * 1.25) {
      notes.push(
        `Round ${r.round}, ${r.scenario} over ${r.connections} connection(s): req/s × mean latency says ${r.inFlight.toFixed(1)} requests were in flight, more than the connections allow, so its latency figures are overstated (did the server close keep-alive connections?).`,
      );
    }
  }

  let chaos: ChaosResult | undefined;
  if (options.chaos !== undefined && launch !== undefined) {
    const chaosLaunch = launch;
    log(
      `chaos: ${options.chaos.durationSec} s, ${options.connections} connections, ${CHAOS_ORIGINS.join(", ")} (${chaosLatencyMs} ms) behind a fresh Edgeway…`,
    );
    const ew = await launchEdgeway(chaosLaunch, "edgeway-chaos", join(scratch, "edgeway-chaos"));
    onTeardown("Edgeway (chaos)", () => ew.dispose());
    chaos = await runChaos({
      options: options.chaos,
      connections: options.connections,
      origins,
      originUrls,
      edgeway: ew,
      adminToken: chaosLaunch.adminToken,
      log,
    });
    if (chaos.figures.timeToEjectionMs === undefined) {
      notes.push(
        `The chaos run's dead origin was still being tried when it was restarted: Edgeway had not ejected it within ${((chaos.restartAtMs - chaos.killAtMs) / 1_000).toFixed(1)} s (clients saw ${chaos.figures.clientErrors} errors; failed tries are retried on another origin).`,
      );
    }
  }

  if (options.runtime === "miniflare") {
    notes.push(
      "Runtime miniflare: Miniflare routes every subrequest through its JavaScript outbound-interceptor worker, so each proxied request pays a JS hop production does not have (pass-through and Edgeway alike).",
    );
  }
  const report = {
    name: options.resultName,
    date,
    command: `npm run loadtest${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`,
    startedAt: new Date(started).toISOString(),
    elapsedSec: (Date.now() - started) / 1_000,
    options,
    machine: describeMachine(ROOT, { workerd, nginx: nginxBinary === undefined ? undefined : nginxVersion(nginxBinary) }),
    notes,
    runs,
    summary: summarize(runs, scenarios, "loaded"),
    comparisons: compare(runs, scenarios, "loaded"),
    light: summarize(runs, scenarios, "light"),
    lightComparisons: compare(runs, scenarios, "light"),
    chaos,
  };
  console.log(consoleReport(report));
  const written = writeReport(RESULTS, report);
  log(`wrote ${written.map((p) => relative(ROOT, p)).join(", ")}`);
}

try {
  await main();
  await teardown();
  process.exit(0);
} catch (error) {
  console.error(`loadtest: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await teardown();
  process.exit(1);
}

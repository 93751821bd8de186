/**
 * `npm run profile`: where the request path's CPU goes. Runs the Edgeway bundle on
 * `workerd serve` exactly as `npm run loadtest` does (same origins, same config), opens
 * workerd's V8 inspector on loopback, drives one scenario flat out while the V8 sampling
 * profiler records, and prints the functions with the most self time and the share of
 * samples that fall under each of Edgeway's request-path functions (inclusive time).
 *
 *   npm run profile                                   # edgeway-weighted, 8 s, 20 connections
 *   npm run profile -- --scenario edgeway-latency --seconds 10 --top 40
 *   npm run profile -- --out /tmp/edgeway.cpuprofile  # also save the profile for DevTools
 *   npm run profile -- --scenario minimal             # the minimal worker (bench/loadtest/), to compare
 *
 * The inspector slows the worker a little; read the figures as shares, not absolute cost
 * (`npm run loadtest` gives the cost).
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { drive } from "./lib/loadtest/drive.ts";
import { launchEdgeway, putConfig } from "./lib/loadtest/edgeway.ts";
import type { ThroughputScenario } from "./lib/loadtest/options.ts";
import { OriginProcess } from "./lib/loadtest/origins.ts";
import { freePort } from "./lib/loadtest/ports.ts";
import { bundleEdgeway, compatibility, launchWorker, moduleFile } from "./lib/loadtest/runtime.ts";
import type { RunningWorker } from "./lib/loadtest/runtime.ts";
import { throughputConfig, variantsFor } from "./lib/loadtest/scenarios.ts";
import { exitOnSignals, onTeardown, teardown } from "./lib/loadtest/teardown.ts";
import { recordProfile, summarizeProfile } from "./lib/profile/cpu-profile.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const { values } = parseArgs({
  options: {
    scenario: { type: "string", default: "edgeway-weighted" },
    seconds: { type: "string", default: "8" },
    connections: { type: "string", default: "20" },
    top: { type: "string", default: "30" },
    out: { type: "string" },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(
    "npm run profile -- [--scenario edgeway-weighted|edgeway-latency|edgeway-geo|edgeway-hash|edgeway-full|edgeway-weighted-lean|minimal] [--seconds 8] [--connections 20] [--top 30] [--out FILE.cpuprofile]",
  );
  process.exit(0);
}
const scenario = values.scenario as ThroughputScenario;
if (!scenario.startsWith("edgeway-") && scenario !== "minimal")
  throw new Error(`--scenario must be an Edgeway scenario or minimal, got ${scenario}`);
const seconds = Number(values.seconds);
const connections = Number(values.connections);
if (!(seconds > 0 && seconds <= 60)) throw new Error("--seconds must be in (0, 60]");
if (!(Number.isInteger(connections) && connections > 0 && connections <= 200)) throw new Error("--connections must be 1–200");

exitOnSignals(() => {});
const scratch = mkdtempSync(join(tmpdir(), "edgeway-profile-"));
onTeardown("scratch directory", () => rmSync(scratch, { recursive: true, force: true }));
try {
  const origins = new OriginProcess();
  onTeardown("origin servers", () => origins.stop());
  const ids = ["o1", "o2", "o3"];
  const urls = await origins.start(ids.map((id) => ({ id, latencyMs: 0 })));
  const compat = compatibility(ROOT);
  const inspectorPort = await freePort();
  let worker: RunningWorker;
  if (scenario === "minimal") {
    worker = await launchWorker(
      "workerd",
      {
        name: "minimal",
        modules: moduleFile(join(ROOT, "bench", "loadtest", "minimal-worker.js")),
        compatibilityDate: compat.date,
        compatibilityFlags: compat.flags,
        vars: { ORIGIN: urls.get("o1") ?? "" },
        inspectorPort,
      },
      join(scratch, "minimal"),
    );
    onTeardown("minimal worker", () => worker.dispose());
  } else {
    console.log("bundling Edgeway (wrangler deploy --dry-run --no-minify, so functions keep their names)…");
    const modules = await bundleEdgeway(ROOT, join(scratch, "bundle"), ["--no-minify"]);
    const token = randomBytes(16).toString("hex");
    worker = await launchEdgeway(
      {
        runtime: "workerd",
        modules,
        compatibilityDate: compat.date,
        compatibilityFlags: compat.flags,
        adminToken: token,
        inspectorPort,
      },
      "edgeway",
      join(scratch, "edgeway"),
    );
    onTeardown("Edgeway", () => worker.dispose());
    await putConfig(
      worker.url,
      token,
      throughputConfig(
        ids.map((id) => ({ id, url: urls.get(id) ?? "" })),
        0,
        true,
      ),
    );
  }
  const url = worker.url.href;
  const variants = variantsFor(scenario);
  console.log(`warming up ${scenario} for 2 s…`);
  await drive({ url, connections, durationSec: 2, variants });
  console.log(`profiling ${scenario} for ${seconds} s over ${connections} connections…`);
  const { profile, result } = await recordProfile(inspectorPort, () => drive({ url, connections, durationSec: seconds, variants }));
  if (values.out !== undefined) writeFileSync(values.out, JSON.stringify(profile));
  console.log(`${result.ok} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors; ${Math.round(result.rps)} req/s under the profiler`);
  console.log(summarizeProfile(profile, { top: Number(values.top), requests: result.ok }));
} finally {
  await teardown();
}

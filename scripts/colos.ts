/**
 * `npm run colos -- --colos FRA,SIN,IAD,GRU`: several colos on this machine. Starts one
 * real Edgeway worker (`wrangler dev`) per colo, all sharing one OriginState Durable Object
 * (scripts/lib/colos/harness.ts), and three origins on 127.0.0.1; loads a config with the
 * origins in one round-robin pool; then shows, colo by colo, where requests go and what
 * each colo's health view says:
 *
 *   1. every origin fine: each colo spreads its requests over a, b and c;
 *   2. origin a fails for the first colo's traffic only: that colo ejects it, the others
 *      keep sending it their share (passive health is per colo);
 *   3. a fails for every colo: once a quorum of the colos that sent it traffic eject it,
 *      the object's verdict ejects it everywhere within one snapshot TTL.
 *
 *   --colos LIST      colo codes (default FRA,SIN,IAD,GRU); the first owns the object
 *   --requests N      requests per colo per step (default 30)
 *   --port N          first worker's port (default 8900; inspector ports from 9900)
 *   --hold            keep everything running after the steps, until Ctrl-C
 *   --verbose         print every worker's output, prefixed by its colo
 */
import { colosConfig } from "./lib/colos/config.ts";
import { DEFAULT_BASE_PORT, DEFAULT_INSPECTOR_BASE_PORT, startColos, stopAllColos } from "./lib/colos/harness.ts";
import type { ColoHarness } from "./lib/colos/harness.ts";
import { coloHealthLine, formatSpread } from "./lib/colos/report.ts";

const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const colos = (flag("--colos") ?? "FRA,SIN,IAD,GRU").split(",").filter((c) => c.trim() !== "");
const requests = Number(flag("--requests") ?? 30);
const port = Number(flag("--port") ?? DEFAULT_BASE_PORT);
if (!Number.isInteger(requests) || requests < 1 || requests > 10_000) throw new Error("--requests must be a whole number from 1 to 10000");
if (!Number.isInteger(port) || port < 1024 || port > 65_000) throw new Error("--port must be a port number from 1024");
const verbose = process.argv.includes("--verbose");
const hold = process.argv.includes("--hold");
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let harness: ColoHarness | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  stopping = true;
  // Also a harness still starting (Ctrl-C during start-up).
  await stopAllColos();
  process.exit(code);
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(signal, () => void shutdown(0));

async function step(title: string): Promise<void> {
  if (harness === undefined) return;
  console.log(`\n${title}`);
  for (const w of harness.workers) console.log(`  ${w.colo}  ${formatSpread(await harness.spread(w, requests))}`);
  // Let the object's snapshot reach every colo before reading health.
  await sleep(2_500);
  for (const w of harness.workers) console.log(`  ${w.colo}  ${await coloHealthLine(w)}`);
}

try {
  const started = Date.now();
  console.log(`starting ${colos.length} workers (${colos.join(", ")}) on ports ${port}–${port + colos.length - 1}…`);
  harness = await startColos({
    colos,
    basePort: port,
    inspectorBasePort: DEFAULT_INSPECTOR_BASE_PORT + (port - DEFAULT_BASE_PORT),
    ...(verbose ? { onLine: (colo: string, line: string) => console.log(`[${colo}] ${line}`) } : {}),
  });
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const w of harness.workers)
    console.log(
      `  ${w.colo}  ${w.url}  inspector ${w.inspectorPort}  ${w.owner ? "owns OriginState and the colo aggregators" : "binds OriginState and ColoAggregator (script_name edgeway)"}`,
    );
  console.log(`origins: ${[...harness.origins.values()].map((o) => `${o.id} ${o.url}`).join(", ")}`);
  await harness.putConfig(colosConfig(harness));

  const first = harness.workers[0]?.colo ?? "FRA";
  await step("1. every origin fine — requests per origin, then each colo's health view:");
  harness.origin("a").setMode("fail", first);
  await step(`2. origin a fails for ${first}'s traffic only:`);
  harness.origin("a").setMode("fail");
  await step("3. origin a fails for every colo:");
  await step("   and a little later:");
  harness.origin("a").setMode("ok");

  if (!hold) await shutdown(0);
  console.log(`\nrunning until Ctrl-C. Try:
  curl -s -D - -o /dev/null ${harness.workers[0]?.url}/ | grep -i x-edgeway-origin
  curl -H "authorization: Bearer ${harness.adminToken}" ${harness.workers[0]?.url}/_edgeway/health
  curl ${harness.origin("a").url}/__origin/mode?set=fail\\&colo=${first}   # a fails for ${first} only (clients send x-colo-path)`);
  while (!stopping) await sleep(1_000);
} catch (error) {
  console.error(`colos: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}

/**
 * `npm start`: Edgeway on your machine. Starts the four demo origins named in
 * examples/multi-cloud.json (127.0.0.1:9101–9104), runs `wrangler dev` on
 * http://localhost:8787, loads the example config through the admin API, then runs a
 * round of health probes every 5 s (cron never fires locally) and prints a health line
 * whenever it changes. Ctrl-C stops everything; if wrangler exits, so does the demo.
 *
 *   --smoke   after loading the config, check proxying, geo steering and failover,
 *             print PASS/FAIL and exit 0/1 (verifies the demo on a clean machine).
 *   --port N  serve on port N instead of 8787.
 *   --persist-to DIR  keep wrangler's local KV and Durable Object state in DIR rather
 *             than .wrangler/state (a test starts from nothing and leaves no trace).
 *
 * ADMIN_TOKEN (default demo-token) is the admin API's bearer token.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startOrigin } from "./lib/origin-server.ts";
import type { OriginServer } from "./lib/origin-server.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const CONFIG_FILE = join(ROOT, "examples", "multi-cloud.json");
/** The value after a `--name` flag. */
const flag = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const PORT = Number(flag("--port") ?? 8787);
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65_535) throw new Error(`--port must be a port number (1–65535), got ${flag("--port")}`);
const PERSIST_TO = flag("--persist-to");
const BASE = `http://127.0.0.1:${PORT}`;
const TOKEN = process.env["ADMIN_TOKEN"] || "demo-token";
const SMOKE = process.argv.includes("--smoke");
const GEO = { EU: "country=DE; continent=EU; lat=52.52; lon=13.40", AS: "country=SG; continent=AS; lat=1.35; lon=103.82" };
const auth = { authorization: `Bearer ${TOKEN}` };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const get = (path: string, headers: Record<string, string> = {}) => fetch(BASE + path, { headers, signal: AbortSignal.timeout(20_000) });

const configText = readFileSync(CONFIG_FILE, "utf8");
const declared = (JSON.parse(configText) as { origins: { id: string; url: string }[] }).origins;
const ids = declared.map((o) => o.id);
const origins: OriginServer[] = [];
let wrangler: ReturnType<typeof spawn> | undefined;
let stopping = false;
const logTail: string[] = [];

async function shutdown(code: number): Promise<never> {
  stopping = true;
  if (wrangler !== undefined && wrangler.exitCode === null && wrangler.signalCode === null) {
    const exited = new Promise((r) => wrangler?.once("exit", r));
    wrangler.kill("SIGTERM");
    if ((await Promise.race([exited, sleep(10_000).then(() => "timeout")])) === "timeout") wrangler.kill("SIGKILL");
  }
  await Promise.all(origins.map((o) => o.close()));
  process.exit(code);
}

function fail(message: string): Promise<never> {
  if (SMOKE && logTail.length > 0) console.error(`--- last wrangler output ---\n${logTail.join("\n")}\n---`);
  console.error(`demo: ${message}`);
  return shutdown(1);
}

process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

// Origins, on the ports their URLs name.
for (const o of declared) {
  try {
    origins.push(await startOrigin({ id: o.id, port: Number(new URL(o.url).port) }));
  } catch (error) {
    await fail(`cannot start origin ${o.id} on ${o.url}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
console.log(`origins: ${origins.map((o) => `${o.id} ${o.url}`).join(", ")}`);

// Refuse to start if something else already answers on 8787 (we would talk to it instead).
const portFree = await new Promise<boolean>((r) => {
  const probe = createServer()
    .once("error", () => r(false))
    .listen(PORT, "127.0.0.1", () => probe.close(() => r(true)));
});
if (!portFree) await fail(`port ${PORT} is in use (another wrangler dev?); stop it and try again`);

wrangler = spawn(
  process.execPath,
  [
    join(ROOT, "node_modules", ".bin", "wrangler"),
    "dev",
    "--port",
    String(PORT),
    "--ip",
    "127.0.0.1",
    "--var",
    `ADMIN_TOKEN:${TOKEN}`,
    // The local-development switch (also in .dev.vars): origins on this machine may register
    // into pools whose registration policy admits 127.0.0.1 (examples/registration.json).
    "--var",
    "EDGEWAY_ALLOW_LOOPBACK_REGISTRATION:true",
    ...(PERSIST_TO === undefined ? [] : ["--persist-to", PERSIST_TO]),
  ],
  {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
);
// Pass wrangler's output through, minus the noise of the demo's own probe/health polling.
const noise = /\/cdn-cgi\/local\/scheduled|\/_edgeway\/health|"event":"probes_recorded"/;
for (const [stream, out] of [
  [wrangler.stdout, process.stdout],
  [wrangler.stderr, process.stderr],
] as const) {
  let partial = "";
  stream?.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (SMOKE) {
        logTail.push(line);
        if (logTail.length > 40) logTail.shift();
      } else if (!noise.test(line)) out.write(`${line}\n`);
    }
  });
}
wrangler.on("exit", (code, signal) => {
  if (stopping) return;
  console.error(`demo: wrangler exited (${signal ?? `code ${code}`})`);
  void shutdown(code ?? 1);
});

// Wait (bounded) for the worker to answer (any status will do: 401 here).
const deadline = Date.now() + 90_000;
for (;;) {
  try {
    await fetch(`${BASE}/_edgeway/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.arrayBuffer());
    break;
  } catch {
    if (Date.now() > deadline) await fail(`wrangler dev did not answer on ${BASE} within 90 s`);
    await sleep(500);
  }
}

const put = await fetch(`${BASE}/_edgeway/config`, {
  method: "PUT",
  headers: { ...auth, "content-type": "application/json" },
  body: configText,
});
if (!put.ok) await fail(`PUT /_edgeway/config answered ${put.status}: ${await put.text()}`);
console.log(`\nconfig: examples/multi-cloud.json loaded as version ${((await put.json()) as { version: number }).version}`);

/** One probe round, then the health line (origins in config order). */
async function probeRound(): Promise<string> {
  await get("/cdn-cgi/local/scheduled").then((r) => r.arrayBuffer());
  const health = (await (await get("/_edgeway/health", auth)).json()) as { origins: Record<string, { healthy: boolean }> };
  return `health: ${ids.map((id) => `${id} ${health.origins[id]?.healthy === true ? "✓" : health.origins[id] === undefined ? "?" : "✗"}`).join(" ")}`;
}

async function smoke(): Promise<never> {
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
    if (!ok) failures.push(what);
  };
  const originOf = async (headers: Record<string, string> = {}) => {
    const r = await get("/smoke", headers);
    await r.arrayBuffer();
    return r.status === 200 ? r.headers.get("x-edgeway-origin") : `status ${r.status}`;
  };
  const spread = async (n: number) => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const id = String(await originOf());
      seen[id] = (seen[id] ?? 0) + 1;
    }
    return seen;
  };
  console.log(await probeRound());
  const first = await spread(20);
  check(
    Object.keys(first).every((k) => ids.includes(k)),
    `20 requests all proxied with x-edgeway-origin: ${JSON.stringify(first)}`,
  );
  check((await originOf({ "x-edgeway-debug-geo": GEO.EU })) === "gcp-euw1", "EU client (debug geo) served by gcp-euw1");
  check((await originOf({ "x-edgeway-debug-geo": GEO.AS })) === "az-sea", "AS client (debug geo) served by az-sea");
  const down = origins.find((o) => o.id === "aws-use1");
  down?.setMode("fail");
  await probeRound();
  const line = await probeRound();
  check(line.includes("aws-use1 ✗"), `aws-use1 failing is marked unhealthy (${line})`);
  const after = await spread(10);
  check(
    after["aws-use1"] === undefined && Object.keys(after).every((k) => ids.includes(k)),
    `traffic moved off aws-use1: ${JSON.stringify(after)}`,
  );
  down?.setMode("ok");
  await probeRound();
  const back = await probeRound();
  check(back.includes("aws-use1 ✓"), `aws-use1 back after two passing probes (${back})`);
  if (failures.length > 0) return fail(`smoke FAIL (${failures.length} check(s) failed)`);
  console.log("smoke PASS");
  return shutdown(0);
}

if (SMOKE) await smoke().catch((error: unknown) => fail(`smoke FAIL: ${error instanceof Error ? error.message : String(error)}`));

console.log(`
Try it (Ctrl-C stops the demo):
  # balancing: your client is in North America here, so the "na" pool (aws-use1 ×3, aws-usw2 ×1)
  for i in $(seq 8); do curl -s -o /dev/null -D - localhost:8787/ | grep -i x-edgeway-origin; done
  # geo steering: EU → gcp-euw1, AS → az-sea
  curl -s -o /dev/null -D - -H "x-edgeway-debug-geo: ${GEO.EU}" localhost:8787/ | grep -i x-edgeway-origin
  curl -s -o /dev/null -D - -H "x-edgeway-debug-geo: ${GEO.AS}" localhost:8787/ | grep -i x-edgeway-origin
  # take aws-use1 down, re-run the loop above and watch traffic move (two failed probes, ~10 s); then bring it back
  curl 127.0.0.1:9101/__origin/mode?set=fail
  curl 127.0.0.1:9101/__origin/mode?set=ok
  # self-registration: push a config whose pools have a registration policy, then register an origin
  ADMIN_TOKEN=${TOKEN} npm run config -- push examples/registration.json --url http://localhost:${PORT}
  curl -H "authorization: Bearer ${TOKEN}" -d '{"id":"eu-extra","url":"http://127.0.0.1:9102","pool":"eu"}' localhost:${PORT}/_edgeway/register
  # admin API
  curl -H "authorization: Bearer ${TOKEN}" localhost:8787/_edgeway/health
  curl -H "authorization: Bearer ${TOKEN}" localhost:8787/_edgeway/metrics
`);

let last = "";
while (!stopping) {
  try {
    const line = await probeRound();
    if (line !== last) console.log((last = line));
  } catch (error) {
    if (!stopping) console.error(`demo: probe round failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  await sleep(5_000);
}

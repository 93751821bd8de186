/**
 * Edgeway's config CLI: check a config document and put it in force.
 *
 *   npm run config -- validate examples/multi-cloud.json
 *   npm run config -- push examples/multi-cloud.json                  # local KV (wrangler dev's)
 *   ADMIN_TOKEN=… npm run config -- push FILE --url https://edge.example.com
 *
 * Validation is the worker's own (src/config/validate.ts), so a file this CLI accepts is
 * exactly a file `PUT /_edgeway/config` accepts. Commands live in one table (COMMANDS):
 * each names its arguments, its flags and its handler, and the help text is built from
 * it, so further commands (diff, history, rollback, drain, status) are one entry each.
 *
 * Exit codes: 0 success; 1 the config is invalid or the push failed; 2 usage error,
 * unreadable or non-JSON file, or ADMIN_TOKEN missing. Failures are reported on stderr.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { validateConfig } from "../src/config/validate.ts";
import type { Config } from "../src/config/schema.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const CONFIG_KEY = "config";
const versionKey = (version: number): string => `config:v:${version}`;

/** Exit 2: the command line or an input file is unusable. */
class UsageError extends Error {}
/** Exit 1: the config was refused, or writing it failed. */
class Failure extends Error {}

interface Flag {
  readonly name: string;
  readonly type: "boolean" | "string";
  /** Placeholder for a string flag's value in the help text. */
  readonly arg?: string;
  readonly help: string;
}

type Values = Record<string, string | boolean | undefined>;

interface Command {
  readonly args: readonly string[];
  readonly summary: string;
  readonly flags: readonly Flag[];
  readonly run: (positionals: readonly string[], values: Values) => Promise<number>;
}

/** Reads and parses a JSON file ("-" = stdin); UsageError names the file and the problem. */
function readJson(file: string): { text: string; document: unknown } {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : resolve(file), "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    return { text, document: JSON.parse(text) as unknown };
  } catch (error) {
    throw new UsageError(`${file === "-" ? "stdin" : file} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Validates FILE; Failure lists every issue as `  path: message`. */
function loadValid(file: string): { text: string; document: unknown; config: Config } {
  const { text, document } = readJson(file);
  const result = validateConfig(document);
  if (!result.ok) {
    const lines = result.issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    throw new Failure(`invalid: ${file === "-" ? "stdin" : file} has ${result.issues.length} problem(s):\n${lines.join("\n")}`);
  }
  return { text, document, config: result.config };
}

/** Runs the project's wrangler on this Node (wrangler needs Node 22); throws Failure on a non-zero exit. */
function wrangler(args: readonly string[]): string {
  const run = spawnSync(process.execPath, [WRANGLER, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
    timeout: 120_000,
  });
  if (run.error !== undefined) throw new Failure(`could not run wrangler: ${run.error.message}`);
  if (run.status !== 0) throw new Failure(`wrangler ${args.join(" ")} failed (exit ${run.status}):\n${run.stderr}${run.stdout}`.trimEnd());
  return run.stdout;
}

async function pushToUrl(url: string, text: string): Promise<number> {
  const token = process.env["ADMIN_TOKEN"];
  if (token === undefined || token === "") throw new UsageError("push --url needs the admin token in the environment variable ADMIN_TOKEN");
  const endpoint = `${url.replace(/\/+$/, "")}/_edgeway/config`;
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: text,
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    throw new Failure(`PUT ${endpoint} failed: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`);
  }
  const body = await response.text();
  if (!response.ok) throw new Failure(`PUT ${endpoint} answered ${response.status}:\n${body.trimEnd()}`);
  let version: unknown;
  try {
    version = (JSON.parse(body) as { version?: unknown }).version;
  } catch {
    version = undefined;
  }
  console.log(`pushed version ${String(version ?? "?")} to ${url}`);
  return 0;
}

function pushToKv(document: unknown, values: Values): number {
  const remote = values["remote"] === true;
  const where = remote ? ["--remote"] : ["--local", ...(typeof values["persist-to"] === "string" ? ["--persist-to", resolve(values["persist-to"])] : [])];
  const kv = ["kv", "key"];
  const ns = ["--binding", "CONFIG", ...where];

  const current = wrangler([...kv, "get", CONFIG_KEY, ...ns]).trim();
  let version = 0;
  if (current !== "" && current !== "Value not found") {
    let envelope: unknown;
    try {
      envelope = JSON.parse(current);
    } catch {
      envelope = undefined;
    }
    const v = (envelope as { version?: unknown } | undefined)?.version;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
      throw new Failure(`the value under "${CONFIG_KEY}" in ${remote ? "remote" : "local"} KV is not a config envelope; nothing was written`);
    }
    version = v;
  }
  const next = version + 1;
  const envelope = { version: next, updatedAt: new Date().toISOString(), document };
  const dir = mkdtempSync(join(tmpdir(), "edgeway-config-"));
  try {
    const file = join(dir, "envelope.json");
    writeFileSync(file, JSON.stringify(envelope));
    // The versioned copy first, then the pointer, as the worker does (src/config/store.ts).
    wrangler([...kv, "put", versionKey(next), "--path", file, ...ns]);
    wrangler([...kv, "put", CONFIG_KEY, "--path", file, ...ns]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`pushed version ${next} to ${remote ? "remote" : "local"} KV`);
  return 0;
}

const COMMANDS: Record<string, Command> = {
  validate: {
    args: ["FILE"],
    summary: "Check a config document (schema and cross-references); prints `valid: N origins, N pools, N routes`.",
    flags: [],
    run: async ([file]) => {
      const { config } = loadValid(file ?? "");
      console.log(`valid: ${config.origins.length} origins, ${config.pools.length} pools, ${config.routes.length} routes`);
      return 0;
    },
  },
  push: {
    args: ["FILE"],
    summary:
      "Validate, then store FILE as the next config version (nothing is written when it is invalid).\n" +
      "Without --url it writes KV through wrangler (config:v:N, then config); a running\n" +
      "`wrangler dev` picks the change up within a few seconds (its isolate re-reads KV every 5 s).",
    flags: [
      { name: "local", type: "boolean", help: "write wrangler dev's local KV (the default)" },
      { name: "remote", type: "boolean", help: "write the deployed namespace (needs `wrangler login`)" },
      { name: "persist-to", type: "string", arg: "DIR", help: "local KV state directory (wrangler's --persist-to; default .wrangler/state)" },
      { name: "url", type: "string", arg: "URL", help: "PUT to URL/_edgeway/config instead, with Authorization: Bearer $ADMIN_TOKEN" },
    ],
    run: async ([file], values) => {
      const url = values["url"];
      const targets = [values["remote"] === true, values["local"] === true || values["persist-to"] !== undefined, typeof url === "string"];
      if (targets.filter(Boolean).length > 1) throw new UsageError("push: choose one of --local/--persist-to, --remote, --url");
      const { text, document } = loadValid(file ?? "");
      return typeof url === "string" ? pushToUrl(url, text) : pushToKv(document, values);
    },
  },
};

function usage(): string {
  const lines = ["Usage: npm run config -- <command> [flags]", "", "Commands:"];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${[name, ...command.args].join(" ")}`);
    for (const line of command.summary.split("\n")) lines.push(`      ${line}`);
    for (const flag of command.flags) lines.push(`      --${flag.name}${flag.arg === undefined ? "" : ` ${flag.arg}`}`.padEnd(28) + flag.help);
  }
  lines.push(
    "",
    "  FILE may be - to read standard input.",
    "  --help, -h   this text",
    "",
    "Exit codes: 0 success; 1 invalid config or failed push; 2 usage error (no arguments included),",
    "unreadable or non-JSON file, or ADMIN_TOKEN not set for --url.",
  );
  return lines.join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return 0;
  }
  if (name === undefined) throw new UsageError(`no command given\n\n${usage()}`);
  const command = COMMANDS[name];
  if (command === undefined) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  const options: Record<string, { type: "boolean" | "string" }> = { help: { type: "boolean" } };
  for (const flag of command.flags) options[flag.name] = { type: flag.type };
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...rest], options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (error) {
    throw new UsageError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed.values["help"] === true) {
    console.log(usage());
    return 0;
  }
  if (parsed.positionals.length !== command.args.length) {
    throw new UsageError(`${name} takes ${command.args.join(" ")} (got ${parsed.positionals.length} argument(s))`);
  }
  return command.run(parsed.positionals, parsed.values);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`error: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof Failure) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    throw error;
  }
}

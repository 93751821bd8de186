/**
 * Edgeway's config CLI: check a config document, put it in force, and operate a running
 * worker through its admin API (a local `wrangler dev` or a deployed worker).
 *
 *   npm run config -- validate examples/multi-cloud.json
 *   npm run config -- push examples/multi-cloud.json                  # local KV (wrangler dev's)
 *   export ADMIN_TOKEN=demo-token                                      # the worker's ADMIN_TOKEN
 *   npm run config -- push FILE --url http://localhost:8787 --reason "more weight on use1"
 *   npm run config -- diff FILE                                        # against the config in force
 *   npm run config -- history | rollback N | status
 *   npm run config -- drain aws-use1 --reason "kernel upgrade"  …  enable aws-use1
 *
 * Validation is the worker's own (src/config/validate.ts), so a file this CLI accepts is
 * exactly a file `PUT /_edgeway/config` accepts. Commands live in one table (COMMANDS):
 * each names its arguments, its flags and its handler, and the help text is built from
 * it. Admin API commands take --url (default http://localhost:8787, where `npm start`
 * runs the worker) and send the token from ADMIN_TOKEN — the same name as the worker's
 * secret, so one `export` serves the demo, the worker and the CLI — and
 * `x-edgeway-actor: user@host` (--actor overrides), which the worker records as who made
 * a change.
 *
 * Exit codes: 0 success (`diff` too, whether or not there are changes: like `git diff`,
 * the changes are the output, not an error); 1 the config is invalid, the worker refused
 * the request (its message is printed) or is not reachable; 2 usage error, unreadable or
 * non-JSON file, or ADMIN_TOKEN missing. Failures are reported on stderr.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { validateConfig } from "../src/config/validate.ts";
import type { Config } from "../src/config/schema.ts";
import { AdminClient, AdminError, DEFAULT_URL, MissingTokenError, TOKEN_VARIABLE, defaultActor, tokenFromEnv } from "./lib/admin-client.ts";
import {
  HealthAnswer,
  HistoryAnswer,
  OperationAnswer,
  OriginsAnswer,
  PushAnswer,
  RollbackAnswer,
  ValidateAnswer,
} from "./lib/admin-answers.ts";
import { formatDiff, formatHistory, formatOverrides, formatStatus } from "./lib/admin-report.ts";
import { paint } from "./lib/table.ts";
import { EXIT_DROPPED, IMPORT_SOURCES, exportConfig, formatDropped, importFiles } from "./lib/import/command.ts";
import type { ImportSource } from "./lib/import/command.ts";
import { ImportError } from "./lib/import/model.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const CONFIG_KEY = "config";
const versionKey = (version: number): string => `config:v:${version}`;
/** The admin API's limits on a reason and on a history page. */
const MAX_REASON = 500;
const MAX_HISTORY = 100;

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
  /** The command refuses to run without it (exit 2). */
  readonly required?: boolean;
}

type Values = Record<string, string | boolean | undefined>;

interface Command {
  readonly args: readonly string[];
  readonly summary: string;
  readonly flags: readonly Flag[];
  /** Talks to the admin API: takes --url and --actor, needs ADMIN_TOKEN. */
  readonly api?: boolean;
  /** Other names for the command. */
  readonly aliases?: readonly string[];
  readonly run: (positionals: readonly string[], values: Values) => Promise<number>;
}

const URL_FLAG: Flag = {
  name: "url",
  type: "string",
  arg: "URL",
  help: `the worker (default ${DEFAULT_URL}, where \`npm start\` runs it)`,
};
const ACTOR_FLAG: Flag = {
  name: "actor",
  type: "string",
  arg: "WHO",
  help: "who makes the change, as the worker records it (default user@host)",
};
const reasonFlag = (help: string, required = false): Flag => ({ name: "reason", type: "string", arg: "TEXT", help, required });

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

/** The admin API client for a command: --url (or the default), ADMIN_TOKEN, --actor (or user@host). */
function adminClient(name: string, values: Values): AdminClient {
  const url = typeof values["url"] === "string" ? values["url"] : DEFAULT_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${name}: --url ${url} is not a URL (e.g. ${DEFAULT_URL} or https://edge.example.com)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new UsageError(`${name}: --url must be http:// or https:// (got ${url})`);
  const actor = typeof values["actor"] === "string" ? values["actor"] : defaultActor();
  if (actor.trim() === "") throw new UsageError(`${name}: --actor must not be empty`);
  return new AdminClient(url, tokenFromEnv(name), actor);
}

/** --reason, checked against the admin API's limit; `required` makes a missing one a usage error. */
function reasonOf(name: string, values: Values, required: boolean): string | undefined {
  const reason = values["reason"];
  if (typeof reason !== "string" || reason.trim() === "") {
    if (required) throw new UsageError(`${name} needs --reason TEXT (recorded with the change)`);
    return undefined;
  }
  if (reason.length > MAX_REASON)
    throw new UsageError(`${name}: --reason is ${reason.length} characters; the admin API keeps at most ${MAX_REASON}`);
  return reason;
}

/** A whole number in [min, max] from the command line, or a usage error naming `what`. */
function wholeNumber(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${what} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`} (got "${text}")`,
    );
  }
  return n;
}

/** FILE as the messages name it. */
const fileLabel = (file: string): string => (file === "-" ? "stdin" : file);

async function pushToUrl(client: AdminClient, values: Values, text: string): Promise<number> {
  const reason = reasonOf("push", values, false);
  // The reason travels in a header, and header values are bytes: keep it to printable ASCII.
  if (reason !== undefined && /[^\x20-\x7e]/.test(reason))
    throw new UsageError("push: --reason is sent as the x-edgeway-reason header; use printable ASCII only");
  const { body } = await client.send(
    { method: "PUT", path: "/config", text, headers: reason === undefined ? {} : { "x-edgeway-reason": reason } },
    PushAnswer,
  );
  console.log(`pushed version ${body.version} to ${client.url}`);
  return 0;
}

/** One origin operation (POST or DELETE under /origins/:id), then the overrides it holds afterwards. */
async function operate(
  name: string,
  values: Values,
  origin: string,
  method: "POST" | "DELETE",
  path: string,
  json: unknown,
  done: string,
): Promise<number> {
  const client = adminClient(name, values);
  const { body } = await client.send({ method, path: `/origins/${encodeURIComponent(origin)}${path}`, json }, OperationAnswer);
  console.log(`${origin}: ${done}`);
  if (body.overrides !== undefined) {
    const held = formatOverrides(body.overrides, Date.now());
    console.log(held === "" ? `${origin} holds no overrides now` : `overrides now: ${held}`);
  }
  return 0;
}

/** The body of a change that carries an optional reason. */
const withReason = (reason: string | undefined, rest: Record<string, unknown> = {}): Record<string, unknown> =>
  reason === undefined ? rest : { ...rest, reason };

function pushToKv(document: unknown, values: Values): number {
  const remote = values["remote"] === true;
  const where = remote
    ? ["--remote"]
    : ["--local", ...(typeof values["persist-to"] === "string" ? ["--persist-to", resolve(values["persist-to"])] : [])];
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
      throw new Failure(
        `the value under "${CONFIG_KEY}" in ${remote ? "remote" : "local"} KV is not a config envelope; nothing was written`,
      );
    }
    version = v;
  }
  const next = version + 1;
  // Who pushed it, as the worker records it for an admin API push; the metadata is what history listings read.
  const envelope = { version: next, updatedAt: new Date().toISOString(), document, actor: `${defaultActor()} (KV write)` };
  const { document: _, ...metadata } = envelope;
  const dir = mkdtempSync(join(tmpdir(), "edgeway-config-"));
  try {
    const file = join(dir, "envelope.json");
    writeFileSync(file, JSON.stringify(envelope));
    // The versioned copy first, then the pointer, as the worker does (src/config/store.ts).
    wrangler([...kv, "put", versionKey(next), "--path", file, "--metadata", JSON.stringify(metadata), ...ns]);
    wrangler([...kv, "put", CONFIG_KEY, "--path", file, ...ns]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`pushed version ${next} to ${remote ? "remote" : "local"} KV`);
  return 0;
}

/** `import --from istio|cloudflare FILE…`: print, diff or apply the imported config; exit 3 when fields were dropped. */
async function runImport(files: readonly string[], values: Values): Promise<number> {
  const from = values["from"];
  if (typeof from !== "string" || !(IMPORT_SOURCES as readonly string[]).includes(from))
    throw new UsageError(`import needs --from ${IMPORT_SOURCES.join("|")}`);
  if (values["diff"] === true && values["apply"] === true) throw new UsageError("import: choose --diff or --apply, not both");
  const outcome = importFiles(from as ImportSource, files);
  const text = `${JSON.stringify(outcome.document, null, 2)}\n`;
  if (values["diff"] === true || values["apply"] === true) {
    const client = adminClient(`import --${values["apply"] === true ? "apply" : "diff"}`, values);
    if (values["apply"] === true) {
      const reason =
        reasonOf("import", values, false) ?? `import from ${from}: ${files.map((f) => f.split("/").pop()).join(", ")}`.slice(0, MAX_REASON);
      const { body } = await client.send(
        { method: "PUT", path: "/config", text, headers: { "x-edgeway-reason": reason.replace(/[^\x20-\x7e]/g, "?") } },
        PushAnswer,
      );
      console.log(`applied: version ${body.version} on ${client.url}`);
    } else {
      const { body } = await client.send({ method: "POST", path: "/config/validate", text }, ValidateAnswer);
      console.log(formatDiff(`import from ${from}`, body.version, body.diff, paint()));
    }
  } else if (typeof values["out"] === "string") {
    writeFileSync(values["out"], text);
    console.error(`wrote ${values["out"]}`);
  } else process.stdout.write(text);
  console.error(formatDropped(outcome.dropped));
  return outcome.dropped.length > 0 ? EXIT_DROPPED : 0;
}

const COMMANDS: Record<string, Command> = {
  import: {
    args: ["FILE..."],
    summary:
      "Read Istio (VirtualService, DestinationRule, plus an EdgewayServiceMap of endpoint URLs) or\n" +
      "Cloudflare Load Balancing (load balancers, pools, monitors as the API returns them) documents,\n" +
      "YAML or JSON, and print the Edgeway config (or --diff it against the config in force, or --apply\n" +
      "it through the admin API: same validation, history and rollback as any push). Every field not\n" +
      `carried over is listed on stderr; exit ${EXIT_DROPPED} when any was.`,
    flags: [
      { name: "from", type: "string", arg: IMPORT_SOURCES.join("|"), help: "what the files are", required: true },
      { name: "out", type: "string", arg: "FILE", help: "write the config to FILE instead of stdout" },
      { name: "diff", type: "boolean", help: "show what applying it would change (needs the worker and ADMIN_TOKEN)" },
      { name: "apply", type: "boolean", help: "put it in force through PUT /_edgeway/config (needs the worker and ADMIN_TOKEN)" },
      reasonFlag("with --apply: why, recorded in the config history (default: import from …)"),
      { ...URL_FLAG, help: `with --diff/--apply: ${URL_FLAG.help}` },
      ACTOR_FLAG,
    ],
    run: runImport,
  },
  export: {
    args: ["FILE"],
    summary:
      "Print a config document as Cloudflare Load Balancing API objects { monitors, pools, load_balancers },\n" +
      `so you can go back; what Cloudflare cannot express is listed on stderr (exit ${EXIT_DROPPED} when any).`,
    flags: [{ name: "to", type: "string", arg: "cloudflare", help: "the target system", required: true }],
    run: async ([file], values) => {
      if (values["to"] !== "cloudflare") throw new UsageError("export supports --to cloudflare");
      const { document } = readJson(file ?? "");
      const out = exportConfig(document, fileLabel(file ?? ""));
      process.stdout.write(`${JSON.stringify(out.document, null, 2)}\n`);
      console.error(formatDropped(out.dropped));
      return out.dropped.length > 0 ? EXIT_DROPPED : 0;
    },
  },
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
      "`wrangler dev` picks the change up within a few seconds (its isolate re-reads KV every 5 s).\n" +
      "With --url it goes through the admin API (PUT /_edgeway/config), which records who and why.",
    flags: [
      { name: "local", type: "boolean", help: "write wrangler dev's local KV (the default)" },
      { name: "remote", type: "boolean", help: "write the deployed namespace (needs `wrangler login`)" },
      {
        name: "persist-to",
        type: "string",
        arg: "DIR",
        help: "local KV state directory (wrangler's --persist-to; default .wrangler/state)",
      },
      {
        name: "url",
        type: "string",
        arg: "URL",
        help: `PUT to URL/_edgeway/config instead, with Authorization: Bearer $${TOKEN_VARIABLE}`,
      },
      reasonFlag("with --url: why, recorded in the config history (x-edgeway-reason)"),
      { ...ACTOR_FLAG, help: "with --url: who, recorded in the config history (default user@host)" },
    ],
    run: async ([file], values) => {
      const url = values["url"];
      const targets = [values["remote"] === true, values["local"] === true || values["persist-to"] !== undefined, typeof url === "string"];
      if (targets.filter(Boolean).length > 1) throw new UsageError("push: choose one of --local/--persist-to, --remote, --url");
      if (typeof url !== "string" && (values["reason"] !== undefined || values["actor"] !== undefined)) {
        throw new UsageError("push: --reason and --actor go with --url (the admin API records them; a KV write does not)");
      }
      const client = typeof url === "string" ? adminClient("push --url", values) : undefined;
      const { text, document } = loadValid(file ?? "");
      return client !== undefined ? pushToUrl(client, values, text) : pushToKv(document, values);
    },
  },
  diff: {
    args: ["FILE"],
    api: true,
    summary:
      "Validate FILE, then show what pushing it would change in the config in force:\n" +
      "`~ origins.aws-use1.weight: 3 → 5`, `+ pools.eu2`, `- routes.old`. Changes nothing.\n" +
      "Exit 0 with or without changes (the list is the answer); 1 when the worker rejects FILE.",
    flags: [],
    run: async ([file], values) => {
      const client = adminClient("diff", values);
      const { text } = loadValid(file ?? "");
      const { body } = await client.send({ method: "POST", path: "/config/validate", text }, ValidateAnswer);
      console.log(formatDiff(fileLabel(file ?? ""), body.version, body.diff, paint()));
      return 0;
    },
  },
  history: {
    args: [],
    api: true,
    summary: "Config versions, newest first: when, who, why, +added -removed ~changed, what a rollback restored; * marks the one in force.",
    flags: [{ name: "limit", type: "string", arg: "N", help: `how many versions (1–${MAX_HISTORY}; the worker's default is 20)` }],
    run: async (_, values) => {
      const client = adminClient("history", values);
      const limit = typeof values["limit"] === "string" ? wholeNumber(values["limit"], "--limit", 1, MAX_HISTORY) : undefined;
      const { body } = await client.send(
        { method: "GET", path: `/config/history${limit === undefined ? "" : `?limit=${limit}`}` },
        HistoryAnswer,
      );
      console.log(formatHistory(body, paint()));
      return 0;
    },
  },
  rollback: {
    args: ["N"],
    api: true,
    summary: "Put version N's document in force again, as a new version (history keeps both); prints the new version.",
    flags: [reasonFlag("why, recorded in the config history")],
    run: async ([n], values) => {
      const client = adminClient("rollback", values);
      const version = wholeNumber(n ?? "", "rollback N", 1);
      const reason = reasonOf("rollback", values, false);
      const { body } = await client.send(
        { method: "POST", path: "/config/rollback", json: withReason(reason, { version }) },
        RollbackAnswer,
      );
      console.log(`rolled back to version ${body.rolledBackTo}: now in force as version ${body.version}`);
      return 0;
    },
  },
  status: {
    args: [],
    api: true,
    summary: "A table of origins: pools, health and why, ejected, configured and effective weight, state, overrides and their reasons.",
    flags: [],
    run: async (_, values) => {
      const client = adminClient("status", values);
      const [origins, health] = await Promise.all([
        client.send({ method: "GET", path: "/origins" }, OriginsAnswer),
        client.send({ method: "GET", path: "/health" }, HealthAnswer),
      ]).catch((error: unknown) => {
        // 409: the worker runs but holds no config yet; say how to give it one.
        if (error instanceof AdminError && error.status === 409)
          throw new AdminError(`${error.message}\nPush one: npm run config -- push FILE --url ${client.url}`, 409);
        throw error;
      });
      console.log(formatStatus(origins.body, health.body, paint(), Date.now()));
      return 0;
    },
  },
  drain: {
    args: ["ORIGIN"],
    api: true,
    summary: "Drain ORIGIN: weight 0, no new clients; clients pinned to it by affinity stay. `enable` undoes it.",
    flags: [reasonFlag("why (required)", true)],
    run: async ([origin = ""], values) =>
      operate("drain", values, origin, "POST", "/drain", withReason(reasonOf("drain", values, true)), "drained"),
  },
  disable: {
    args: ["ORIGIN"],
    api: true,
    summary: "Take ORIGIN out of every pool (no traffic at all, pinned clients move). `enable` undoes it.",
    flags: [reasonFlag("why (required)", true)],
    run: async ([origin = ""], values) =>
      operate("disable", values, origin, "POST", "/disable", withReason(reasonOf("disable", values, true)), "disabled"),
  },
  enable: {
    args: ["ORIGIN"],
    api: true,
    aliases: ["undrain"],
    summary: "Undo drain or disable: ORIGIN serves with its weight again.",
    flags: [reasonFlag("why")],
    run: async ([origin = ""], values) =>
      operate(
        "enable",
        values,
        origin,
        "POST",
        "/enable",
        withReason(reasonOf("enable", values, false)),
        "enabled (drain/disable cleared)",
      ),
  },
  weight: {
    args: ["ORIGIN", "W"],
    api: true,
    summary: "Override ORIGIN's weight with W (the document is not edited); W = clear drops the override.",
    flags: [reasonFlag("why (required unless W is clear)")],
    run: async ([origin = "", w = ""], values) => {
      if (w === "clear") return operate("weight", values, origin, "DELETE", "/weight", undefined, "weight override cleared");
      const weight = Number(w);
      if (w.trim() === "" || !Number.isFinite(weight) || weight < 0)
        throw new UsageError(`weight W must be a number >= 0 or clear (got "${w}")`);
      return operate(
        "weight",
        values,
        origin,
        "POST",
        "/weight",
        withReason(reasonOf("weight", values, true), { weight }),
        `weight overridden to ${weight}`,
      );
    },
  },
  health: {
    args: ["ORIGIN", "STATE"],
    api: true,
    summary: "Force ORIGIN healthy or unhealthy for maintenance, whatever probes say; STATE = clear hands it back to the probes.",
    flags: [reasonFlag("why (required unless STATE is clear)")],
    run: async ([origin = "", state = ""], values) => {
      if (state === "clear") return operate("health", values, origin, "DELETE", "/health", undefined, "forced health cleared");
      if (state !== "healthy" && state !== "unhealthy")
        throw new UsageError(`health STATE must be healthy, unhealthy or clear (got "${state}")`);
      return operate(
        "health",
        values,
        origin,
        "POST",
        "/health",
        withReason(reasonOf("health", values, true), { state }),
        `forced ${state}`,
      );
    },
  },
  clear: {
    args: ["ORIGIN"],
    api: true,
    summary: "Drop every override ORIGIN holds (drain, disable, weight, forced health).",
    flags: [],
    run: async ([origin = ""], values) => operate("clear", values, origin, "DELETE", "/overrides", undefined, "all overrides cleared"),
  },
};

/** Every name a command answers to, aliases included. */
const BY_NAME = new Map<string, Command>(
  Object.entries(COMMANDS).flatMap(([name, command]) => [
    [name, command] as const,
    ...(command.aliases ?? []).map((alias) => [alias, command] as const),
  ]),
);

const flagLine = (flag: Flag): string => `      --${flag.name}${flag.arg === undefined ? "" : ` ${flag.arg}`}`.padEnd(28) + flag.help;

function usage(): string {
  const lines = ["Usage: npm run config -- <command> [flags]", "", "Commands (* = talks to a running worker's admin API):"];
  for (const [name, command] of Object.entries(COMMANDS)) {
    const aliases = command.aliases === undefined ? "" : `   (alias: ${command.aliases.join(", ")})`;
    lines.push(`${command.api === true ? "* " : "  "}${[name, ...command.args].join(" ")}${aliases}`);
    for (const line of command.summary.split("\n")) lines.push(`      ${line}`);
    for (const flag of command.flags) lines.push(flagLine(flag));
  }
  lines.push(
    "",
    "Flags of every * command:",
    flagLine(URL_FLAG),
    flagLine(ACTOR_FLAG),
    `  The admin token comes from the environment variable ${TOKEN_VARIABLE} (the worker's ADMIN_TOKEN).`,
    "",
    "  FILE may be - to read standard input.",
    "  --help, -h   this text",
    "",
    "Exit codes: 0 success (diff: with or without changes); 1 invalid config, refused by the worker",
    `(its message is printed) or worker not reachable; 2 usage error (no arguments included),`,
    `unreadable or non-JSON file, or ${TOKEN_VARIABLE} not set.`,
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
  const command = BY_NAME.get(name);
  if (command === undefined) throw new UsageError(`unknown command "${name}"\n\n${usage()}`);
  const flags = command.api === true ? [...command.flags, URL_FLAG, ACTOR_FLAG] : command.flags;
  const options: Record<string, { type: "boolean" | "string" }> = { help: { type: "boolean" } };
  for (const flag of flags) options[flag.name] = { type: flag.type };
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
  const variadic = command.args.at(-1)?.endsWith("...") === true;
  if (variadic ? parsed.positionals.length < command.args.length : parsed.positionals.length !== command.args.length) {
    const takes = command.args.length === 0 ? "no arguments" : command.args.join(" ");
    throw new UsageError(`${name} takes ${takes} (got ${parsed.positionals.length} argument(s))`);
  }
  for (const flag of flags) {
    if (flag.required === true && parsed.values[flag.name] === undefined)
      throw new UsageError(`${name} needs --${flag.name}${flag.arg === undefined ? "" : ` ${flag.arg}`}`);
  }
  return command.run(parsed.positionals, parsed.values);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError || error instanceof MissingTokenError || error instanceof ImportError) {
    console.error(`error: ${error.message}`);
    process.exitCode = 2;
  } else if (error instanceof AdminError) {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  } else if (error instanceof Failure) {
    console.error(error.message);
    process.exitCode = 1;
  } else {
    throw error;
  }
}

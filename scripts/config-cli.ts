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
 *   npm run config -- rollout start api --to api-v2 --steps 5,25,50,100 --interval 60s  …  rollout status
 *   npm run config -- push FILE --url URL --staged --stages 1,10,100 --interval 60s  …  staged status|promote|abort
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
import { parseArgs } from "node:util";
import { AdminError, MissingTokenError, TOKEN_VARIABLE } from "./lib/admin-client.ts";
import { HealthAnswer, HistoryAnswer, OperationAnswer, OriginsAnswer, RollbackAnswer, ValidateAnswer } from "./lib/admin-answers.ts";
import { formatDiff, formatHistory, formatOverrides, formatStatus } from "./lib/admin-report.ts";
import { paint } from "./lib/table.ts";
import { ImportError } from "./lib/import/model.ts";
import {
  ACTOR_FLAG,
  Failure,
  MAX_HISTORY,
  URL_FLAG,
  UsageError,
  adminClient,
  fileLabel,
  loadValid,
  reasonFlag,
  reasonOf,
  wholeNumber,
  withReason,
} from "./lib/cli/common.ts";
import type { Command, Flag, Values } from "./lib/cli/common.ts";
import { IMPORT_COMMANDS } from "./lib/cli/import.ts";
import { ROLLOUT_COMMANDS } from "./lib/cli/rollout.ts";
import { pushToKv, pushToUrl } from "./lib/cli/push.ts";
import { STAGED_COMMANDS, STAGED_PUSH_FLAGS, strayStagedFlag } from "./lib/cli/staged.ts";

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

const COMMANDS: Record<string, Command> = {
  ...IMPORT_COMMANDS,
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
      "With --url it goes through the admin API (PUT /_edgeway/config), which records who and why;\n" +
      "with --url --staged the version goes into force in one colo, then a share of colos, then all,\n" +
      "each stage judged on live traffic and promoted or rolled back by itself (`staged status`).",
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
      ...STAGED_PUSH_FLAGS,
    ],
    run: async ([file], values) => {
      const url = values["url"];
      const targets = [values["remote"] === true, values["local"] === true || values["persist-to"] !== undefined, typeof url === "string"];
      if (targets.filter(Boolean).length > 1) throw new UsageError("push: choose one of --local/--persist-to, --remote, --url");
      if (typeof url !== "string" && (values["reason"] !== undefined || values["actor"] !== undefined)) {
        throw new UsageError("push: --reason and --actor go with --url (the admin API records them; a KV write does not)");
      }
      const stray = strayStagedFlag(values);
      if (stray !== undefined) throw new UsageError(`push: --${stray} goes with --staged`);
      if (values["staged"] === true && typeof url !== "string")
        throw new UsageError("push: --staged goes with --url (the worker runs the stages)");
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
  ...ROLLOUT_COMMANDS,
  ...STAGED_COMMANDS,
};

/** Every name a command answers to, aliases included. */
const BY_NAME = new Map<string, Command>(
  Object.entries(COMMANDS).flatMap(([name, command]) => [
    [name, command] as const,
    ...(command.aliases ?? []).map((alias) => [alias, command] as const),
  ]),
);

const flagLine = (flag: Flag): string => `${`      --${flag.name}${flag.arg === undefined ? "" : ` ${flag.arg}`}`.padEnd(27)} ${flag.help}`;

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

/**
 * The `import` and `export` commands: other systems' documents in, Cloudflare's out
 * (scripts/lib/import/ does the mapping).
 */
import { writeFileSync } from "node:fs";
import { PushAnswer, ValidateAnswer } from "../admin-answers.ts";
import { formatDiff } from "../admin-report.ts";
import { paint } from "../table.ts";
import { EXIT_DROPPED, IMPORT_SOURCES, exportConfig, formatDropped, importFiles } from "../import/command.ts";
import type { ImportSource } from "../import/command.ts";
import { ACTOR_FLAG, MAX_REASON, URL_FLAG, UsageError, adminClient, fileLabel, readJson, reasonFlag, reasonOf } from "./common.ts";
import type { Command, Values } from "./common.ts";

/** `import --from istio|gateway|cloudflare FILE…`: print, diff or apply the imported config; exit 3 when fields were dropped. */
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

/** The import and export entries of the command table. */
export const IMPORT_COMMANDS: Record<string, Command> = {
  import: {
    args: ["FILE..."],
    summary:
      "Read Istio (VirtualService, DestinationRule) or Gateway API (HTTPRoute v1, v1beta1) documents,\n" +
      "each with an EdgewayServiceMap of endpoint URLs, or Cloudflare Load Balancing documents (load\n" +
      "balancers, pools, monitors as the API returns them), YAML or JSON, and print the Edgeway config\n" +
      "(or --diff it against the config in force, or --apply it through the admin API: same validation,\n" +
      "history and rollback as any push). Every field not carried over is listed on stderr; exit " +
      `${EXIT_DROPPED} when any was.`,
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
};

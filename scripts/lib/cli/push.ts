/**
 * Putting a config in force: through the admin API (`push --url`, or `push --url --staged`
 * for a staged change, cli/staged.ts), or straight into KV through wrangler (`push`, the
 * local namespace `wrangler dev` reads, or --remote).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AdminClient } from "../admin-client.ts";
import { defaultActor } from "../admin-client.ts";
import { PushAnswer } from "../admin-answers.ts";
import { Failure, UsageError, reasonOf } from "./common.ts";
import type { Values } from "./common.ts";
import { pushStaged } from "./staged.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const WRANGLER = join(ROOT, "node_modules", ".bin", "wrangler");
const CONFIG_KEY = "config";
const versionKey = (version: number): string => `config:v:${version}`;

/** Runs the project's wrangler on this Node (wrangler needs Node 22); throws Failure on a non-zero exit. */
export function wrangler(args: readonly string[]): string {
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

export async function pushToUrl(client: AdminClient, values: Values, text: string): Promise<number> {
  const reason = reasonOf("push", values, false);
  // The reason travels in a header, and header values are bytes: keep it to printable ASCII.
  if (reason !== undefined && /[^\x20-\x7e]/.test(reason))
    throw new UsageError("push: --reason is sent as the x-edgeway-reason header; use printable ASCII only");
  if (values["staged"] === true) return pushStaged(client, values, text, reason === undefined ? {} : { "x-edgeway-reason": reason });
  const { body } = await client.send(
    { method: "PUT", path: "/config", text, headers: reason === undefined ? {} : { "x-edgeway-reason": reason } },
    PushAnswer,
  );
  console.log(`pushed version ${body.version} to ${client.url}`);
  return 0;
}

export function pushToKv(document: unknown, values: Values): number {
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

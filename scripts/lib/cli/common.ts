/**
 * What every config CLI command shares: the command table's types, the common flags,
 * reading and validating a file, the admin API client, and the two error classes that set
 * the exit code (UsageError → 2, Failure → 1).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { validateConfig } from "../../../src/config/validate.ts";
import type { Config } from "../../../src/config/schema.ts";
import { AdminClient, DEFAULT_URL, defaultActor, tokenFromEnv } from "../admin-client.ts";

/** The admin API's limits on a reason and on a history page. */
export const MAX_REASON = 500;
export const MAX_HISTORY = 100;

/** Exit 2: the command line or an input file is unusable. */
export class UsageError extends Error {}
/** Exit 1: the config was refused, or writing it failed. */
export class Failure extends Error {}

export interface Flag {
  readonly name: string;
  readonly type: "boolean" | "string";
  /** Placeholder for a string flag's value in the help text. */
  readonly arg?: string;
  readonly help: string;
  /** The command refuses to run without it (exit 2). */
  readonly required?: boolean;
}

export type Values = Record<string, string | boolean | undefined>;

export interface Command {
  readonly args: readonly string[];
  readonly summary: string;
  readonly flags: readonly Flag[];
  /** Talks to the admin API: takes --url and --actor, needs ADMIN_TOKEN. */
  readonly api?: boolean;
  /** Other names for the command. */
  readonly aliases?: readonly string[];
  readonly run: (positionals: readonly string[], values: Values) => Promise<number>;
}

export const URL_FLAG: Flag = {
  name: "url",
  type: "string",
  arg: "URL",
  help: `the worker (default ${DEFAULT_URL}, where \`npm start\` runs it)`,
};
export const ACTOR_FLAG: Flag = {
  name: "actor",
  type: "string",
  arg: "WHO",
  help: "who makes the change, as the worker records it (default user@host)",
};
export const reasonFlag = (help: string, required = false): Flag => ({ name: "reason", type: "string", arg: "TEXT", help, required });

/** Reads and parses a JSON file ("-" = stdin); UsageError names the file and the problem. */
export function readJson(file: string): { text: string; document: unknown } {
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
export function loadValid(file: string): { text: string; document: unknown; config: Config } {
  const { text, document } = readJson(file);
  const result = validateConfig(document);
  if (!result.ok) {
    const lines = result.issues.map((issue) => `  ${issue.path}: ${issue.message}`);
    throw new Failure(`invalid: ${file === "-" ? "stdin" : file} has ${result.issues.length} problem(s):\n${lines.join("\n")}`);
  }
  return { text, document, config: result.config };
}

/** The admin API client for a command: --url (or the default), ADMIN_TOKEN, --actor (or user@host). */
export function adminClient(name: string, values: Values): AdminClient {
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
export function reasonOf(name: string, values: Values, required: boolean): string | undefined {
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
export function wholeNumber(text: string, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(
      `${what} must be a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`} (got "${text}")`,
    );
  }
  return n;
}

/** FILE as the messages name it. */
export const fileLabel = (file: string): string => (file === "-" ? "stdin" : file);

/** The body of a change that carries an optional reason. */
export const withReason = (reason: string | undefined, rest: Record<string, unknown> = {}): Record<string, unknown> =>
  reason === undefined ? rest : { ...rest, reason };

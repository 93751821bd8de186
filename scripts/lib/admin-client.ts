/**
 * The config CLI's client for Edgeway's admin API (/_edgeway/…) on a local `wrangler dev`
 * or a deployed worker. One place adds the bearer token and the x-edgeway-actor header,
 * turns an HTTP error into the server's own `error` message (and its `issues`), and says
 * plainly when no worker answers at the URL. Answers are parsed with the caller's zod
 * schema before anything trusts them, so a worker of another version is reported, not
 * misread.
 */
import { hostname, userInfo } from "node:os";
import type { z } from "zod";

/** Where `npm start` (scripts/demo.ts) runs the worker. */
export const DEFAULT_URL = "http://localhost:8787";
/** The environment variable holding the admin token: the worker's own secret name. */
export const TOKEN_VARIABLE = "ADMIN_TOKEN";
const TIMEOUT_MS = 30_000;
/** The admin API records at most this much of x-edgeway-actor. */
const MAX_ACTOR = 128;

/** The token is not in the environment: a usage problem (exit 2). */
export class MissingTokenError extends Error {}

/** The worker refused the request, answered something unexpected, or could not be reached (exit 1). */
export class AdminError extends Error {
  readonly status: number | undefined;
  constructor(message: string, status?: number) {
    super(message);
    this.status = status;
  }
}

/** `user@host` of whoever runs the CLI, reduced to what the admin API accepts as an actor. */
export function defaultActor(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the shell's idea of the user will do.
    user = process.env["USER"] ?? process.env["USERNAME"] ?? "unknown";
  }
  return cleanActor(`${user}@${hostname()}`);
}

/** Printable ASCII only, at most 128 characters (the admin API's limit). */
export function cleanActor(actor: string): string {
  return actor
    .replace(/[^\x20-\x7e]/g, "")
    .trim()
    .slice(0, MAX_ACTOR);
}

/** The admin token from the environment; MissingTokenError names the variable to set. */
export function tokenFromEnv(command: string): string {
  const token = process.env[TOKEN_VARIABLE];
  if (token === undefined || token === "") {
    throw new MissingTokenError(
      `${command} needs the admin token: set ${TOKEN_VARIABLE} to the worker's admin token (\`npm start\` uses demo-token)`,
    );
  }
  return token;
}

export interface AdminRequest {
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path under /_edgeway, e.g. "/config/history?limit=5". */
  readonly path: string;
  /** A JSON value to send, or raw JSON text (a config file exactly as written). */
  readonly json?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface AdminAnswer<T> {
  readonly body: T;
  readonly headers: Headers;
}

interface ServerError {
  readonly error?: unknown;
  readonly code?: unknown;
  readonly issues?: unknown;
}

/** The server's `{ error, code, issues? }` as lines of text; the raw body when it is not that shape. */
function describeError(status: number, text: string): string {
  let parsed: ServerError | undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null) parsed = value as ServerError;
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || typeof parsed.error !== "string") {
    const raw = text.trim().slice(0, 300);
    return `HTTP ${status}${raw === "" ? "" : `: ${raw}`}`;
  }
  const lines = [`${parsed.error} (HTTP ${status}${typeof parsed.code === "string" ? ` ${parsed.code}` : ""})`];
  if (Array.isArray(parsed.issues)) {
    for (const issue of parsed.issues as unknown[]) {
      const { path, message } = (typeof issue === "object" && issue !== null ? issue : {}) as { path?: unknown; message?: unknown };
      lines.push(`  ${typeof path === "string" ? path : "?"}: ${typeof message === "string" ? message : JSON.stringify(issue)}`);
    }
  }
  return lines.join("\n");
}

/** Why fetch threw, from its cause (`connect ECONNREFUSED 127.0.0.1:8787`). */
function networkReason(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

export class AdminClient {
  readonly url: string;
  readonly #token: string;
  readonly #actor: string;

  constructor(url: string, token: string, actor: string) {
    this.url = url.replace(/\/+$/, "");
    this.#token = token;
    this.#actor = cleanActor(actor);
  }

  /** Sends one request; resolves with the answer parsed by `schema`, or throws AdminError. */
  async send<S extends z.ZodType>(request: AdminRequest, schema: S): Promise<AdminAnswer<z.infer<S>>> {
    const endpoint = `${this.url}/_edgeway${request.path}`;
    const label = `${request.method} /_edgeway${request.path}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, ...request.headers };
    if (this.#actor !== "") headers["x-edgeway-actor"] = this.#actor;
    let body: string | undefined = request.text;
    if (body === undefined && request.json !== undefined) body = JSON.stringify(request.json);
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(endpoint, { method: request.method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (error) {
      throw new AdminError(
        `the worker is not reachable at ${this.url} (${networkReason(error)}).\nStart it with \`npm start\`, or point --url at a running worker.`,
      );
    }
    const text = await response.text();
    if (!response.ok) throw new AdminError(`${label}: ${describeError(response.status, text)}`, response.status);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new AdminError(
        `${label}: the answer is not JSON (is ${this.url} an Edgeway worker?): ${text.trim().slice(0, 200)}`,
        response.status,
      );
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first === undefined ? "" : ` at ${first.path.map(String).join(".") || "(body)"}: ${first.message}`;
      throw new AdminError(
        `${label}: unexpected answer from ${this.url}${where} (does the worker run this version of Edgeway?)`,
        response.status,
      );
    }
    return { body: parsed.data as z.infer<S>, headers: response.headers };
  }
}

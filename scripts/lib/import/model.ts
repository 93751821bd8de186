/**
 * What every importer hands back: an Edgeway config document, and every field of the
 * source documents that could not be carried over, with the file and path it sat at, so
 * a user sees exactly what moving over loses. The CLI's exit code says whether anything
 * was dropped.
 */
import type { ConfigInput } from "../../../src/config/schema.ts";

/** One field of a source document that the import could not map, or mapped only approximately. */
export interface Dropped {
  /** The file (and document number in a multi-document file) it came from. */
  readonly source: string;
  /** Where in that document: `spec.http[0].fault`. */
  readonly path: string;
  readonly reason: string;
}

export interface ImportResult {
  readonly config: ConfigInput;
  readonly dropped: readonly Dropped[];
}

/** A source document: its parsed value, and where it came from for messages. */
export interface SourceDocument {
  readonly source: string;
  readonly value: unknown;
}

/** An input that cannot be imported at all (malformed, unknown kind, conflicting): the message names the file and what is wrong. */
export class ImportError extends Error {
  override readonly name = "ImportError";
}

/** Collects dropped fields as an importer walks a document. */
export class DropLog {
  readonly items: Dropped[] = [];

  readonly #seen = new Set<string>();

  /** Records one loss; the same field reported twice (a policy shared by several pools) is listed once. */
  drop(source: string, path: string, reason: string): void {
    const key = `${source}\n${path}\n${reason}`;
    if (this.#seen.has(key)) return;
    this.#seen.add(key);
    this.items.push({ source, path, reason });
  }
}

/** A plain object (not an array), or undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An array, or an empty one when absent. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A string field, or undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A finite number field, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Why a well-known field of another system has no place in Edgeway's config. */
const KNOWN_LOSSES: Record<string, string> = {
  fault: "fault injection is not supported",
  corsPolicy: "CORS is the origin's to answer",
  connectionPool: "Workers manage connections to origins themselves",
  tls: "TLS to origins follows the origin URL's scheme (mTLS: see docs/config.md)",
  ttl: "a DNS setting: Edgeway serves on the worker's own routes",
  proxied: "a DNS setting: Edgeway serves on the worker's own routes",
};

/** Reports every key of `object` that is not in `handled`, one dropped entry each. */
export function dropUnhandled(
  log: DropLog,
  source: string,
  path: string,
  object: Record<string, unknown>,
  handled: readonly string[],
  why = "no Edgeway equivalent",
): void {
  for (const key of Object.keys(object)) {
    if (!handled.includes(key)) log.drop(source, path === "" ? key : `${path}.${key}`, KNOWN_LOSSES[key] ?? why);
  }
}

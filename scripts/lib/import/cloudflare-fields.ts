/**
 * How `import --from cloudflare` reads the fields of Cloudflare API objects. A real export
 * carries every field of every object, most of them unset: `null`, `""`, `[]`, `{}` (or an
 * object of such), which the API returns for "not configured". Those say nothing, so they
 * are neither carried nor reported; only fields that hold a value can be lost.
 */
import { dropUnhandled, record, text } from "./model.ts";
import type { DropLog } from "./model.ts";

/** One Cloudflare API object found in the input, with where it was. */
export interface CloudflareItem<K extends string = string> {
  readonly kind: K;
  readonly source: string;
  readonly path: string;
  readonly value: Record<string, unknown>;
}

/** Fields Cloudflare's API adds that say nothing about routing. */
export const BOOKKEEPING = ["id", "created_on", "modified_on", "description", "name"];

/** Whether a field is unset as the API writes it: absent, null, "", [] or an object of unset fields. */
export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  const object = record(value);
  return object !== undefined && Object.values(object).every(isEmpty);
}

/** An object's fields that say something: null, "", [] and {} are left out, as Cloudflare reads them. */
export function present(value: unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record(value) ?? {}).filter(([, v]) => !isEmpty(v)));
}

/** A string field with a value; "" (the API's "unset") is undefined. */
export function str(value: unknown): string | undefined {
  const s = text(value);
  return s === undefined || s === "" ? undefined : s;
}

/** Reports every set field of `object` not in `handled` (dropUnhandled, unset fields skipped). */
export function dropUnset(
  log: DropLog,
  source: string,
  path: string,
  object: Record<string, unknown>,
  handled: readonly string[],
  why?: string,
): void {
  dropUnhandled(log, source, path, present(object), handled, why);
}

/**
 * What changed between two config documents, as an operator reads it: the collections
 * (origins, pools, routes, monitors) are keyed by id, so inserting an origin shows as one
 * added origin rather than every later index changing. Paths read like
 * `origins.aws-use1.weight` and `routes.api.pools[2]`. The structural diff itself is
 * microdiff's.
 */
import microdiff from "microdiff";

export interface Change {
  readonly op: "add" | "remove" | "change";
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

/** The top-level arrays whose items carry an `id`. */
const KEYED = ["origins", "pools", "routes", "monitors"] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The document with its id-carrying collections turned into objects keyed by id. */
function keyed(document: unknown): Record<string, unknown> {
  if (!isRecord(document)) return { "(document)": document };
  const out: Record<string, unknown> = { ...document };
  for (const name of KEYED) {
    const list = document[name];
    if (!Array.isArray(list) || !list.every((item) => isRecord(item) && typeof item.id === "string")) continue;
    const ids = list.map((item) => (item as { id: string }).id);
    if (new Set(ids).size !== ids.length) continue;
    out[name] = Object.fromEntries(list.map((item) => [(item as { id: string }).id, item]));
  }
  return out;
}

function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out === "" ? part : `.${part}`;
  return out;
}

/** The changes that turn `before` into `after` (undefined `before`: everything is added). */
export function diffConfigs(before: unknown, after: unknown): Change[] {
  const changes = microdiff(keyed(before ?? {}), keyed(after));
  return changes.map((d) => {
    const path = formatPath(d.path);
    if (d.type === "CREATE") return { op: "add", path, to: d.value };
    if (d.type === "REMOVE") return { op: "remove", path, from: d.oldValue };
    return { op: "change", path, from: d.oldValue, to: d.value };
  });
}

/** Counts by kind, for history listings. */
export function countChanges(changes: readonly Change[]): { added: number; removed: number; changed: number } {
  let added = 0;
  let removed = 0;
  let changed = 0;
  for (const c of changes) {
    if (c.op === "add") added++;
    else if (c.op === "remove") removed++;
    else changed++;
  }
  return { added, removed, changed };
}

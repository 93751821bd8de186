/**
 * Edgeway ids are 1–64 characters of letters, digits, '.', '_' and '-' (src/config/schema.ts).
 * Names from other systems (Kubernetes hosts, Cloudflare pool names with spaces) are made
 * into such ids, and kept unique within one import.
 */
const ID_MAX = 64;

/** `name` as an Edgeway id: other characters become '-', trimmed to 64. */
export function toId(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[^A-Za-z0-9]+/, "")
    .slice(0, ID_MAX);
  return cleaned === "" ? "x" : cleaned;
}

/** Hands out ids, adding `-2`, `-3`… when one is already taken. */
export class IdAllocator {
  readonly #taken = new Set<string>();

  take(name: string): string {
    const base = toId(name);
    let id = base;
    for (let n = 2; this.#taken.has(id); n++) id = `${base.slice(0, ID_MAX - String(n).length - 1)}-${n}`;
    this.#taken.add(id);
    return id;
  }
}

/**
 * Admin overrides in the Durable Object (see src/config/overrides.ts): one row per origin
 * and kind, loaded once and written through. A counter, `overrides_version`, moves on
 * every change, so isolates recompile their effective config only then.
 */
import { OriginOverridesSchema } from "../config/overrides.ts";
import type { OriginOverrides, OverrideKind, OverridesById } from "../config/overrides.ts";
import { log } from "../observe/log.ts";

export class OverrideStore {
  readonly #sql: SqlStorage;
  readonly #byOrigin = new Map<string, OriginOverrides>();
  #version: number;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const row of sql.exec<{ origin_id: string; kind: string; body: string }>("SELECT origin_id, kind, body FROM origin_overrides")) {
      const parsed = OriginOverridesSchema.safeParse({ [row.kind]: JSON.parse(row.body) });
      if (parsed.success) this.#byOrigin.set(row.origin_id, { ...this.#byOrigin.get(row.origin_id), ...parsed.data });
    }
    this.#version = sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'overrides_version'").toArray()[0]?.value ?? 0;
  }

  get version(): number {
    return this.#version;
  }

  all(): OverridesById {
    return Object.fromEntries(this.#byOrigin);
  }

  get(originId: string): OriginOverrides | undefined {
    return this.#byOrigin.get(originId);
  }

  /** Sets one override kind of an origin (replacing the one held). */
  set<K extends OverrideKind>(originId: string, kind: K, value: NonNullable<OriginOverrides[K]>): OriginOverrides {
    const next: OriginOverrides = { ...this.#byOrigin.get(originId), [kind]: value };
    this.#byOrigin.set(originId, next);
    this.#sql.exec(
      "INSERT INTO origin_overrides (origin_id, kind, body) VALUES (?, ?, ?) ON CONFLICT (origin_id, kind) DO UPDATE SET body = excluded.body",
      originId,
      kind,
      JSON.stringify(value),
    );
    this.#bumpVersion();
    log("info", "override_set", { origin: originId, kind, ...value });
    return next;
  }

  /** Clears the given kinds of an origin's overrides; returns what is left. Clearing nothing held changes nothing. */
  clear(originId: string, kinds: readonly OverrideKind[], actor: string, reason: string | undefined): OriginOverrides {
    const held = this.#byOrigin.get(originId) ?? {};
    const removing = kinds.filter((k) => held[k] !== undefined);
    if (removing.length === 0) return held;
    const next: OriginOverrides = { ...held };
    for (const kind of removing) {
      delete next[kind];
      this.#sql.exec("DELETE FROM origin_overrides WHERE origin_id = ? AND kind = ?", originId, kind);
    }
    if (next.state === undefined && next.weight === undefined && next.health === undefined) this.#byOrigin.delete(originId);
    else this.#byOrigin.set(originId, next);
    this.#bumpVersion();
    log("info", "override_cleared", { origin: originId, kinds: removing, actor, reason: reason ?? null });
    return next;
  }

  #bumpVersion(): void {
    this.#version++;
    this.#sql.exec(
      "INSERT INTO counters (name, value) VALUES ('overrides_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      this.#version,
    );
  }
}

/**
 * The admin audit trail in the Durable Object: every admin change that was accepted
 * (config pushes, rollbacks, overrides, registrations — not heartbeats), who made it and
 * what it did. Bounded to the newest AUDIT_ENTRIES rows. Each change is also a JSON log
 * line (`admin_change`), which Workers Logs and `wrangler tail` keep.
 */

/** Audit entries kept. */
export const AUDIT_ENTRIES = 500;

export interface AuditEntry {
  readonly at: number;
  readonly actor: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly summary: string;
  /** The admin request's id (its x-request-id, or the one Edgeway gave it); absent in entries made before ids. */
  readonly requestId?: string | undefined;
}

export class AuditStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    // Objects created before request ids have the table without the column: add it once.
    const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('admin_audit')").toArray();
    if (!columns.some((c) => c.name === "request_id")) sql.exec("ALTER TABLE admin_audit ADD COLUMN request_id TEXT");
  }

  record(entry: AuditEntry): void {
    this.#sql.exec(
      "INSERT INTO admin_audit (at, actor, method, path, status, summary, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
      entry.at,
      entry.actor.slice(0, 128),
      entry.method,
      entry.path.slice(0, 512),
      entry.status,
      entry.summary.slice(0, 1_000),
      entry.requestId ?? null,
    );
    this.#sql.exec("DELETE FROM admin_audit WHERE seq <= (SELECT seq FROM admin_audit ORDER BY seq DESC LIMIT 1 OFFSET ?)", AUDIT_ENTRIES);
  }

  /** The newest entries first. */
  recent(limit: number): AuditEntry[] {
    return this.#sql
      .exec<{ at: number; actor: string; method: string; path: string; status: number; summary: string; request_id: string | null }>(
        "SELECT at, actor, method, path, status, summary, request_id FROM admin_audit ORDER BY seq DESC LIMIT ?",
        Math.max(1, Math.min(limit, AUDIT_ENTRIES)),
      )
      .toArray()
      .map((r) => ({
        at: r.at,
        actor: r.actor,
        method: r.method,
        path: r.path,
        status: r.status,
        summary: r.summary,
        ...(r.request_id === null ? {} : { requestId: r.request_id }),
      }));
  }
}

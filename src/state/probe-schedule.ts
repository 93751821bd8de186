/**
 * The alarm loop's next-due time per sub-minute monitor, kept in SQLite so an evicted or
 * restarted object carries on where it left off rather than probing everything at once.
 */
export class ProbeSchedule {
  readonly #sql: SqlStorage;
  readonly #next = new Map<string, number>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const row of sql.exec<{ monitor_id: string; next_at: number }>("SELECT monitor_id, next_at FROM monitor_schedule"))
      this.#next.set(row.monitor_id, row.next_at);
  }

  get nextDue(): ReadonlyMap<string, number> {
    return this.#next;
  }

  set(monitorId: string, at: number): void {
    this.#next.set(monitorId, at);
    this.#sql.exec(
      "INSERT INTO monitor_schedule (monitor_id, next_at) VALUES (?, ?) ON CONFLICT (monitor_id) DO UPDATE SET next_at = excluded.next_at",
      monitorId,
      at,
    );
  }

  /** Forgets monitors no longer in use. */
  retain(inUse: ReadonlySet<string>): void {
    for (const id of [...this.#next.keys()]) {
      if (inUse.has(id)) continue;
      this.#next.delete(id);
      this.#sql.exec("DELETE FROM monitor_schedule WHERE monitor_id = ?", id);
    }
  }
}

/**
 * When each colo last sent each origin traffic: who votes in an origin's global quorum
 * (health/quorum.ts). Kept in memory and written through at most once per
 * TRAFFIC_WRITE_EVERY_MS per origin and colo, however many isolates report, so the
 * object's writes grow with origins × colos, not with isolates; an evicted object
 * reloads it (a colo may look up to that much staler after a restart, well inside any
 * quorum window).
 */
import type { ColoTraffic } from "../health/quorum.ts";

/** The longest quorum window the schema allows: older rows are dropped. */
export const COLO_TRAFFIC_RETENTION_MS = 3_600_000;
/** A colo's last-traffic time is written to storage at most this often. */
export const TRAFFIC_WRITE_EVERY_MS = 10_000;

export class ColoTrafficStore {
  readonly #sql: SqlStorage;
  /** origin id → colo → last traffic at, as held in memory. */
  readonly #last = new Map<string, Map<string, number>>();
  /** The same, as last written to storage. */
  readonly #written = new Map<string, number>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const row of sql.exec<{ origin_id: string; colo: string; last_at: number }>("SELECT origin_id, colo, last_at FROM colo_traffic")) {
      this.#remember(row.origin_id, row.colo, row.last_at);
      this.#written.set(key(row.origin_id, row.colo), row.last_at);
    }
  }

  /** A colo sent the origin traffic at `now`. */
  seen(originId: string, colo: string, now: number): void {
    this.#remember(originId, colo, now);
    const k = key(originId, colo);
    if (now - (this.#written.get(k) ?? Number.NEGATIVE_INFINITY) < TRAFFIC_WRITE_EVERY_MS) return;
    this.#written.set(k, now);
    this.#sql.exec(
      `INSERT INTO colo_traffic (origin_id, colo, last_at) VALUES (?, ?, ?)
       ON CONFLICT (origin_id, colo) DO UPDATE SET last_at = excluded.last_at`,
      originId,
      colo,
      now,
    );
  }

  /** The colos that sent the origin traffic, with when they last did. */
  of(originId: string): ColoTraffic[] {
    return [...(this.#last.get(originId) ?? [])].map(([colo, lastAt]) => ({ colo, lastAt }));
  }

  /** Forgets traffic older than the longest window. */
  sweep(now: number): void {
    const before = now - COLO_TRAFFIC_RETENTION_MS;
    for (const [originId, colos] of this.#last) {
      for (const [colo, at] of colos) {
        if (at >= before) continue;
        colos.delete(colo);
        this.#written.delete(key(originId, colo));
      }
      if (colos.size === 0) this.#last.delete(originId);
    }
    this.#sql.exec("DELETE FROM colo_traffic WHERE last_at < ?", before);
  }

  /** Drops origins not in `known`. */
  retain(known: ReadonlySet<string>): void {
    for (const originId of [...this.#last.keys()]) {
      if (known.has(originId)) continue;
      for (const colo of this.#last.get(originId)?.keys() ?? []) this.#written.delete(key(originId, colo));
      this.#last.delete(originId);
      this.#sql.exec("DELETE FROM colo_traffic WHERE origin_id = ?", originId);
    }
  }

  #remember(originId: string, colo: string, at: number): void {
    let colos = this.#last.get(originId);
    if (colos === undefined) {
      colos = new Map();
      this.#last.set(originId, colos);
    }
    if (at > (colos.get(colo) ?? Number.NEGATIVE_INFINITY)) colos.set(colo, at);
  }
}

const key = (originId: string, colo: string): string => `${originId}\u0000${colo}`;

/**
 * Origins' load reports as isolates pass them on, by colo: the same per-colo path as
 * latency. Isolates send what they know every few seconds (never per request); the
 * Durable Object keeps, per colo and origin, the newest report and when that run of
 * reports began (for the blackout), and hands a colo its view with its snapshot. A
 * colo with no report of an origin gets the newest any colo has (an origin's load is
 * the same seen from anywhere; only who has heard it differs).
 *
 * Bounded: one row per colo and origin plus one per origin, rows older than
 * LOAD_MAX_AGE_MS deleted, at most MAX_LOAD_ENTRIES per report. The table is this
 * store's own, created here, so the rest of the schema need not know about it.
 */
import type { LoadReport } from "../steering/load-report.ts";
import { mergeLoad, OriginLoadSchema } from "../steering/load-weights.ts";
import type { OriginLoad } from "../steering/load-weights.ts";
import { SEED_EXPIRY_MS } from "../steering/load-tracker.ts";

/** Reports older than the longest `expirySeconds` a pool may set are of no use to anyone. */
export const LOAD_MAX_AGE_MS = 3_600_000;
/** The most origins one report may carry. */
export const MAX_LOAD_ENTRIES = 2_000;
/** The row holding the newest report any colo has of an origin. */
const EVERY_COLO = "*";

export const LOAD_SCHEMA = `
CREATE TABLE IF NOT EXISTS colo_load (
  colo TEXT NOT NULL,
  origin_id TEXT NOT NULL,
  cpu REAL NOT NULL,
  mem REAL NOT NULL,
  app REAL NOT NULL,
  rps REAL NOT NULL,
  eps REAL NOT NULL,
  since INTEGER NOT NULL,
  at INTEGER NOT NULL,
  PRIMARY KEY (colo, origin_id)
);
`;

interface LoadRow {
  origin_id: string;
  cpu: number;
  mem: number;
  app: number;
  rps: number;
  eps: number;
  since: number;
  at: number;
  [key: string]: SqlStorageValue;
}

function toLoad(row: LoadRow): OriginLoad {
  const report: LoadReport = {
    cpuUtilization: row.cpu,
    memUtilization: row.mem,
    applicationUtilization: row.app,
    rpsFractional: row.rps,
    eps: row.eps,
  };
  return { report, at: row.at, since: row.since };
}

export class LoadStore {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(LOAD_SCHEMA);
  }

  /** An isolate's view of its origins' load, for its colo. An entry that does not parse is skipped. */
  record(colo: string, entries: readonly (readonly [string, unknown])[], now: number): void {
    for (const [originId, raw] of entries.slice(0, MAX_LOAD_ENTRIES)) {
      const parsed = OriginLoadSchema.safeParse(raw);
      if (!parsed.success || typeof originId !== "string") continue;
      // Another machine's clock: never in the future, never before its own start.
      const at = Math.min(parsed.data.at, now);
      const load: OriginLoad = { ...parsed.data, at, since: Math.min(parsed.data.since, at) };
      if (now - at > LOAD_MAX_AGE_MS) continue;
      this.#merge(colo, originId, load);
      this.#merge(EVERY_COLO, originId, load);
    }
    this.#sql.exec("DELETE FROM colo_load WHERE at < ?", now - LOAD_MAX_AGE_MS);
  }

  /** The colo's view of every origin's load, with the newest any colo has for origins it has not heard from. */
  view(colo: string, now: number): Record<string, OriginLoad> {
    const out: Record<string, OriginLoad> = {};
    const since = now - LOAD_MAX_AGE_MS;
    for (const row of this.#sql.exec<LoadRow>("SELECT * FROM colo_load WHERE colo = ? AND at >= ?", EVERY_COLO, since)) {
      out[row.origin_id] = toLoad(row);
    }
    if (colo !== EVERY_COLO) {
      for (const row of this.#sql.exec<LoadRow>("SELECT * FROM colo_load WHERE colo = ? AND at >= ?", colo, since)) {
        out[row.origin_id] = toLoad(row);
      }
    }
    return out;
  }

  /** Drops the load of every origin not in `known`. */
  retain(known: ReadonlySet<string>): void {
    const ids = this.#sql.exec<{ origin_id: string }>("SELECT DISTINCT origin_id FROM colo_load").toArray();
    for (const { origin_id } of ids) if (!known.has(origin_id)) this.#sql.exec("DELETE FROM colo_load WHERE origin_id = ?", origin_id);
  }

  #merge(colo: string, originId: string, load: OriginLoad): void {
    const held = this.#sql.exec<LoadRow>("SELECT * FROM colo_load WHERE colo = ? AND origin_id = ?", colo, originId).toArray()[0];
    const merged = mergeLoad(held === undefined ? undefined : toLoad(held), load, SEED_EXPIRY_MS);
    const r = merged.report;
    this.#sql.exec(
      `INSERT INTO colo_load (colo, origin_id, cpu, mem, app, rps, eps, since, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (colo, origin_id) DO UPDATE SET cpu = excluded.cpu, mem = excluded.mem, app = excluded.app, rps = excluded.rps,
         eps = excluded.eps, since = excluded.since, at = excluded.at`,
      colo,
      originId,
      r.cpuUtilization,
      r.memUtilization,
      r.applicationUtilization,
      r.rpsFractional,
      r.eps,
      merged.since,
      merged.at,
    );
  }
}

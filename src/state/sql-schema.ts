/**
 * The Durable Object's SQLite tables. Every history table is bounded per origin, so the
 * object's storage grows with the number of origins, never with time or traffic.
 */

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS origin_health (
  origin_id TEXT PRIMARY KEY,
  healthy INTEGER NOT NULL,
  consecutive_successes INTEGER NOT NULL,
  consecutive_failures INTEGER NOT NULL,
  since INTEGER NOT NULL,
  reason TEXT NOT NULL,
  last_probe_at INTEGER
);
CREATE TABLE IF NOT EXISTS probe_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  origin_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  ok INTEGER NOT NULL,
  latency_ms REAL NOT NULL,
  status INTEGER,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS probe_history_origin ON probe_history (origin_id, seq);
CREATE TABLE IF NOT EXISTS transitions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  origin_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transitions_origin ON transitions (origin_id, seq);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS probe_counts (
  origin_id TEXT NOT NULL,
  result TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (origin_id, result)
);
CREATE TABLE IF NOT EXISTS colo_latency (
  colo TEXT NOT NULL,
  key TEXT NOT NULL,
  ewma REAL NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (colo, key)
);
CREATE TABLE IF NOT EXISTS monitor_schedule (
  monitor_id TEXT PRIMARY KEY,
  next_at INTEGER NOT NULL
);
-- Ejections before they were kept per colo: moved into colo_ejections on start (below).
CREATE TABLE IF NOT EXISTS ejections (
  origin_id TEXT PRIMARY KEY,
  pool_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  until INTEGER NOT NULL,
  count INTEGER NOT NULL,
  reason TEXT NOT NULL,
  uneject_on_probe INTEGER NOT NULL,
  colo TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS colo_ejections (
  origin_id TEXT NOT NULL,
  colo TEXT NOT NULL,
  pool_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  at INTEGER NOT NULL,
  until INTEGER NOT NULL,
  count INTEGER NOT NULL,
  reason TEXT NOT NULL,
  uneject_on_probe INTEGER NOT NULL,
  quorum TEXT NOT NULL,
  PRIMARY KEY (origin_id, colo)
);
INSERT OR IGNORE INTO colo_ejections (origin_id, colo, pool_id, kind, at, until, count, reason, uneject_on_probe, quorum)
  SELECT origin_id, colo, pool_id, kind, at, until, count, reason, uneject_on_probe, '{}' FROM ejections;
DELETE FROM ejections;
CREATE TABLE IF NOT EXISTS colo_traffic (
  origin_id TEXT NOT NULL,
  colo TEXT NOT NULL,
  last_at INTEGER NOT NULL,
  PRIMARY KEY (origin_id, colo)
);
CREATE TABLE IF NOT EXISTS ejection_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  origin_id TEXT NOT NULL,
  at INTEGER NOT NULL,
  until INTEGER NOT NULL,
  kind TEXT NOT NULL,
  reason TEXT NOT NULL,
  colo TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ejection_log_origin ON ejection_log (origin_id, seq);
CREATE TABLE IF NOT EXISTS traffic (
  origin_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  tries INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  PRIMARY KEY (origin_id, bucket)
);
CREATE TABLE IF NOT EXISTS registrations (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  lapsed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS origin_overrides (
  origin_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (origin_id, kind)
);
-- DNS discovery (dns-store.ts): each name's answer in force, and the discovered origins with their states.
CREATE TABLE IF NOT EXISTS dns_names (key TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dns_origins (id TEXT PRIMARY KEY, body TEXT NOT NULL);
-- Rollouts (rollout-store.ts): each rollout's status as JSON, the counts of the interval in
-- progress per colo and side (target, stable), and verdicts counted per route and target.
CREATE TABLE IF NOT EXISTS rollouts (id TEXT PRIMARY KEY, route TEXT NOT NULL, created_at INTEGER NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rollout_counts (
  rollout_id TEXT NOT NULL,
  colo TEXT NOT NULL,
  side TEXT NOT NULL,
  requests INTEGER NOT NULL,
  failures INTEGER NOT NULL,
  latency_sum REAL NOT NULL,
  latency_sum_sq REAL NOT NULL,
  latency_count INTEGER NOT NULL,
  PRIMARY KEY (rollout_id, colo, side)
);
CREATE TABLE IF NOT EXISTS rollout_verdicts (
  route TEXT NOT NULL,
  target TEXT NOT NULL,
  verdict TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (route, target, verdict)
);
CREATE TABLE IF NOT EXISTS admin_audit (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  summary TEXT NOT NULL
);
`;

export interface HealthRow extends Record<string, SqlStorageValue> {
  origin_id: string;
  healthy: number;
  consecutive_successes: number;
  consecutive_failures: number;
  since: number;
  reason: string;
  last_probe_at: number | null;
}

export interface ColoEjectionRow extends Record<string, SqlStorageValue> {
  origin_id: string;
  colo: string;
  pool_id: string;
  kind: string;
  at: number;
  until: number;
  count: number;
  reason: string;
  uneject_on_probe: number;
  /** The pool's globalQuorum settings as JSON ('{}' for defaults). */
  quorum: string;
}

/** Deletes all but the newest `keep` rows of `table` for one origin. */
export function trimPerOrigin(
  sql: SqlStorage,
  table: "probe_history" | "transitions" | "ejection_log",
  originId: string,
  keep: number,
): void {
  sql.exec(
    `DELETE FROM ${table} WHERE origin_id = ? AND seq <= (
       SELECT seq FROM ${table} WHERE origin_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`,
    originId,
    originId,
    keep,
  );
}

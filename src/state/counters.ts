/** Counters the Durable Object keeps in its `counters` table: the config version it hands out. */

/** The next config version: one past both the stored counter and `atLeast` (the version in KV), stored. */
export function nextConfigVersion(sql: SqlStorage, atLeast: number): number {
  const row = sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'config_version'").toArray()[0];
  const next = Math.max(row?.value ?? 0, atLeast) + 1;
  sql.exec("INSERT INTO counters (name, value) VALUES ('config_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value", next);
  return next;
}

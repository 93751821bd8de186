/**
 * DNS discovery's storage in the Durable Object's SQLite: one row per name (its answer in
 * force, failures, empty streak — not its schedule, so a refresh that changes nothing writes
 * nothing), one row per discovered origin (its state and since when), and the
 * `discovery_version` counter, so an evicted or restarted object keeps serving the last
 * good answers and isolates never see a version number reused for another set. Rows are
 * parsed, not trusted: one that does not parse is dropped and its name asked again.
 */
import { z } from "zod";
import { DnsTable } from "../discovery/dns-table.ts";
import { DnsOriginSchema } from "../discovery/dns-merge.ts";
import type { HeldOrigin } from "../discovery/dns-table.ts";
import type { DnsNameState } from "../discovery/dns-name-state.ts";
import { MIN_TTL_SECONDS } from "../discovery/dns-name-state.ts";

const ResolvedAddressSchema = z.object({
  address: z.string(),
  port: z.number().optional(),
  priority: z.number().optional(),
  weight: z.number().optional(),
  target: z.string().optional(),
});

const StoredNameSchema = z.object({
  name: z.string(),
  type: z.enum(["A", "AAAA", "SRV"]),
  addresses: z.array(ResolvedAddressSchema),
  resolvedAt: z.number().optional(),
  ttlSeconds: z.number().optional(),
  failures: z.number(),
  lastError: z.string().optional(),
  empty: z.object({ since: z.number(), count: z.number(), rcode: z.string() }).optional(),
});

const HeldOriginSchema = z.object({
  origin: DnsOriginSchema,
  state: z.enum(["active", "draining"]),
  since: z.number(),
});

/**
 * The table as stored, loaded at `now`: names come back due within the shortest TTL,
 * spread by `random`, so a restarted object does not ask for every name at once.
 */
export function loadDnsTable(sql: SqlStorage, now: number, random: () => number): DnsTable {
  const names: DnsNameState[] = [];
  for (const row of sql.exec<{ body: string }>("SELECT body FROM dns_names")) {
    const parsed = StoredNameSchema.safeParse(JSON.parse(row.body));
    if (!parsed.success) continue;
    const d = parsed.data;
    names.push({
      name: d.name,
      type: d.type,
      addresses: d.addresses,
      resolvedAt: d.resolvedAt,
      ttlSeconds: d.ttlSeconds,
      nextAt: now + Math.floor(random() * MIN_TTL_SECONDS * 1_000),
      failures: d.failures,
      lastError: d.lastError,
      empty: d.empty,
    });
  }
  const held: HeldOrigin[] = [];
  for (const row of sql.exec<{ body: string }>("SELECT body FROM dns_origins")) {
    const parsed = HeldOriginSchema.safeParse(JSON.parse(row.body));
    if (parsed.success) held.push(parsed.data);
  }
  const version = sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'discovery_version'").toArray()[0]?.value ?? 0;
  return new DnsTable(names, held, version);
}

/** Writes what changed in `table` since the last save. */
export function saveDnsTable(sql: SqlStorage, table: DnsTable): void {
  const dirty = table.takeDirty();
  for (const [key, state] of dirty.names) {
    if (state === undefined) {
      sql.exec("DELETE FROM dns_names WHERE key = ?", key);
      continue;
    }
    const { nextAt: _schedule, ...stored } = state;
    sql.exec(
      "INSERT INTO dns_names (key, body) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body",
      key,
      JSON.stringify(stored),
    );
  }
  for (const [id, held] of dirty.origins) {
    if (held === undefined) sql.exec("DELETE FROM dns_origins WHERE id = ?", id);
    else
      sql.exec(
        "INSERT INTO dns_origins (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
        id,
        JSON.stringify(held),
      );
  }
  if (dirty.version !== undefined)
    sql.exec(
      "INSERT INTO counters (name, value) VALUES ('discovery_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      dirty.version,
    );
}

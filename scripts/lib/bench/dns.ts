/**
 * `npm run bench -- --only dns`: how many DNS names discovery refreshes a second at 1,000
 * names. 1,000 pools' entries (16 to a pool) each name one DNS name holding one A record;
 * the names are served by a real DNS-over-HTTPS server on loopback (dns2, the one the
 * tests use: test/e2e/doh-server.ts).
 *
 * - end to end: every name due at once, resolved as the Durable Object's alarm does —
 *   RESOLVE_CONCURRENCY queries in flight (GET ?dns=, decode, answer → table), through
 *   Node's fetch rather than workerd's — three rounds, the first with fresh connections;
 *   a round where every answer changed address (each change drains one origin and adds one);
 * - CPU alone: one refresh without the network (decode a canned response, read it, apply it
 *   to the table), for an unchanged answer, and for a changed one followed by what the alarm
 *   then does once (derive every name's origins again, take what changed for storage).
 *
 * At 1,000 names with 30 s TTLs discovery needs about 33 refreshes a second (with the 20%
 * spread, at most about 42).
 */
import { performance } from "node:perf_hooks";
import { Packet } from "dns2";
import { startDohZone } from "../../../test/e2e/doh-server.ts";
import { DnsDiscoverySchema } from "../../../src/config/discovery-schema.ts";
import { interpretAnswer } from "../../../src/discovery/dns-answer.ts";
import type { DnsOutcome } from "../../../src/discovery/dns-name-state.ts";
import { DnsTable } from "../../../src/discovery/dns-table.ts";
import type { DnsSource } from "../../../src/discovery/dns-table.ts";
import { decodeMessage, encodeQuery } from "../../../src/discovery/dns-wire.ts";
import { mapBounded } from "../../../src/health/probe-runner.ts";
import { RESOLVE_CONCURRENCY, resolveDoh } from "../../../src/state/dns-doh.ts";
import { mulberry32 } from "../../../test/unit/helpers/random.ts";

/** A resource record as dns2 builds it. */
type Resource = Packet["answers"][number];

const NAMES = 1_000;
const PER_POOL = 16;
const TTL = 30;

export interface DnsBenchRow {
  readonly what: string;
  readonly refreshes: number;
  readonly seconds: number;
  readonly perSecond: number;
}

export interface DnsBenchReport {
  readonly names: number;
  readonly concurrency: number;
  readonly rows: readonly DnsBenchRow[];
}

const nameOf = (i: number) => `svc-${i}.bench.test`;
const addressOf = (i: number, generation: number) => `10.${generation}.${(i >> 8) & 255}.${i & 255}`;

function sources(): DnsSource[] {
  return Array.from({ length: NAMES }, (_, i) => ({
    pool: `p${Math.floor(i / PER_POOL)}`,
    entry: DnsDiscoverySchema.parse({ name: nameOf(i), port: 8080, addresses: ["10.0.0.0/8"] }),
  }));
}

function row(what: string, refreshes: number, ms: number): DnsBenchRow {
  return { what, refreshes, seconds: ms / 1_000, perSecond: refreshes / (ms / 1_000) };
}

/** Resolves every name over DoH into `table`, RESOLVE_CONCURRENCY at a time; the time it took. */
async function refreshAll(table: DnsTable, resolver: URL, now: number): Promise<number> {
  const random = mulberry32(11);
  const due = table.due(now, NAMES);
  const started = performance.now();
  await mapBounded(due, RESOLVE_CONCURRENCY, async (n) => {
    const outcome = await resolveDoh(resolver, n.name, n.type);
    if (outcome.kind !== "resolved") throw new Error(`${n.name}: ${JSON.stringify(outcome)}`);
    table.apply(n.type, n.name, outcome, now, random);
  });
  // As the alarm ends: the origins derived from the new answers, what changed taken for storage and logs.
  table.takeDirty();
  table.takeNotes();
  return performance.now() - started;
}

/** A response to the query for the first name, as the DoH server sends it, holding `address`. */
function canned(address: string): Uint8Array {
  const response = Packet.createResponseFromRequest(Packet.parse(Buffer.from(encodeQuery(nameOf(0), "A"))));
  response.answers.push({ name: nameOf(0), type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: TTL, address } as Resource);
  return new Uint8Array(response.toBuffer());
}

/** The CPU of one refresh without the network: decode, read, apply; `changing` alternates the address. */
function cpuRefreshes(changing: boolean): DnsBenchRow {
  const table = new DnsTable();
  table.sync(sources(), 0, false);
  const answers = [canned(addressOf(0, 0)), canned(addressOf(0, 1))];
  const random = mulberry32(5);
  const rounds = changing ? 2_000 : 50_000;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) {
    const answer = interpretAnswer(decodeMessage(answers[changing ? i % 2 : 0] as Uint8Array), nameOf(0), "A");
    if (answer.kind !== "addresses") throw new Error(`canned answer: ${JSON.stringify(answer)}`);
    const outcome: DnsOutcome = {
      kind: "resolved",
      ttlSeconds: answer.ttlSeconds,
      addresses: answer.addresses.map((address) => ({ address })),
    };
    table.apply("A", nameOf(0), outcome, i + 1, random);
    // A changed answer makes the next alarm derive every name's origins again: the worst case, one change an alarm.
    if (changing) table.takeDirty();
  }
  return row(
    changing
      ? `CPU alone, answer changed (all ${NAMES.toLocaleString("en-US")} names' origins derived again)`
      : "CPU alone, answer unchanged",
    rounds,
    performance.now() - started,
  );
}

export async function benchDns(): Promise<DnsBenchReport> {
  const zone = await startDohZone();
  for (let i = 0; i < NAMES; i++) zone.set(nameOf(i), [{ type: "A", address: addressOf(i, 0), ttl: TTL }]);
  const resolver = new URL(zone.url);
  const table = new DnsTable();
  table.sync(sources(), 0, false);
  const rows: DnsBenchRow[] = [];
  for (let round = 0; round < 3; round++) {
    const ms = await refreshAll(table, resolver, round * TTL * 1_000);
    rows.push(row(`over DoH, round ${round + 1}${round === 0 ? " (new names, new connections)" : ""}`, NAMES, ms));
  }
  for (let i = 0; i < NAMES; i++) zone.set(nameOf(i), [{ type: "A", address: addressOf(i, 1), ttl: TTL }]);
  rows.push(row("over DoH, every answer changed", NAMES, await refreshAll(table, resolver, 3 * TTL * 1_000)));
  if (table.ids().length !== NAMES * 2)
    throw new Error(`expected ${NAMES} active and ${NAMES} draining origins, got ${table.ids().length}`);
  await zone.close();
  rows.push(cpuRefreshes(false), cpuRefreshes(true));
  const report = { names: NAMES, concurrency: RESOLVE_CONCURRENCY, rows };
  console.log(dnsTable(report));
  return report;
}

function dnsTable(report: DnsBenchReport): string {
  const fmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  return [
    `DNS discovery at ${fmt.format(report.names)} names (${report.concurrency} queries in flight, a DoH server on loopback):`,
    "",
    "| refresh | refreshes | seconds | refreshes/s |",
    "| --- | ---: | ---: | ---: |",
    ...report.rows.map((r) => `| ${r.what} | ${fmt.format(r.refreshes)} | ${r.seconds.toFixed(2)} | ${fmt.format(r.perSecond)} |`),
    "",
    `Needed at ${fmt.format(report.names)} names with ${TTL} s TTLs: about ${fmt.format(report.names / TTL)} refreshes/s.`,
  ].join("\n");
}

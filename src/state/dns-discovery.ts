/**
 * DNS discovery in the Durable Object: on each alarm, take the config's discovery entries,
 * resolve the names that are due over DNS over HTTPS (at most RESOLVE_CONCURRENCY at once,
 * at most MAX_NAMES_PER_ALARM per alarm: the rest the next alarm, 100 ms later), store what
 * changed, log what the table noted, and probe the discovered origins whose pool monitors
 * are due. The cron round probes configured origins only, so discovered ones are probed
 * from here on their monitor's interval, whatever it is, and at once when they appear.
 * The rules themselves are the pure src/discovery/dns-*.ts.
 */
import { compileConfig } from "../config/compile.ts";
import type { CompiledConfig } from "../config/compile.ts";
import { withDiscovered } from "../discovery/dns-merge.ts";
import type { DiscoveredOrigin } from "../discovery/dns-merge.ts";
import { type DnsTable, sourcesOf } from "../discovery/dns-table.ts";
import type { NameStatus } from "../discovery/dns-table.ts";
import { earliest, nextDueAfter } from "../health/monitor-schedule.ts";
import { mapBounded } from "../health/probe-runner.ts";
import { errorMessage, log } from "../observe/log.ts";
import { monitorsInUse, probeRound } from "../probes/probe-round.ts";
import type { ProbeRound, RegionProber } from "../probes/probe-round.ts";
import { dohUrl, RESOLVE_CONCURRENCY, resolveDoh } from "./dns-doh.ts";
import { loadDnsTable, saveDnsTable } from "./dns-store.ts";

/** Names one alarm resolves at most; more due, and the next alarm comes at once. */
export const MAX_NAMES_PER_ALARM = 256;

/** What DNS discovery reads of the environment. */
export interface DnsEnv {
  readonly EDGEWAY_DOH_URL?: string;
  readonly EDGEWAY_ALLOW_LOOPBACK_REGISTRATION?: string;
}

export class DnsDiscovery {
  readonly #sql: SqlStorage;
  readonly #table: DnsTable;
  /** Next due time of each monitor over discovered origins (memory only: a restarted object probes them at once). */
  readonly #probeDue = new Map<string, number>();
  #probedVersion = -1;
  #probeConfig: { base: CompiledConfig; version: number; compiled: CompiledConfig } | undefined;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    this.#table = loadDnsTable(sql, Date.now(), Math.random);
  }

  get version(): number {
    return this.#table.version;
  }

  /** Whether `config` has discovery entries the object has not taken yet: the alarm should run now. */
  pending(config: CompiledConfig | undefined): boolean {
    return config !== undefined && this.#table.differs(sourcesOf(config.config));
  }

  /** One alarm's work: take the entries, resolve what is due, drain and remove what left. */
  async refresh(config: CompiledConfig | undefined, env: DnsEnv): Promise<void> {
    const allowLoopback = env.EDGEWAY_ALLOW_LOOPBACK_REGISTRATION === "true";
    if (config !== undefined) this.#table.sync(sourcesOf(config.config), Date.now(), allowLoopback);
    const due = this.#table.due(Date.now(), MAX_NAMES_PER_ALARM);
    if (due.length > 0) {
      let resolver: URL | undefined;
      try {
        resolver = dohUrl(env.EDGEWAY_DOH_URL);
      } catch (error) {
        log("error", "dns_resolver_invalid", { value: env.EDGEWAY_DOH_URL, message: errorMessage(error) });
      }
      await mapBounded(due, RESOLVE_CONCURRENCY, async (n) => {
        const outcome =
          resolver === undefined
            ? { kind: "failure" as const, reason: `EDGEWAY_DOH_URL is not a URL: ${env.EDGEWAY_DOH_URL}` }
            : await resolveDoh(resolver, n.name, n.type);
        this.#table.apply(n.type, n.name, outcome, Date.now(), Math.random);
      });
    }
    this.#table.sweep(Date.now());
    this.#flush();
  }

  /** A round of probes over the discovered origins whose monitors are due (undefined: none due), to record as any round. */
  async probe(base: CompiledConfig, prober: RegionProber): Promise<ProbeRound | undefined> {
    const now = Date.now();
    const serving = this.#table.held().filter((h) => h.state === "active");
    const compiled = this.#compiledFor(base);
    const monitors = monitorsInUse(compiled);
    const inUse = new Set(monitors.map((m) => m.id));
    for (const id of [...this.#probeDue.keys()]) if (!inUse.has(id)) this.#probeDue.delete(id);
    // New origins are probed at once, not a whole interval after they appeared.
    if (this.#probedVersion !== this.#table.version) this.#probeDue.clear();
    this.#probedVersion = this.#table.version;
    if (serving.length === 0) return undefined;
    const due = monitors.filter((m) => (this.#probeDue.get(m.id) ?? Number.NEGATIVE_INFINITY) <= now);
    if (due.length === 0) return undefined;
    for (const m of due) this.#probeDue.set(m.id, nextDueAfter(m, now, Math.random));
    const dueIds = new Set(due.map((m) => m.id));
    const round = await probeRound(compiled, (m) => dueIds.has(m.id), true, Math.random, prober);
    // The round's origins are every origin whose state is kept: the configured ones and all discovered.
    return { ...round, origins: [...base.origins.keys(), ...this.#table.ids()] };
  }

  /** The config's pools with only their discovered origins that serve or stand by: what the discovery probes reach. */
  #compiledFor(base: CompiledConfig): CompiledConfig {
    const memo = this.#probeConfig;
    if (memo !== undefined && memo.base === base && memo.version === this.#table.version) return memo.compiled;
    const serving = this.discovered(() => true).filter((d) => d.state !== "draining");
    const bare = { ...base.config, origins: [], pools: base.config.pools.map((p) => ({ ...p, origins: [] })), routes: [] };
    const compiled = compileConfig(withDiscovered(bare, serving), base.version);
    this.#probeConfig = { base, version: this.#table.version, compiled };
    return compiled;
  }

  /** When the alarm is next needed for discovery: a name's refresh, a drain's end, a monitor's probes. */
  nextDue(): number | undefined {
    const probes = this.#table.held().some((h) => h.state === "active") ? [...this.#probeDue.values()] : [];
    return earliest([this.#table.nextDue(), ...probes]);
  }

  /** Every discovered origin's id (draining ones too). */
  ids(): string[] {
    return this.#table.ids();
  }

  /** The snapshot's part: the origins with their states, SRV tiers decided by `isHealthy`, and the version. */
  snapshotPart(isHealthy: (id: string) => boolean): { discovered: DiscoveredOrigin[]; discoveryVersion: number } {
    return { discovered: this.discovered(isHealthy), discoveryVersion: this.#table.version };
  }

  discovered(isHealthy: (id: string) => boolean): DiscoveredOrigin[] {
    return this.#table.discovered(isHealthy);
  }

  /** Each name's resolution, for the health API and metrics. */
  status(): NameStatus[] {
    return this.#table.status();
  }

  #flush(): void {
    saveDnsTable(this.#sql, this.#table);
    for (const note of this.#table.takeNotes()) log(note.level, note.event, note.fields);
  }
}

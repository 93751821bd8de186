/**
 * OriginState, the Durable Object that holds origin health: probe-driven health with its
 * history and transitions, ejections and traffic counts reported by isolates, self-
 * registered origins, origins discovered through DNS, the config version counter and
 * per-colo latency, rollouts (rollout-runner.ts) and staged config changes (staged-runner.ts).
 * Its alarm runs the sub-minute monitors, watches registrations' heartbeats, resolves the
 * pools' DNS names (dns-discovery.ts) and judges rollouts' and staged changes' intervals.
 *
 * Reached by name (`originStateStub`), so state can be split by pool later without a
 * rewrite. Every table is bounded; every method is safe to call twice (at-least-once
 * delivery of alarms and retried RPCs).
 */
import { originDetails } from "./origin-details.ts";
import type { OriginDetails } from "./origin-details.ts";
import { LatencyStore } from "./latency-store.ts";
import { DurableObject } from "cloudflare:workers";
import type { HealthSnapshot } from "../health/snapshot.ts";
import { SCHEMA } from "./sql-schema.ts";
import { HealthStore } from "./health-store.ts";
import type { ProbeCount } from "./health-store.ts";
import { EjectionStore } from "./ejection-store.ts";
import type { LatencyReportEntry, TrafficReport } from "./ejection-store.ts";
import { coloSnapshotParts } from "./colo-health.ts";
import { originStatuses } from "./snapshot-origins.ts";
import { RegistrationStore } from "./registration-store.ts";
import type { RegisterClaim, RegisterOutcome, Remover } from "./registration-store.ts";
import { rateRefusal, takeCall } from "../discovery/rate-limit.ts";
import type { Bucket } from "../discovery/rate-limit.ts";
import type { Refusal } from "../discovery/refusal.ts";
import { ProbeSchedule } from "./probe-schedule.ts";
import { OverrideStore } from "./override-store.ts";
import { AuditStore } from "./audit-store.ts";
import { LoadStore } from "./load-store.ts";
import type { AuditEntry } from "./audit-store.ts";
import type { OriginOverrides, OverrideKind, OverridesById } from "../config/overrides.ts";
import type { ProbeRound } from "../probes/probe-round.ts";
import { monitorsInUse, probeRound } from "../probes/probe-round.ts";
import { dueMonitors, earliest, isSubMinute, nextDueAfter } from "../health/monitor-schedule.ts";
import type { Registration, RegistrationRequest } from "../discovery/registration.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { RegionHealthStore } from "./region-health-store.ts";
import type { RegionProbeCount } from "./region-health-store.ts";
import { applyRegionalRound } from "./regional-round.ts";
import { regionProber } from "./region-probe.ts";
import { countedStub } from "./do-calls.ts";
import { probeTargets } from "../probes/probe-round.ts";
import type { RegionTarget } from "../probes/probe-round.ts";
import type { ProbeResult } from "../health/probe-result.ts";
import { GLOBAL_SHARD } from "./shards.ts";
import type { ProbeRegion } from "../config/probe-regions.ts";
import { errorMessage, log } from "../observe/log.ts";
import { DnsDiscovery } from "./dns-discovery.ts";
import type { NameStatus } from "../discovery/dns-table.ts";
import { nextConfigVersion } from "./counters.ts";
import { Rollouts } from "./rollout-runner.ts";
import type { RolloutListing, RolloutOutcome, RolloutRequestCall } from "./rollout-runner.ts";
import { MIN_ALARM_DELAY_MS, sleepUntil, wakeBy } from "./alarm-at.ts";
import { type StagedAnswer, type StagedCall, StagedChanges, stagedCall } from "./staged-runner.ts";

export { HISTORY_PER_ORIGIN, TRANSITIONS_PER_ORIGIN } from "./health-store.ts";
export type { HistoryEntry } from "./health-store.ts";
export type { ProbeRound } from "../probes/probe-round.ts";
export type { OriginDetails } from "./origin-details.ts";
export { COLO_LATENCY_MAX_AGE_MS, MAX_LATENCY_ENTRIES } from "./latency-store.ts";
export { MIN_ALARM_DELAY_MS } from "./alarm-at.ts";

export class OriginState extends DurableObject<Env> {
  #health!: HealthStore;
  #ejections!: EjectionStore;
  #registrations!: RegistrationStore;
  #schedule!: ProbeSchedule;
  #overrides!: OverrideStore;
  #audit!: AuditStore;
  /** Registration calls per token name (an in-object rate limit; lost on eviction, which only forgives). */
  readonly #callBuckets = new Map<string, Bucket>();
  #load!: LoadStore;
  #latency!: LatencyStore;
  #regions!: RegionHealthStore;
  #dns!: DnsDiscovery;
  #rollouts!: Rollouts;
  #staged!: StagedChanges;
  /** Sub-minute monitors in the config the last alarm saw, to know when to wake next. */
  #subMinute = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    void ctx.blockConcurrencyWhile(async () => {
      const sql = ctx.storage.sql;
      sql.exec(SCHEMA);
      this.#health = new HealthStore(sql);
      this.#ejections = new EjectionStore(sql);
      this.#registrations = new RegistrationStore(sql);
      this.#schedule = new ProbeSchedule(sql);
      this.#overrides = new OverrideStore(sql);
      this.#audit = new AuditStore(sql);
      this.#load = new LoadStore(sql);
      this.#latency = new LatencyStore(sql);
      this.#regions = new RegionHealthStore(sql);
      this.#dns = new DnsDiscovery(sql);
      this.#rollouts = new Rollouts(
        sql,
        () => this.snapshot(),
        (entry) => this.#audit.record(entry),
      );
      this.#staged = new StagedChanges(sql);
    });
  }

  /** Applies a round of probe results and returns the new snapshot. A duplicate round changes nothing. */
  recordProbes(round: ProbeRound): HealthSnapshot {
    // Discovered origins are probed (registrations are not): their health is kept too.
    const known = new Set([...round.origins, ...this.#dns.ids()]);
    this.#health.retain(known);
    this.#regions.retain(known);
    for (const reg of this.#registrations.all()) known.add(reg.id);
    this.#ejections.retain(known);
    this.#load.retain(known);
    const now = Date.now();
    for (const result of round.results) {
      if (!known.has(result.originId) || result.region !== undefined) continue;
      const thresholds = round.thresholds[result.originId] ?? { healthyThreshold: 2, unhealthyThreshold: 2 };
      if (this.#health.apply(result, thresholds) && result.ok) this.#ejections.probePassed(result.originId, result.at, now);
    }
    for (const p of applyRegionalRound(this.#health, this.#regions, round, known)) this.#ejections.probePassed(p.originId, p.at, now);
    return this.snapshot();
  }

  /**
   * Health of every origin this object knows, for isolates' caches; with a colo, also
   * that colo's latency estimates, so a cold isolate starts from its colo's view. An
   * origin's `ejection` is a global verdict; `coloEjections` carries the ejections of
   * `colos` (the isolate's own colo: by default `colo`) and `votes` the quorum's counts.
   */
  snapshot(colo?: string, colos: readonly string[] = colo === undefined ? [] : [colo]): HealthSnapshot {
    const now = Date.now();
    const registrations = this.#registrations.all();
    const overrides = this.#overrides.all();
    const origins = originStatuses(this.#health, this.#ejections, registrations, overrides, now);
    const snapshot: HealthSnapshot = {
      generatedAt: now,
      origins,
      registrations,
      registrationsVersion: this.#registrations.version,
      overrides,
      overridesVersion: this.#overrides.version,
      ...this.#dns.snapshotPart((id) => origins[id]?.healthy ?? true),
      ...this.#rollouts.snapshotPart(now),
      ...coloSnapshotParts(this.#ejections, colos, now),
    };
    if (colo === undefined) return snapshot;
    return { ...snapshot, ...this.#latency.view(colo, now), load: this.#load.view(colo, now) };
  }

  /**
   * Latency estimates for a colo, `[key, ms, sampledAt]` each (latency-store.ts): what
   * isolates of older versions send on their own; newer ones fold them into reportTraffic.
   */
  reportLatency(colo: string, entries: readonly LatencyReportEntry[]): void {
    this.#latency.record(colo, entries, Date.now());
  }

  /** Origins' load reports for a colo, as isolates of older versions send them (newer ones fold them into reportTraffic). */
  reportLoad(colo: string, entries: readonly (readonly [string, unknown])[]): void {
    this.#load.record(colo, entries, Date.now());
  }

  /**
   * A colo's ejections, traffic counts, latency estimates and origins' load, from an
   * isolate or merged by the colo's aggregator (colo-aggregator.ts); returns the snapshot
   * (for `colos`, the isolate's colos) so the isolate sees its colo's and global ejections at once.
   */
  reportTraffic(report: TrafficReport, colos?: readonly string[]): HealthSnapshot {
    const now = Date.now();
    this.#ejections.record(report, now);
    if (report.latency !== undefined) this.#latency.record(report.colo, report.latency, now);
    if (report.load !== undefined) this.#load.record(report.colo, report.load, now);
    this.#rollouts.record(report);
    this.#staged.record(report);
    return this.snapshot(report.colo, colos);
  }

  /** Ends an origin's ejection everywhere (isolates drop it with their next snapshot's sync). Returns whether there was one. */
  releaseEjection(originId: string): boolean {
    const held = this.#ejections.inForce(originId, Date.now()).length > 0;
    this.#ejections.release(originId);
    return held;
  }

  /**
   * Registers an origin, or records its heartbeat, when the token is within its call rate,
   * owns the id (or it is free) and there is room; makes sure the alarm will notice a
   * lapse. `rate` is undefined for the admin token, which is not rate-limited.
   */
  async register(request: RegistrationRequest, claim: RegisterClaim, rate?: { readonly perMinute: number }): Promise<RegisterOutcome> {
    const now = Date.now();
    const over = rate === undefined ? undefined : this.#overRate(claim.registrant, rate.perMinute, now);
    if (over !== undefined) return { ok: false, refusal: over };
    const outcome = this.#registrations.register(request, claim, now, (id, t) => this.#health.recordTransition(id, t));
    if (outcome.ok) await wakeBy(this.ctx.storage, this.#registrations.nextDeadline(Date.now()));
    return outcome;
  }

  /**
   * Removes a registration: the admin token (`by` undefined) any, a registration token only
   * its own, with its secret; within the token's call rate.
   */
  deregister(id: string, by?: Remover, rate?: { readonly perMinute: number }): "removed" | "not_found" | Refusal {
    const over = by === undefined || rate === undefined ? undefined : this.#overRate(by.registrant, rate.perMinute, Date.now());
    if (over !== undefined) return over;
    const result = this.#registrations.remove(
      id,
      `deregistered through the admin API${by === undefined ? "" : ` by ${by.registrant}`}`,
      by,
    );
    if (result === "removed") this.#ejections.release(id);
    return result;
  }

  /** Turns a registration unhealthy at once (Consul's check/fail); same ownership and call rate as a removal. */
  async failRegistration(id: string, by?: Remover, rate?: { readonly perMinute: number }): Promise<"failed" | "not_found" | Refusal> {
    const now = Date.now();
    const over = by === undefined || rate === undefined ? undefined : this.#overRate(by.registrant, rate.perMinute, now);
    if (over !== undefined) return over;
    const result = this.#registrations.fail(id, now, by, (origin, t) => this.#health.recordTransition(origin, t));
    if (result === "failed") await wakeBy(this.ctx.storage, this.#registrations.nextDeadline(now));
    return result;
  }

  /** Takes a call from `registrant`'s bucket; the refusal when it is over its rate. */
  #overRate(registrant: string, perMinute: number, now: number): Refusal | undefined {
    const take = takeCall(this.#callBuckets.get(registrant), perMinute, now);
    this.#callBuckets.set(registrant, take.bucket);
    return take.allowed ? undefined : rateRefusal(registrant, perMinute, take.retryAfterSeconds);
  }

  registrations(): Registration[] {
    return this.#registrations.all();
  }

  /** Each DNS name's resolution: answer, TTL, failures, refused addresses, counts (dns-discovery.ts). */
  discovery(): NameStatus[] {
    return this.#dns.status();
  }

  /** Probe results applied per origin and result (alarm and cron alike), for the metrics route. */
  probeCounts(): ProbeCount[] {
    return this.#health.probeCounts();
  }

  /** Probe results by origin and region, for the metrics route. */
  regionProbeCounts(): RegionProbeCount[] {
    return this.#regions.probeCounts();
  }

  /** As the object of a probe region (`probe:<region>`, src/state/region-probe.ts): probes `targets` from here and returns the results. */
  probeFromRegion(region: ProbeRegion, targets: readonly RegionTarget[], spread: boolean): Promise<ProbeResult[]> {
    return probeTargets(region, targets, spread);
  }

  /** Everything known of each origin, for the health API and the status page (origin-details.ts). */
  details(historyLimit = 20): Record<string, OriginDetails> {
    return originDetails(
      {
        health: this.#health,
        ejections: this.#ejections,
        registrations: this.#registrations,
        overrides: this.#overrides,
        load: this.#load,
        regions: this.#regions,
        dns: this.#dns,
      },
      historyLimit,
      Date.now(),
    );
  }

  /** Admin overrides by origin id. */
  overrides(): OverridesById {
    return this.#overrides.all();
  }

  /** Sets one kind of override on an origin; returns the origin's overrides and the new snapshot. */
  setOverride<K extends OverrideKind>(
    originId: string,
    kind: K,
    value: NonNullable<OriginOverrides[K]>,
  ): { overrides: OriginOverrides; snapshot: HealthSnapshot } {
    const overrides = this.#overrides.set(originId, kind, value);
    return { overrides, snapshot: this.snapshot() };
  }

  /** Clears kinds of override on an origin; returns what is left and the new snapshot. */
  clearOverrides(
    originId: string,
    kinds: readonly OverrideKind[],
    actor: string,
    reason?: string,
  ): { overrides: OriginOverrides; snapshot: HealthSnapshot } {
    const overrides = this.#overrides.clear(originId, kinds, actor, reason);
    return { overrides, snapshot: this.snapshot() };
  }

  /** Records an accepted admin change. */
  recordAudit(entry: AuditEntry): void {
    this.#audit.record(entry);
  }

  /** The newest admin changes first. */
  audit(limit = 100): AuditEntry[] {
    return this.#audit.recent(limit);
  }

  /** Every kept rollout, newest first, and the verdicts counted (rollout-runner.ts). */
  rollouts(): RolloutListing {
    return this.#rollouts.list();
  }

  /** Starts a rollout or runs a command on one (rollout-runner.ts); the alarm wakes for its next interval. */
  async rollout(call: RolloutRequestCall): Promise<RolloutOutcome> {
    const outcome = await this.#rollouts.call(call, this.env, Date.now());
    await wakeBy(this.ctx.storage, this.#rollouts.nextDue(Date.now()));
    return outcome;
  }

  /** A staged config change's admin call (staged-runner.ts); the alarm wakes for its next look. */
  staged(call: StagedCall): Promise<StagedAnswer> {
    return stagedCall(this.#staged, call, this.env.CONFIG, this.ctx.storage);
  }

  /** The next config version: one past both this counter and `atLeast` (the version in KV). */
  allocateConfigVersion(atLeast: number): number {
    return nextConfigVersion(this.ctx.storage.sql, atLeast);
  }

  /**
   * Starts the alarm loop if it is not running: called when a config is stored and on
   * every cron tick, so a lost alarm is restarted within a minute. Cheap when it runs.
   * A config with DNS names the object has not taken yet brings the alarm forward.
   */
  async ensureAlarm(): Promise<void> {
    await isolate.config.refresh(this.env.CONFIG, Date.now(), reportConfigProblem);
    this.#rollouts.configChanged(Date.now());
    if ((await this.ctx.storage.getAlarm()) === null || this.#dns.pending(isolate.config.current?.compiled))
      await this.ctx.storage.setAlarm(Date.now() + MIN_ALARM_DELAY_MS);
  }

  /**
   * The loop: probe the sub-minute monitors that are due, resolve the DNS names that are
   * due and probe what they gave, mark lapsed heartbeats, then sleep until the next thing is due. A duplicate or early alarm finds nothing due and
   * only reschedules; an error is logged and the loop goes on.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    try {
      await isolate.config.refresh(this.env.CONFIG, now, reportConfigProblem);
      const config = isolate.config.current?.compiled;
      const subMinute = config === undefined ? [] : monitorsInUse(config).filter(isSubMinute);
      this.#subMinute = new Set(subMinute.map((m) => m.id));
      this.#schedule.retain(this.#subMinute);
      const due = dueMonitors(subMinute, this.#schedule.nextDue, now);
      if (config !== undefined && due.length > 0) {
        // Schedule first: an alarm delivered again while this one probes finds nothing due.
        for (const m of due) this.#schedule.set(m.id, nextDueAfter(m, now, Math.random));
        const dueIds = new Set(due.map((m) => m.id));
        const round = await probeRound(config, (m) => dueIds.has(m.id), true, Math.random, regionProber(this.env));
        this.recordProbes(round);
      }
      await this.#dns.refresh(config, this.env);
      const dnsRound = config === undefined ? undefined : await this.#dns.probe(config, regionProber(this.env));
      if (dnsRound !== undefined) this.recordProbes(dnsRound);
      this.#registrations.sweep(Date.now(), (id, t) => this.#health.recordTransition(id, t));
      this.#ejections.sweep(Date.now());
    } catch (error) {
      log("error", "alarm_failed", { message: errorMessage(error) });
    } finally {
      // Rollouts' looks and intervals run whatever failed above (the tick catches its own errors).
      await this.#rollouts.tick(this.env, Date.now());
      await this.#staged.tick(this.env.CONFIG, Date.now());
      await this.#scheduleNext();
    }
  }

  async #scheduleNext(): Promise<void> {
    const now = Date.now();
    const next = earliest([
      ...[...this.#subMinute].map((id) => this.#schedule.nextDue.get(id) ?? now),
      this.#registrations.nextDeadline(now),
      this.#dns.nextDue(),
      this.#rollouts.nextDue(now),
      this.#staged.nextDue(now),
    ]);
    await sleepUntil(this.ctx.storage, next, now);
  }
}

/** The object holding health for `shard` (src/state/shards.ts: one object today; one per pool is a name change), its calls counted. */
export function originStateStub(env: Env, shard = GLOBAL_SHARD): DurableObjectStub<OriginState> {
  return countedStub(env.ORIGIN_STATE.get(env.ORIGIN_STATE.idFromName(shard)));
}

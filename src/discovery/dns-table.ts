/**
 * Everything DNS discovery holds, as plain data: each name's resolution (dns-name-state.ts),
 * the pools' entries that use it, and the discovered origins with their states. Pure: the
 * clock and the random source come in, and what should be logged or stored is handed back
 * (`takeNotes`, `takeDirty`) for the Durable Object to do (src/state/dns-discovery.ts).
 *
 * A name is resolved once however many pools list it. An address that leaves its name's
 * answer turns `draining` at once — no new requests, not a candidate even in panic — and
 * is removed DRAIN_SECONDS later unless it comes back (then it is active again, with its
 * health history). `version` moves whenever the set of origins or a routing field changes,
 * not when states do, so isolates recompile only then.
 */
import type { Config } from "../config/schema.ts";
import type { DnsDiscovery } from "../config/discovery-schema.ts";
import { MAX_DISCOVERED_ORIGINS } from "../config/discovery-schema.ts";
import { sameRouting, withTiers } from "./dns-merge.ts";
import type { DiscoveredOrigin } from "./dns-merge.ts";
import { applyOutcome, newNameState } from "./dns-name-state.ts";
import type { DnsEvent, DnsNameState, DnsOutcome } from "./dns-name-state.ts";
import { originsOf } from "./dns-origins.ts";
import type { DnsOrigin, RefusedAddress } from "./dns-origins.ts";

/** How long an address that left the answer stays listed as draining: past the default route timeout (15 s) and its retries. */
export const DRAIN_SECONDS = 60;

/** One pool's discovery entry. */
export interface DnsSource {
  readonly pool: string;
  readonly entry: DnsDiscovery;
}

/** A discovered origin as held: what the answer gave, and whether it still does. */
export interface HeldOrigin {
  readonly origin: DnsOrigin;
  readonly state: "active" | "draining";
  readonly since: number;
}

/** Counts per name since the object started, for metrics. */
export interface NameCounts {
  queries: number;
  failures: number;
  empty: number;
  changes: number;
}

/** What the health API and metrics show of one name. */
export interface NameStatus {
  readonly name: string;
  readonly type: DnsNameState["type"];
  readonly pools: readonly string[];
  readonly addresses: number;
  readonly resolvedAt: number | null;
  readonly ttlSeconds: number | null;
  readonly nextAt: number;
  readonly failures: number;
  readonly lastError: string | null;
  readonly emptySince: number | null;
  readonly counts: NameCounts;
  readonly refused: readonly RefusedAddress[];
  readonly capped: number;
}

/** A line for the log: an event name and its fields. */
export interface DnsNote {
  readonly level: "info" | "warn";
  readonly event: string;
  readonly fields: Record<string, unknown>;
}

export function nameKey(type: string, name: string): string {
  return `${type} ${name}`;
}

/** Every pool's discovery entries, in document order. */
export function sourcesOf(config: Config): DnsSource[] {
  return config.pools.flatMap((pool) => (pool.discovery ?? []).map((d) => ({ pool: pool.id, entry: d.dns })));
}

export class DnsTable {
  readonly #names = new Map<string, DnsNameState>();
  readonly #counts = new Map<string, NameCounts>();
  readonly #held = new Map<string, HeldOrigin>();
  readonly #leftOut = new Map<string, { refused: RefusedAddress[]; capped: number }>();
  #sources: DnsSource[] = [];
  #allowLoopback = false;
  #version: number;
  #versionDirty = false;
  readonly #dirtyNames = new Set<string>();
  readonly #dirtyOrigins = new Set<string>();
  #notes: DnsNote[] = [];
  /** When an answer last changed since the origins were derived: they are derived again before anything reads them. */
  #staleAt: number | undefined;

  constructor(names: readonly DnsNameState[] = [], held: readonly HeldOrigin[] = [], version = 0) {
    for (const n of names) this.#names.set(nameKey(n.type, n.name), n);
    for (const h of held) this.#held.set(h.origin.id, h);
    this.#version = version;
  }

  get version(): number {
    this.#settle();
    return this.#version;
  }

  /** Whether `sources` differ from the entries the table last took. */
  differs(sources: readonly DnsSource[]): boolean {
    return JSON.stringify(sources) !== JSON.stringify(this.#sources);
  }

  /** Takes the config's entries: new names are due at once, names no entry uses are forgotten. */
  sync(sources: readonly DnsSource[], now: number, allowLoopback: boolean): void {
    const changed = this.differs(sources) || allowLoopback !== this.#allowLoopback;
    this.#sources = [...sources];
    this.#allowLoopback = allowLoopback;
    const used = new Set(sources.map((s) => nameKey(s.entry.type, s.entry.name)));
    for (const s of sources) {
      const key = nameKey(s.entry.type, s.entry.name);
      if (!this.#names.has(key)) this.#names.set(key, newNameState(s.entry.name, s.entry.type, now));
    }
    for (const key of [...this.#names.keys()])
      if (!used.has(key)) {
        this.#names.delete(key);
        this.#counts.delete(key);
        this.#dirtyNames.add(key);
      }
    if (changed) this.recompute(now);
  }

  /** Names due at `now`, the most overdue first, at most `limit`. */
  due(now: number, limit: number): DnsNameState[] {
    return [...this.#names.values()]
      .filter((n) => n.nextAt <= now)
      .sort((a, b) => a.nextAt - b.nextAt)
      .slice(0, limit);
  }

  /** Applies a resolution of `type` `name`; returns what happened (undefined if the name is no longer used). */
  apply(type: string, name: string, outcome: DnsOutcome, now: number, random: () => number): DnsEvent | undefined {
    const key = nameKey(type, name);
    const before = this.#names.get(key);
    if (before === undefined) return undefined;
    const { state, event } = applyOutcome(before, outcome, now, random);
    this.#names.set(key, state);
    const counts = this.#counts.get(key) ?? { queries: 0, failures: 0, empty: 0, changes: 0 };
    counts.queries++;
    if (event === "failed") counts.failures++;
    if (event === "empty" || event === "empty_pending" || event === "emptied") counts.empty++;
    if (event === "changed" || event === "emptied") counts.changes++;
    this.#counts.set(key, counts);
    // Neither the schedule nor the time of the last answer is stored (a restarted object asks again
    // soon), so a refresh that changes nothing writes nothing.
    const { nextAt: _b1, resolvedAt: _b2, ...kept } = before;
    const { nextAt: _a1, resolvedAt: _a2, ...next } = state;
    if (JSON.stringify(kept) !== JSON.stringify(next) || (before.resolvedAt === undefined) !== (state.resolvedAt === undefined))
      this.#dirtyNames.add(key);
    if (event === "failed" && before.failures === 0)
      this.#note("warn", "dns_failed", { name, type, reason: state.lastError, keeping: state.addresses.length });
    if (event === "empty_pending" && before.empty === undefined)
      this.#note("warn", "dns_empty_answer", { name, type, keeping: state.addresses.length, rcode: state.empty?.rcode });
    if (event === "emptied") this.#note("warn", "dns_emptied", { name, type, since: before.empty?.since });
    // Derived once for a whole alarm's answers, not once per answer: 1,000 changed names cost one pass, not 1,000.
    if (event === "changed" || event === "emptied") this.#staleAt = now;
    return event;
  }

  /** Derives the origin set from the entries and the answers in force; drains what left, removes what drained. */
  recompute(now: number): void {
    this.#staleAt = undefined;
    const next = new Map<string, DnsOrigin>();
    for (const source of this.#sources) {
      const state = this.#names.get(nameKey(source.entry.type, source.entry.name));
      const result = originsOf(source.pool, source.entry, state?.addresses ?? [], { allowLoopback: this.#allowLoopback });
      let capped = result.capped;
      for (const o of result.origins) {
        if (next.has(o.id)) continue;
        if (next.size >= MAX_DISCOVERED_ORIGINS) capped++;
        else next.set(o.id, o);
      }
      const leftKey = `${source.pool} ${nameKey(source.entry.type, source.entry.name)}`;
      const was = this.#leftOut.get(leftKey);
      const refusedNow = result.refused.map((r) => r.address).join(",");
      if (refusedNow !== "" && refusedNow !== was?.refused.map((r) => r.address).join(","))
        this.#note("warn", "dns_addresses_refused", { pool: source.pool, name: source.entry.name, refused: result.refused });
      this.#leftOut.set(leftKey, { refused: [...result.refused], capped });
    }
    for (const [id, o] of next) {
      const held = this.#held.get(id);
      if (held !== undefined && held.state === "active" && JSON.stringify(held.origin) === JSON.stringify(o)) continue;
      // Only the set and routing fields recompile isolates; a new source or tier is carried along with the next snapshot.
      if (held === undefined || !sameRouting(held.origin, o)) this.#bump();
      this.#set(id, { origin: o, state: "active", since: held?.state === "active" ? held.since : now });
      const event = held === undefined ? "dns_origin_added" : held.state === "draining" ? "dns_origin_back" : "dns_origin_updated";
      this.#note("info", event, { origin: id, pool: o.pool, url: o.url, source: o.source });
    }
    for (const [id, held] of this.#held) {
      if (next.has(id) || held.state !== "active") continue;
      this.#set(id, { ...held, state: "draining", since: now });
      this.#note("info", "dns_origin_draining", { origin: id, pool: held.origin.pool, url: held.origin.url, source: held.origin.source });
    }
    this.sweep(now);
  }

  /** Removes origins that have drained for DRAIN_SECONDS. */
  sweep(now: number): void {
    this.#settle();
    for (const [id, held] of [...this.#held]) {
      if (held.state !== "draining" || now - held.since < DRAIN_SECONDS * 1_000) continue;
      this.#held.delete(id);
      this.#dirtyOrigins.add(id);
      this.#bump();
      this.#note("info", "dns_origin_removed", { origin: id, pool: held.origin.pool, source: held.origin.source });
    }
  }

  /** The next time something is due: a name's refresh or the end of a drain. */
  nextDue(): number | undefined {
    this.#settle();
    let next: number | undefined;
    for (const n of this.#names.values()) if (next === undefined || n.nextAt < next) next = n.nextAt;
    for (const h of this.#held.values()) {
      const t = h.state === "draining" ? h.since + DRAIN_SECONDS * 1_000 : undefined;
      if (t !== undefined && (next === undefined || t < next)) next = t;
    }
    return next;
  }

  /** Every held origin's id (draining ones too): state for them is kept. */
  ids(): string[] {
    this.#settle();
    return [...this.#held.keys()];
  }

  /** The held origins. */
  held(): HeldOrigin[] {
    this.#settle();
    return [...this.#held.values()];
  }

  /** The origins as the snapshot carries them, SRV tiers decided by `isHealthy`. */
  discovered(isHealthy: (id: string) => boolean): DiscoveredOrigin[] {
    return withTiers(this.held(), isHealthy);
  }

  status(): NameStatus[] {
    this.#settle();
    return [...this.#names].map(([key, n]) => {
      const sources = this.#sources.filter((s) => nameKey(s.entry.type, s.entry.name) === key);
      const left = sources.map((s) => this.#leftOut.get(`${s.pool} ${key}`));
      return {
        name: n.name,
        type: n.type,
        pools: sources.map((s) => s.pool),
        addresses: n.addresses.length,
        resolvedAt: n.resolvedAt ?? null,
        ttlSeconds: n.ttlSeconds ?? null,
        nextAt: n.nextAt,
        failures: n.failures,
        lastError: n.lastError ?? null,
        emptySince: n.empty?.since ?? null,
        counts: { ...(this.#counts.get(key) ?? { queries: 0, failures: 0, empty: 0, changes: 0 }) },
        refused: left.flatMap((l) => l?.refused ?? []),
        capped: left.reduce((sum, l) => sum + (l?.capped ?? 0), 0),
      };
    });
  }

  /** The names (by key) and origins (by id) changed since the last call (undefined: removed), and the version if it moved. */
  takeDirty(): {
    names: Map<string, DnsNameState | undefined>;
    origins: Map<string, HeldOrigin | undefined>;
    version: number | undefined;
  } {
    this.#settle();
    const names = new Map([...this.#dirtyNames].map((k) => [k, this.#names.get(k)] as const));
    const origins = new Map([...this.#dirtyOrigins].map((id) => [id, this.#held.get(id)] as const));
    const version = this.#versionDirty ? this.#version : undefined;
    this.#dirtyNames.clear();
    this.#dirtyOrigins.clear();
    this.#versionDirty = false;
    return { names, origins, version };
  }

  takeNotes(): DnsNote[] {
    this.#settle();
    const notes = this.#notes;
    this.#notes = [];
    return notes;
  }

  #settle(): void {
    if (this.#staleAt !== undefined) this.recompute(this.#staleAt);
  }

  #set(id: string, held: HeldOrigin): void {
    this.#held.set(id, held);
    this.#dirtyOrigins.add(id);
  }

  #bump(): void {
    this.#version++;
    this.#versionDirty = true;
  }

  #note(level: DnsNote["level"], event: string, fields: Record<string, unknown>): void {
    this.#notes.push({ level, event, fields });
  }
}

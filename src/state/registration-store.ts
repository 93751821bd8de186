/**
 * Self-registered origins in the Durable Object: the registration, its last heartbeat,
 * whether it has lapsed (so each lapse and each return is logged once), and the hash of
 * its registration secret (never handed out: not in the snapshot, not in any answer). A
 * counter, `registrations_version`, moves whenever the set or a routing field changes, so
 * isolates recompile only then, not on every heartbeat. Ownership and room are decided by
 * the pure rules of `discovery/registration-claim.ts`, here, in the object, so two calls
 * racing for one id or the last place in a pool are decided one after the other.
 */
import { z } from "zod";
import { RegistrationSchema, deregistersAt, lapsesAt, registrationHealth, sameRoutingFields } from "../discovery/registration.ts";
import type { Registration, RegistrationRequest } from "../discovery/registration.ts";
import { claimRefusal, ownershipRefusal } from "../discovery/registration-claim.ts";
import type { Refusal } from "../discovery/refusal.ts";
import type { Transition } from "../health/state-machine.ts";
import { log } from "../observe/log.ts";

const StoredSchema = RegistrationSchema.extend({ secretHash: z.string().optional() });

/** Who registers, under which policy, and the bounds that apply. */
export interface RegisterClaim {
  /** The name of the token making the call. */
  readonly registrant: string;
  /** SHA-256 (hex) of the secret the caller presented, if any. */
  readonly presentedSecretHash: string | undefined;
  /** SHA-256 (hex) of a fresh secret, bound to the id when this call creates it (or claims one made before ids were bound). */
  readonly newSecretHash: string;
  readonly policy: { readonly matched: string; readonly configVersion: number };
  readonly maxInPool: number;
  readonly maxTotal: number;
}

export type RegisterOutcome =
  | {
      readonly ok: true;
      readonly registration: Registration;
      /** "created", "updated" (a routing field changed) or "heartbeat". */
      readonly kind: "created" | "updated" | "heartbeat";
      /** Whether this call bound `newSecretHash` to the id (the caller then hands the secret out, once). */
      readonly secretIssued: boolean;
    }
  | { readonly ok: false; readonly refusal: Refusal };

/** Who asks to remove a registration: undefined for the admin token, which may remove any. */
export type Remover = { readonly registrant: string; readonly presentedSecretHash: string | undefined } | undefined;

const encoder = new TextEncoder();

/** Constant-time equality of two hex digests. */
function sameHash(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  return crypto.subtle.timingSafeEqual(encoder.encode(a), encoder.encode(b));
}

interface Entry {
  reg: Registration;
  lapsed: boolean;
  secretHash: string | undefined;
}

/** Why `by` may not remove or fail the registration `held` (undefined: it may; the admin token, `by` undefined, always may). */
function refusalFor(id: string, held: Entry, by: Remover): Refusal | undefined {
  if (by === undefined) return undefined;
  return ownershipRefusal(
    { id, pool: held.reg.pool, registrant: held.reg.registrant, hasSecret: held.secretHash !== undefined },
    {
      registrant: by.registrant,
      secretPresented: by.presentedSecretHash !== undefined,
      secretMatches: sameHash(held.secretHash, by.presentedSecretHash),
    },
  );
}

export class RegistrationStore {
  readonly #sql: SqlStorage;
  readonly #regs = new Map<string, Entry>();
  #version: number;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const row of sql.exec<{ id: string; body: string; lapsed: number }>("SELECT id, body, lapsed FROM registrations")) {
      const parsed = StoredSchema.safeParse(JSON.parse(row.body));
      if (!parsed.success) continue;
      const { secretHash, ...reg } = parsed.data;
      this.#regs.set(row.id, { reg, lapsed: row.lapsed === 1, secretHash });
    }
    this.#version = sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'registrations_version'").toArray()[0]?.value ?? 0;
  }

  get version(): number {
    return this.#version;
  }

  all(): Registration[] {
    return [...this.#regs.values()].map((r) => r.reg);
  }

  /** How many registrations there are, in all and in `pool` (leaving `exceptId` out). */
  #occupancy(pool: string, exceptId: string): { inPool: number; total: number } {
    let inPool = 0;
    for (const { reg } of this.#regs.values()) if (reg.pool === pool && reg.id !== exceptId) inPool++;
    return { inPool, total: this.#regs.size };
  }

  /**
   * Registers an origin or records its heartbeat, if the caller owns the id (or it is
   * free) and there is room; otherwise refuses and changes nothing. `onTransition` hears a
   * lapsed origin coming back.
   */
  register(
    request: RegistrationRequest,
    claim: RegisterClaim,
    now: number,
    onTransition: (id: string, t: Transition) => void,
  ): RegisterOutcome {
    const held = this.#regs.get(request.id);
    const refused = claimRefusal(
      held === undefined
        ? undefined
        : { id: held.reg.id, pool: held.reg.pool, registrant: held.reg.registrant, hasSecret: held.secretHash !== undefined },
      {
        id: request.id,
        pool: request.pool,
        registrant: claim.registrant,
        secretPresented: claim.presentedSecretHash !== undefined,
        secretMatches: sameHash(held?.secretHash, claim.presentedSecretHash),
      },
      { ...this.#occupancy(request.pool, request.id), maxInPool: claim.maxInPool, maxTotal: claim.maxTotal },
    );
    if (refused !== undefined) return { ok: false, refusal: refused };
    const secretIssued = held?.secretHash === undefined;
    const secretHash = secretIssued ? claim.newSecretHash : held?.secretHash;
    const reg: Registration = {
      ...request,
      registeredAt: held?.reg.registeredAt ?? now,
      lastHeartbeat: now,
      registrant: claim.registrant,
      policy: claim.policy,
    };
    const kind = held === undefined ? "created" : sameRoutingFields(held.reg, request) ? "heartbeat" : "updated";
    if (held?.lapsed === true) onTransition(request.id, { from: "unhealthy", to: "healthy", at: now, reason: "heartbeat resumed" });
    this.#regs.set(request.id, { reg, lapsed: false, secretHash });
    this.#sql.exec(
      "INSERT INTO registrations (id, body, lapsed) VALUES (?, ?, 0) ON CONFLICT (id) DO UPDATE SET body = excluded.body, lapsed = 0",
      reg.id,
      JSON.stringify({ ...reg, secretHash }),
    );
    if (kind !== "heartbeat") {
      this.#bumpVersion();
      log("info", kind === "created" ? "origin_registered" : "registration_updated", {
        origin: reg.id,
        pool: reg.pool,
        url: reg.url,
        ttlSeconds: reg.ttlSeconds,
        registrant: reg.registrant,
        matched: reg.policy?.matched,
      });
    }
    return { ok: true, registration: reg, kind, secretIssued };
  }

  /**
   * Removes a registration: "removed", "not_found", or the refusal when `by` is a
   * registrant that does not own it (the admin token, `by` undefined, may remove any).
   */
  remove(id: string, reason: string, by: Remover): "removed" | "not_found" | Refusal {
    const held = this.#regs.get(id);
    if (held === undefined) return "not_found";
    const refused = refusalFor(id, held, by);
    if (refused !== undefined) return refused;
    this.deregister(id, reason);
    return "removed";
  }

  /**
   * Turns a registration unhealthy at once (a Consul `check/fail`), as if its TTL had run
   * out now: the removal clock (deregisterAfterSeconds) starts now too. Same ownership
   * rule as a removal; a heartbeat brings it back.
   */
  fail(id: string, now: number, by: Remover, onTransition: (id: string, t: Transition) => void): "failed" | "not_found" | Refusal {
    const held = this.#regs.get(id);
    if (held === undefined) return "not_found";
    const refused = refusalFor(id, held, by);
    if (refused !== undefined) return refused;
    const reg: Registration = { ...held.reg, lastHeartbeat: Math.min(held.reg.lastHeartbeat, now - held.reg.ttlSeconds * 1_000 - 1) };
    const wasLapsed = held.lapsed;
    this.#regs.set(id, { reg, lapsed: true, secretHash: held.secretHash });
    this.#sql.exec(
      "UPDATE registrations SET body = ?, lapsed = 1 WHERE id = ?",
      JSON.stringify({ ...reg, secretHash: held.secretHash }),
      id,
    );
    // The snapshot carries lastHeartbeat; isolates must see the change as they see a new set.
    this.#bumpVersion();
    if (!wasLapsed) onTransition(id, { from: "healthy", to: "unhealthy", at: now, reason: "check failed (Consul check/fail)" });
    return "failed";
  }

  /** Removes a registration; returns false when there was none. */
  deregister(id: string, reason: string): boolean {
    if (!this.#regs.delete(id)) return false;
    this.#sql.exec("DELETE FROM registrations WHERE id = ?", id);
    this.#sql.exec("DELETE FROM transitions WHERE origin_id = ?", id);
    this.#bumpVersion();
    log("info", "origin_deregistered", { origin: id, reason });
    return true;
  }

  /** Marks lapsed heartbeats (once each) and removes registrations past their deregistration time. */
  sweep(now: number, onTransition: (id: string, t: Transition) => void): void {
    for (const [id, entry] of [...this.#regs]) {
      if (now >= deregistersAt(entry.reg)) {
        this.deregister(
          id,
          `no heartbeat for ${Math.round((now - entry.reg.lastHeartbeat) / 1_000)} s (deregisterAfterSeconds ${entry.reg.deregisterAfterSeconds})`,
        );
        continue;
      }
      if (!entry.lapsed && now > lapsesAt(entry.reg)) {
        entry.lapsed = true;
        this.#sql.exec("UPDATE registrations SET lapsed = 1 WHERE id = ?", id);
        onTransition(id, { from: "healthy", to: "unhealthy", at: lapsesAt(entry.reg), reason: registrationHealth(entry.reg, now).reason });
      }
    }
  }

  /** The next time a heartbeat lapses or a registration is removed, for the alarm. */
  nextDeadline(now: number): number | undefined {
    let next: number | undefined;
    for (const { reg, lapsed } of this.#regs.values()) {
      const t = lapsed || now > lapsesAt(reg) ? deregistersAt(reg) : lapsesAt(reg) + 1;
      if (next === undefined || t < next) next = t;
    }
    return next;
  }

  #bumpVersion(): void {
    this.#version++;
    this.#sql.exec(
      "INSERT INTO counters (name, value) VALUES ('registrations_version', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      this.#version,
    );
  }
}

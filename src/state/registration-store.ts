/**
 * Self-registered origins in the Durable Object: the registration, its last heartbeat,
 * and whether it has lapsed (so each lapse and each return is logged once). A counter,
 * `registrations_version`, moves whenever the set or a routing field changes, so isolates
 * recompile only then, not on every heartbeat.
 */
import { RegistrationSchema, deregistersAt, lapsesAt, registrationHealth, sameRoutingFields } from "../discovery/registration.ts";
import type { Registration, RegistrationRequest } from "../discovery/registration.ts";
import type { Transition } from "../health/state-machine.ts";
import { log } from "../observe/log.ts";

export interface RegisterOutcome {
  readonly registration: Registration;
  /** "created", "updated" (a routing field changed) or "heartbeat". */
  readonly kind: "created" | "updated" | "heartbeat";
}

export class RegistrationStore {
  readonly #sql: SqlStorage;
  readonly #regs = new Map<string, { reg: Registration; lapsed: boolean }>();
  #version: number;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    for (const row of sql.exec<{ id: string; body: string; lapsed: number }>("SELECT id, body, lapsed FROM registrations")) {
      const parsed = RegistrationSchema.safeParse(JSON.parse(row.body));
      if (parsed.success) this.#regs.set(row.id, { reg: parsed.data, lapsed: row.lapsed === 1 });
    }
    this.#version = sql.exec<{ value: number }>("SELECT value FROM counters WHERE name = 'registrations_version'").toArray()[0]?.value ?? 0;
  }

  get version(): number {
    return this.#version;
  }

  all(): Registration[] {
    return [...this.#regs.values()].map((r) => r.reg);
  }

  /** Registers an origin or records its heartbeat. `onTransition` hears a lapsed origin coming back. */
  register(request: RegistrationRequest, now: number, onTransition: (id: string, t: Transition) => void): RegisterOutcome {
    const held = this.#regs.get(request.id);
    const reg: Registration = { ...request, registeredAt: held?.reg.registeredAt ?? now, lastHeartbeat: now };
    const kind = held === undefined ? "created" : sameRoutingFields(held.reg, request) ? "heartbeat" : "updated";
    if (held?.lapsed === true) onTransition(request.id, { from: "unhealthy", to: "healthy", at: now, reason: "heartbeat resumed" });
    this.#regs.set(request.id, { reg, lapsed: false });
    this.#sql.exec(
      "INSERT INTO registrations (id, body, lapsed) VALUES (?, ?, 0) ON CONFLICT (id) DO UPDATE SET body = excluded.body, lapsed = 0",
      reg.id,
      JSON.stringify(reg),
    );
    if (kind !== "heartbeat") {
      this.#bumpVersion();
      log("info", kind === "created" ? "origin_registered" : "registration_updated", {
        origin: reg.id,
        pool: reg.pool,
        url: reg.url,
        ttlSeconds: reg.ttlSeconds,
      });
    }
    return { registration: reg, kind };
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

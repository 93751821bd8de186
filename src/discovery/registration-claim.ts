/**
 * Who may act on a registered id, and whether there is room for a new one. An id belongs
 * to its registrant: the token that first registered it, and the registration secret that
 * first registration returned. A heartbeat or an update must come with the same token and
 * the secret; another token gets 409 (only the admin token may remove someone else's
 * registration). A new registration, or one moving to another pool, must fit under the
 * pool's `maxOrigins` and the global maximum; past them the caller gets 409 and nothing
 * already registered is touched.
 */
import { refusal } from "./refusal.ts";
import type { Refusal } from "./refusal.ts";

/** The header that carries the registration secret on heartbeats, updates and deregistration. */
export const SECRET_HEADER = "x-edgeway-registration-secret";

/** What is held for the id, if anything. */
export interface HeldRegistration {
  readonly id: string;
  readonly pool: string;
  /** The token name that registered it (absent for registrations made before ids were bound). */
  readonly registrant?: string | undefined;
  readonly hasSecret: boolean;
}

/** Who asks, and with what. */
export interface ClaimRequest {
  readonly id: string;
  readonly pool: string;
  readonly registrant: string;
  /** Whether a secret was presented, and whether it is the one bound to the id. */
  readonly secretPresented: boolean;
  readonly secretMatches: boolean;
}

/** How full things are, and the bounds. */
export interface Occupancy {
  readonly inPool: number;
  readonly total: number;
  readonly maxInPool: number;
  readonly maxTotal: number;
}

/** Why the call on a held id is refused, if it is. */
export function ownershipRefusal(
  held: HeldRegistration,
  claim: { registrant: string; secretPresented: boolean; secretMatches: boolean },
): Refusal | undefined {
  if (held.registrant !== undefined && held.registrant !== claim.registrant) {
    return refusal(
      "registrant",
      409,
      "id_registered_by_another",
      "id",
      `id: "${held.id}" is registered by another registrant (token "${held.registrant}"); pick another id, or have the admin token DELETE it`,
    );
  }
  if (held.hasSecret && !claim.secretMatches) {
    return refusal(
      "secret",
      409,
      claim.secretPresented ? "registration_secret_mismatch" : "registration_secret_required",
      SECRET_HEADER,
      claim.secretPresented
        ? `${SECRET_HEADER}: not the secret "${held.id}" was registered with`
        : `${SECRET_HEADER}: "${held.id}" is registered; a heartbeat, update or removal must send the secret its first registration returned`,
    );
  }
  return undefined;
}

/** Why a registration call is refused, if it is: ownership of a held id, then room for a new one. */
export function claimRefusal(held: HeldRegistration | undefined, claim: ClaimRequest, room: Occupancy): Refusal | undefined {
  if (held !== undefined) {
    const owner = ownershipRefusal(held, claim);
    if (owner !== undefined) return owner;
  }
  if ((held === undefined || held.pool !== claim.pool) && room.inPool >= room.maxInPool) {
    return refusal(
      "pool_full",
      409,
      "pool_registration_limit",
      "registration.maxOrigins",
      `pool: "${claim.pool}" holds ${room.inPool} registered origins, the most its registration.maxOrigins allows (${room.maxInPool})`,
    );
  }
  if (held === undefined && room.total >= room.maxTotal) {
    return refusal(
      "global_limit",
      409,
      "registration_limit",
      "EDGEWAY_MAX_REGISTRATIONS",
      `Edgeway holds ${room.total} registered origins, the most it accepts (${room.maxTotal}); remove some before registering more`,
    );
  }
  return undefined;
}

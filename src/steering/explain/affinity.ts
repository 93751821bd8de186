/** Session affinity for an explanation: the cookie's pin or the key every pool hashes on, and its effect. */
import type { CompiledPool, CompiledRoute } from "../../config/compile.ts";
import { parseCookies } from "../../routing/request-key.ts";
import { DEFAULT_AFFINITY_HEADER, pinState } from "../affinity.ts";
import type { PinState } from "../affinity.ts";
import { DEFAULT_AFFINITY_COOKIE } from "../affinity-cookie.ts";
import { rendezvousPick } from "../pool/hash.ts";
import type { ExplainInput } from "./input.ts";
import type { ExplainedAffinity } from "./trace.ts";

/** The explained affinity, and what selection takes from it: the hash key or the pin. */
export interface AffinityFacts {
  readonly explained: ExplainedAffinity | null;
  readonly key: string | undefined;
  readonly pin: PinState | undefined;
}

/** What the route's affinity does to this request. */
export async function explainAffinity(route: CompiledRoute, input: ExplainInput, order: readonly CompiledPool[]): Promise<AffinityFacts> {
  const affinity = route.source.affinity;
  if (affinity === undefined) return { explained: null, key: undefined, pin: undefined };
  const { headers, client } = input.request;
  const base = { type: affinity.type, onFailure: affinity.onFailure, ttlSeconds: affinity.ttlSeconds };
  if (affinity.type === "cookie") {
    const name = affinity.name ?? DEFAULT_AFFINITY_COOKIE;
    const value = parseCookies(headers.get("cookie")).get(name);
    const verify = input.verifyCookie;
    if (verify === undefined) {
      return {
        explained: {
          ...base,
          name,
          key: null,
          cookie: { present: value !== undefined, verdict: "no-key", pinned: null, state: "none" },
          home: null,
          effect: "cookie affinity is off: no AFFINITY_KEY or ADMIN_TOKEN to sign cookies with",
        },
        key: undefined,
        pin: undefined,
      };
    }
    const pinned = value === undefined ? undefined : await verify(route.id, value);
    const pin = pinState(route, pinned, input.health.view);
    const verdict = value === undefined ? "absent" : pinned === undefined ? "invalid" : "verified";
    let effect: string;
    if (pin.kind === "usable")
      effect = `the first try goes to the pinned origin ${pin.selection.origin.id} (pins hold while it is enabled and healthy, drained too)`;
    else if (pin.kind === "unavailable")
      effect =
        affinity.onFailure === "none"
          ? `the pinned origin ${pin.originId} is unhealthy and onFailure is "none": the request fails with 503`
          : `the pinned origin ${pin.originId} is unhealthy: steering serves elsewhere and ${affinity.onFailure === "sticky" ? "the cookie moves to the origin that serves" : "the cookie keeps its pin"}`;
    else
      effect =
        verdict === "absent"
          ? "no pin yet: steering picks, and the response pins the origin that serves"
          : verdict === "invalid"
            ? "the cookie does not verify (malformed, forged, expired or for another route): ignored, steering picks and a new pin is written"
            : "the pinned origin is not an enabled origin of this route: steering picks and a new pin is written";
    return {
      explained: {
        ...base,
        name,
        key: null,
        cookie: { present: value !== undefined, verdict, pinned: pinned ?? null, state: pin.kind },
        home: null,
        effect,
      },
      key: undefined,
      pin,
    };
  }
  const name = affinity.type === "header" ? (affinity.name ?? DEFAULT_AFFINITY_HEADER) : null;
  const key = affinity.type === "ip" ? client.ip : (headers.get(name ?? DEFAULT_AFFINITY_HEADER) ?? undefined);
  let home: ExplainedAffinity["home"] = null;
  if (key !== undefined && affinity.onFailure === "none") {
    // As selectInOrder's strict check: the key's origin among all enabled origins of the first pool.
    const first = order[0];
    const origin =
      first === undefined
        ? undefined
        : rendezvousPick(
            key,
            first.origins.filter((o) => o.enabled && o.weight > 0),
          );
    if (first !== undefined && origin !== undefined)
      home = { pool: first.id, origin: origin.id, healthy: input.health.view.isHealthy(origin.id) };
  }
  const source = affinity.type === "ip" ? "the client IP" : `header ${name ?? ""}`;
  const effect =
    key === undefined
      ? `the request has no ${source}: no affinity key, steering as usual`
      : `every pool picks by rendezvous hash on ${source}, whatever its own steering${affinity.onFailure === "none" ? '; onFailure "none": only the key\'s origin in the first pool may serve, with no retries' : "; an unhealthy origin's keys move to their next-highest origin"}`;
  return { explained: { ...base, name, key: key ?? null, cookie: null, home, effect }, key, pin: undefined };
}

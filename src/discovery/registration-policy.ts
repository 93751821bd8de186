/**
 * Whether a pool's registration policy admits a registration: the address first (a
 * dangerous one — metadata, link-local, unspecified — only when the policy names it
 * explicitly; loopback only with the local-development switch), then scheme, port,
 * region and weight. The first rule broken is the one named. Pure: the switch comes in
 * as an argument, not from the environment.
 */
import { cidrContains, parseCidr, parseIp } from "./address.ts";
import { DANGER_DESCRIPTIONS, dangerOf, namesExplicitly } from "./dangerous-address.ts";
import { hostMatches, isHostPattern } from "./host-pattern.ts";
import { refusal } from "./refusal.ts";
import type { Refusal } from "./refusal.ts";
import type { RegistrationPolicy } from "../config/registration-schema.ts";

/** The name of the local-development switch, as the environment spells it. */
export const LOOPBACK_SWITCH = "EDGEWAY_ALLOW_LOOPBACK_REGISTRATION";

/** The pool a registration asks to join. */
export interface PolicyPool {
  readonly id: string;
  readonly registration?: RegistrationPolicy | undefined;
  /** The heaviest weight among the pool's configured origins: the default weight ceiling. */
  readonly heaviestWeight: number;
}

/** What the policy looks at in a registration. */
export interface Candidate {
  readonly url: string;
  readonly region?: string | undefined;
  readonly weight: number;
}

export type PolicyVerdict = { readonly ok: true; readonly matched: string } | { readonly ok: false; readonly refusal: Refusal };

/** The port a URL reaches: its own, or its scheme's default. */
export function effectivePort(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return url.protocol === "https:" ? 443 : 80;
}

function portMatches(pattern: number | string, port: number): boolean {
  if (typeof pattern === "number") return pattern === port;
  const [lo = 0, hi = -1] = pattern.split("-").map(Number);
  return port >= lo && port <= hi;
}

/** A region glob: `*` stands for any run of characters. */
export function regionMatches(pattern: string, region: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "i").test(region);
}

/** The policy's address patterns that match `host`: CIDR ranges for an IP literal, host-name patterns for a name. */
function matchingPatterns(patterns: readonly string[], host: string): string[] {
  const ip = parseIp(host);
  if (ip !== undefined) {
    return patterns.filter((p) => {
      const range = parseCidr(p);
      return range !== undefined && cidrContains(range, ip);
    });
  }
  return patterns.filter((p) => parseCidr(p) === undefined && isHostPattern(p) && hostMatches(p, host));
}

function deny(reason: Refusal["reason"], code: string, rule: string, message: string): PolicyVerdict {
  return { ok: false, refusal: refusal(reason, 403, code, rule, message) };
}

/** The address rule: which pattern admits `url`'s host, or why none does. */
function checkAddress(pool: PolicyPool, policy: RegistrationPolicy, url: URL, allowLoopback: boolean): PolicyVerdict {
  const host = url.hostname;
  const matching = matchingPatterns(policy.addresses, host);
  const danger = dangerOf(host);
  if (danger?.kind === "loopback" && !allowLoopback) {
    return deny(
      "loopback",
      "loopback_not_allowed",
      LOOPBACK_SWITCH,
      `url: ${host} is loopback (${danger.rule}); loopback registrations are accepted only in local development, with ${LOOPBACK_SWITCH}="true"`,
    );
  }
  if (danger !== undefined && danger.kind !== "loopback") {
    const explicit = matching.find((p) => namesExplicitly(p, host, danger));
    if (explicit !== undefined) return { ok: true, matched: explicit };
    return deny(
      "dangerous_address",
      "dangerous_address",
      "registration.addresses",
      `url: ${host} is ${DANGER_DESCRIPTIONS[danger.kind]} (${danger.rule}): refused unless pool "${pool.id}"'s registration.addresses names it explicitly`,
    );
  }
  const [first] = matching;
  if (first !== undefined) return { ok: true, matched: first };
  return deny(
    "address",
    "address_not_allowed",
    "registration.addresses",
    `url: ${host} is not among the addresses pool "${pool.id}" accepts (registration.addresses: ${policy.addresses.join(", ")})`,
  );
}

/** Checks `candidate` against `pool`'s registration policy. */
export function checkRegistrationPolicy(
  pool: PolicyPool,
  candidate: Candidate,
  options: { readonly allowLoopback: boolean },
): PolicyVerdict {
  const policy = pool.registration;
  if (policy === undefined) {
    return deny(
      "no_policy",
      "registration_not_allowed",
      "registration",
      `pool: "${pool.id}" accepts no registrations (its config has no registration policy)`,
    );
  }
  let url: URL;
  try {
    url = new URL(candidate.url);
  } catch {
    return { ok: false, refusal: refusal("invalid", 400, "invalid_registration", "url", `url: not a URL: ${candidate.url}`) };
  }
  const address = checkAddress(pool, policy, url, options.allowLoopback);
  if (!address.ok) return address;
  const scheme = url.protocol.slice(0, -1);
  if (!(policy.schemes as readonly string[]).includes(scheme)) {
    return deny(
      "scheme",
      "scheme_not_allowed",
      "registration.schemes",
      `url: scheme ${scheme} is not accepted by pool "${pool.id}" (registration.schemes: ${policy.schemes.join(", ")})`,
    );
  }
  const port = effectivePort(url);
  if (policy.ports !== undefined && !policy.ports.some((p) => portMatches(p, port))) {
    return deny(
      "port",
      "port_not_allowed",
      "registration.ports",
      `url: port ${port} is not accepted by pool "${pool.id}" (registration.ports: ${policy.ports.join(", ")})`,
    );
  }
  if (policy.regions !== undefined) {
    const region = candidate.region;
    if (region === undefined || !policy.regions.some((p) => regionMatches(p, region))) {
      return deny(
        "region",
        "region_not_allowed",
        "registration.regions",
        `region: ${region === undefined ? "none given" : `"${region}"`}; pool "${pool.id}" accepts ${policy.regions.join(", ")} (registration.regions)`,
      );
    }
  }
  const weight = policy.weight ?? { min: 0, max: Math.max(1, pool.heaviestWeight) };
  if (candidate.weight < weight.min || candidate.weight > weight.max) {
    return deny(
      "weight",
      "weight_not_allowed",
      "registration.weight",
      `weight: ${candidate.weight} is outside ${weight.min}–${weight.max}, the range pool "${pool.id}" accepts${policy.weight === undefined ? " (by default, up to its heaviest configured origin)" : ""} (registration.weight)`,
    );
  }
  return address;
}

/**
 * A pool's registration policy: whether origins may register themselves into the pool
 * (`POST /_edgeway/register`), and what they may register. A pool without one refuses
 * every registration. Checked by `src/discovery/registration-policy.ts`.
 *
 * Defaults: `schemes` http and https; any port when `ports` is absent; any region (or
 * none) when `regions` is absent; a weight from 0 up to the heaviest origin the document
 * gives the pool when `weight` is absent (a registered origin cannot outweigh the
 * operator's own unless the policy says so); `maxOrigins` 50. No anchor system bounds
 * registrations per pool; 50 keeps a pool's status page readable, and the global bound
 * (MAX_REGISTRATIONS) keeps the health snapshot every isolate fetches small.
 */
import { z } from "zod";
import { parseCidr } from "../discovery/address.ts";
import { isHostPattern } from "../discovery/host-pattern.ts";

/** Registered origins a pool accepts when its policy does not say. */
export const DEFAULT_MAX_ORIGINS_PER_POOL = 50;
/** Registered origins Edgeway holds in all, whatever the policies say (EDGEWAY_MAX_REGISTRATIONS may lower it). */
export const MAX_REGISTRATIONS = 1_000;

/** A CIDR range or IP literal ("10.0.0.0/8", "fd00::/8", "192.0.2.7"), or a host-name pattern ("*.svc.example.internal"). */
export const AddressPattern = z
  .string()
  .min(1)
  .max(255)
  .refine(
    (p) => parseCidr(p) !== undefined || (!/^[\d.:/[\]]+$/.test(p) && isHostPattern(p)),
    'must be a CIDR range or IP address ("10.0.0.0/8", "fd00::/8", "192.0.2.7") or a host name, optionally after "*." ("*.svc.example.internal"), or "*"',
  );

/** A port (443) or an inclusive range ("8000-8999"). */
export const PortPattern = z.union([
  z.number().int().min(1).max(65_535),
  z
    .string()
    .regex(/^\d{1,5}-\d{1,5}$/, 'must be a port number or a range such as "8000-8999"')
    .refine((r) => {
      const [lo, hi] = r.split("-").map(Number);
      return lo !== undefined && hi !== undefined && lo >= 1 && lo <= hi && hi <= 65_535;
    }, "a range runs from a lower port to a higher one, within 1–65535"),
]);

/** A region name, or a glob over names ("aws:*", "aws:eu-*"). */
export const RegionPattern = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9:_*.-]+$/, 'must be a region name such as "aws:us-east-1", or a glob such as "aws:*"');

/** A Consul service name (DNS-compatible), for the Consul-compatible registration surface. */
export const ServiceName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "must be 1–128 characters of A–Z, a–z, 0–9, '.', '_' or '-'");

export const RegistrationPolicySchema = z
  .strictObject({
    /** Where registered origins may point: CIDR ranges for IP literals, host-name patterns for names. */
    addresses: z
      .array(AddressPattern)
      .min(1, 'name the addresses this pool accepts, e.g. ["10.0.0.0/8", "*.svc.example.internal"]')
      .describe(
        'Where registered origins may point: CIDR ranges or IP addresses ("10.0.0.0/8", "fd00::/8", "192.0.2.7") for IP literals, host-name patterns ("*.svc.example.internal", or "*") for names.',
      ),
    schemes: z
      .array(z.enum(["http", "https"]))
      .min(1)
      .default(["http", "https"])
      .describe("The URL schemes a registered origin may use."),
    /** Absent: every port is accepted. */
    ports: z
      .array(PortPattern)
      .min(1)
      .optional()
      .describe('The ports (443) or inclusive port ranges ("8000-8999") a registered origin may use. Absent: every port.'),
    /** Absent: every region, or none, is accepted. Present: the registration must name a region that matches. */
    regions: z
      .array(RegionPattern)
      .min(1)
      .optional()
      .describe(
        'Region names or globs ("aws:*", "aws:eu-*"): a registration must name a region that matches one. Absent: every region, or none.',
      ),
    /** Absent: 0 up to the heaviest weight among the pool's configured origins. */
    weight: z
      .strictObject({
        min: z.number().min(0).max(1_000_000).default(0).describe("The lowest weight a registration may ask for."),
        max: z.number().min(0).max(1_000_000).describe("The highest weight a registration may ask for."),
      })
      .refine((w) => w.min <= w.max, { message: "min must not exceed max", path: ["min"] })
      .optional()
      .describe("The weights a registered origin may ask for. Absent: 0 up to the heaviest weight among the pool's configured origins."),
    maxOrigins: z
      .number()
      .int()
      .min(1)
      .max(MAX_REGISTRATIONS)
      .default(DEFAULT_MAX_ORIGINS_PER_POOL)
      .describe(`The most registered origins the pool holds (Edgeway holds at most ${MAX_REGISTRATIONS} in all).`),
    /** Consul service names whose registrations join this pool (the Consul-compatible surface); each name maps to one pool. */
    serviceNames: z
      .array(ServiceName)
      .default([])
      .describe("Consul service names whose registrations join this pool (the Consul-compatible surface); a name joins one pool only."),
  })
  .describe("A pool's registration policy: which origins may register themselves into the pool, and what they may register.");

export type RegistrationPolicy = z.output<typeof RegistrationPolicySchema>;

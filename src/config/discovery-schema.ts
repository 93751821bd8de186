/**
 * A pool's `discovery`: origins taken from DNS. Each entry names a DNS name and record type;
 * every address the answer gives becomes an origin of the pool (A and AAAA at `port`; SRV at
 * the port and weight each record gives, its priority a failover tier), as Envoy's
 * STRICT_DNS clusters make each address a host. Every address passes the entry's address
 * policy, which reads as a registration policy's: `addresses` (CIDR ranges: answers are
 * addresses), `ports` for SRV answers; cloud metadata, link-local and
 * unspecified addresses refused whatever the patterns say unless they name them exactly,
 * and loopback only under the local-development switch EDGEWAY_ALLOW_LOOPBACK_REGISTRATION.
 *
 * Defaults: type "A"; scheme "http"; port the scheme's (80, 443); weight 1 for A and AAAA
 * origins; `maxOrigins` 64 per name — Envoy has no cap; 64 keeps one name from filling the
 * health snapshot every isolate fetches (discovered origins are bounded at 1,000 in all).
 * Resolution itself (TTLs, refresh, failure) is src/discovery/dns-name-state.ts.
 */
import { z } from "zod";
import { lookupRegion, suggestRegions } from "./regions.ts";
import { parseCidr } from "../discovery/address.ts";
import { PortPattern } from "./registration-schema.ts";

/** Origins one DNS name may contribute when its entry does not say. */
export const DEFAULT_MAX_ORIGINS_PER_NAME = 64;
/** Discovered origins Edgeway holds in all, whatever the entries say (as registrations' MAX_REGISTRATIONS). */
export const MAX_DISCOVERED_ORIGINS = 1_000;
/** Discovery entries one pool may carry. */
export const MAX_DISCOVERY_ENTRIES = 16;

/** A CIDR range or IP address: DNS answers are addresses, so host-name patterns would never match one. */
export const CidrPattern = z
  .string()
  .min(1)
  .max(64)
  .refine((p) => parseCidr(p) !== undefined, 'must be a CIDR range or IP address ("10.0.0.0/8", "fd00::/8", "192.0.2.7")');

/** A DNS name as queried: labels of letters, digits, '-' and '_' (SRV names start with "_service._proto"), no trailing dot needed. */
export const DnsName = z
  .string()
  .max(253)
  .regex(
    /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/,
    'must be a DNS name such as "api.internal.example.com" or "_http._tcp.api.service.consul"',
  )
  .transform((name) => (name.endsWith(".") ? name.slice(0, -1) : name).toLowerCase());

export const DnsDiscoverySchema = z
  .strictObject({
    name: DnsName.describe('The DNS name to resolve, e.g. "api.internal.example.com", or "_http._tcp.api.service.consul" for SRV.'),
    type: z
      .enum(["A", "AAAA", "SRV"])
      .default("A")
      .describe("The record type: A or AAAA (each address an origin at port), or SRV (each target an origin at its record's port)."),
    port: z
      .number()
      .int()
      .min(1)
      .max(65_535)
      .optional()
      .describe("The port of A and AAAA origins. Absent: the scheme's (80, 443). Not for SRV, whose records carry their ports."),
    scheme: z.enum(["http", "https"]).default("http").describe("The scheme of the discovered origins' URLs."),
    weight: z
      .number()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe("The weight of each A or AAAA origin (default 1). Not for SRV, whose records carry their weights."),
    region: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .describe('A catalogue region ("aws:us-east-1") that places the discovered origins for geo and proximity steering. Absent: none.'),
    addresses: z
      .array(CidrPattern)
      .min(1, 'name the addresses this name may resolve to, e.g. ["10.0.0.0/8"], or ["0.0.0.0/0", "::/0"] for any public one')
      .describe(
        'Where the answers may point: CIDR ranges or IP addresses ("10.0.0.0/8", "fd00::/8"). Metadata, link-local and unspecified addresses are refused unless named exactly; loopback only with EDGEWAY_ALLOW_LOOPBACK_REGISTRATION.',
      ),
    ports: z
      .array(PortPattern)
      .min(1)
      .optional()
      .describe('For SRV: the ports (443) or ranges ("8000-8999") its records may name. Absent: any port.'),
    maxOrigins: z
      .number()
      .int()
      .min(1)
      .max(MAX_DISCOVERED_ORIGINS)
      .default(DEFAULT_MAX_ORIGINS_PER_NAME)
      .describe(
        `The most origins this name contributes; further addresses are left out and counted (default ${DEFAULT_MAX_ORIGINS_PER_NAME}).`,
      ),
  })
  .superRefine((entry, ctx) => {
    if (entry.type === "SRV" && entry.port !== undefined)
      ctx.addIssue({ code: "custom", path: ["port"], message: "SRV records carry their ports: leave port out (ports limits them)" });
    if (entry.type === "SRV" && entry.weight !== undefined)
      ctx.addIssue({ code: "custom", path: ["weight"], message: "SRV records carry their weights: leave weight out" });
    if (entry.type !== "SRV" && entry.ports !== undefined)
      ctx.addIssue({ code: "custom", path: ["ports"], message: `only for SRV; an ${entry.type} origin's port is port` });
    if (entry.region !== undefined && lookupRegion(entry.region) === undefined) {
      const hints = suggestRegions(entry.region);
      ctx.addIssue({
        code: "custom",
        path: ["region"],
        message: `unknown region "${entry.region}"${hints.length > 0 ? `; did you mean ${hints.map((h) => `"${h}"`).join(" or ")}?` : ""}`,
      });
    }
  })
  .describe("Origins from one DNS name: each address (A, AAAA) or target (SRV) in its answer becomes an origin of the pool.");

export const DiscoverySchema = z
  .array(z.strictObject({ dns: DnsDiscoverySchema.describe("Origins from a DNS name, resolved over DNS over HTTPS.") }))
  .min(1)
  .max(MAX_DISCOVERY_ENTRIES)
  .superRefine((entries, ctx) => {
    const seen = new Set<string>();
    entries.forEach((e, i) => {
      const key = `${e.dns.type} ${e.dns.name}`;
      if (seen.has(key)) ctx.addIssue({ code: "custom", path: [i, "dns", "name"], message: `${key} is listed twice in this pool` });
      seen.add(key);
    });
  })
  .describe("Where the pool finds more origins: DNS names whose answers become origins, kept current as the records change.");

export type DnsDiscovery = z.output<typeof DnsDiscoverySchema>;
export type Discovery = z.output<typeof DiscoverySchema>;

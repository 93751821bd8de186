/** A health monitor in the config document (config/schema.ts): how its pools probe their origins. */
import { z } from "zod";
import { Id } from "./fields.ts";
import { PROBE_REGIONS } from "./probe-regions.ts";

/** "2xx", "200", "200,204", "2xx,301": status classes and exact codes, comma-separated. */
const ExpectedCodes = z
  .string()
  .regex(/^\s*([1-5](xx|\d\d))(\s*,\s*[1-5](xx|\d\d))*\s*$/, 'must list status codes or classes, e.g. "2xx" or "200,204"');

export const MonitorSchema = z
  .strictObject({
    id: Id.describe("The monitor's name, unique among monitors: pools name it in their monitor field."),
    type: z
      .enum(["http", "https", "tcp"])
      .default("http")
      .describe(
        "http and https probe with an HTTP request over that scheme, whatever the origin URL's scheme; tcp only opens a connection.",
      ),
    method: z.enum(["GET", "HEAD", "POST", "OPTIONS"]).default("GET").describe("The probe's HTTP method."),
    path: z
      .string()
      .startsWith("/", "must start with '/'")
      .default("/")
      .describe("The path probed, appended to the origin URL's own path; starts with '/'."),
    /** Port to probe; defaults to the origin URL's port. */
    port: z.number().int().min(1).max(65535).optional().describe("The port to probe. Absent: the origin URL's port."),
    headers: z.record(z.string(), z.string()).default({}).describe("Request headers sent with every probe: header name → value."),
    expectedCodes: ExpectedCodes.default("2xx").describe(
      'The status codes that count as healthy: classes and exact codes, comma-separated ("2xx", "200,204", "2xx,301").',
    ),
    /** A substring the first 5,120 bytes of the body must contain (as Route 53). */
    expectedBody: z
      .string()
      .min(1)
      .optional()
      .describe("A substring the first 5,120 bytes of the response body must contain (as Route 53). Absent: the body is not checked."),
    followRedirects: z.boolean().default(false).describe("true follows redirects; false judges the redirect's own status code."),
    timeoutMs: z
      .number()
      .int()
      .min(100)
      .max(60_000)
      .default(5_000)
      .describe("How long a probe may take, in milliseconds, before it counts as failed."),
    intervalSeconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(60)
      .describe(
        "Seconds between probes: 60 or more runs from the cron trigger (every minute, or every other one for 120, …), less from the Durable Object's alarm loop.",
      ),
    unhealthyThreshold: z.number().int().min(1).max(100).default(2).describe("Failed probes in a row that take a healthy origin down."),
    healthyThreshold: z.number().int().min(1).max(100).default(2).describe("Passing probes in a row that bring an unhealthy origin back."),
    /**
     * Durable Object location hints to probe from (Cloudflare's `check_regions`); each
     * region runs its own probes and thresholds, and `regionQuorum` regions that see the
     * origin down take it down (default: a majority). Without regions, probes leave from
     * wherever the cron trigger or the alarm runs.
     */
    regions: z
      .array(z.enum(PROBE_REGIONS, { error: `must be a probe region: one of ${PROBE_REGIONS.join(", ")}` }))
      .min(1, "name at least one region, or leave regions out")
      .optional()
      .describe(
        `Probe regions to probe from (Durable Object location hints: ${PROBE_REGIONS.join(", ")}), each with its own probes and thresholds (Cloudflare's check_regions). Absent: probes leave from wherever the cron trigger or the alarm runs.`,
      ),
    /** How many regions must see an origin down to take it down; default a majority of `regions`. */
    regionQuorum: z
      .number()
      .int()
      .min(1)
      .max(PROBE_REGIONS.length)
      .optional()
      .describe(
        "How many regions must see an origin down to take it down; needs regions, and at most as many. Absent: a majority of regions.",
      ),
  })
  .describe("A health monitor: how the pools that name it probe their origins, and how many results in a row change an origin's health.");

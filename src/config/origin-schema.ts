/** An origin in the config document (config/schema.ts): where it is, its weight, and what it adds to its requests. */
import { z } from "zod";
import { HostName, Id, Latitude, Longitude, OriginUrl, REGION_NAME_MAX } from "./fields.ts";
import { BindingName, OriginHeadersSchema } from "./origin-headers.ts";

export const OriginSchema = z
  .strictObject({
    id: Id.describe(
      "The origin's name, unique among origins: pools name origins by it, and it appears in metrics, logs and the x-edgeway-origin response header.",
    ),
    url: OriginUrl.describe(
      "Where Edgeway sends the origin's requests: an http:// or https:// URL, optionally with a base path that each request's path is appended to; no query string, fragment or credentials.",
    ),
    /** A well-known cloud region ("aws:us-east-1"); gives the origin's coordinates. */
    region: z
      .string()
      .min(1)
      .max(REGION_NAME_MAX, `at most ${REGION_NAME_MAX} characters (region names are like "aws:us-east-1")`)
      .optional()
      .describe(
        'A cloud region from Edgeway\'s catalogue ("aws:us-east-1", "gcp:europe-west1", "azure:southeastasia", …) that gives the origin\'s coordinates for geo and proximity steering; a name outside the catalogue is an error unless lat and lon are given. Absent: no region.',
      ),
    lat: Latitude.optional().describe(
      "The origin's latitude, -90 to 90; with lon, it overrides the region's coordinates (needed for an origin outside the catalogue, such as on-prem). Give both or neither.",
    ),
    lon: Longitude.optional().describe("The origin's longitude, -180 to 180; goes with lat."),
    /** Share of the pool's traffic = weight ÷ sum of weights; 0 drains the origin. */
    weight: z
      .number()
      .min(0)
      .max(1_000_000)
      .default(1)
      .describe(
        "The origin's share of its pool's traffic is weight ÷ the sum of the pool's weights; 0 drains the origin (no new clients; pinned sessions stay).",
      ),
    /** false takes the origin out of every pool without deleting it. */
    enabled: z.boolean().default(true).describe("false takes the origin out of every pool without deleting it."),
    /**
     * The name the origin sees in Host and as the TLS server name, while Edgeway connects to
     * the URL's address (Cloudflare Load Balancing's `header.Host`); see origin-host.ts for
     * what works locally and what only when deployed.
     */
    host: HostName.optional().describe(
      "The name the origin sees in Host and as the TLS server name, while Edgeway connects to the URL's address (Cloudflare Load Balancing's header.Host); honoured when deployed, with both names in the Worker's zone. Absent: the URL's host.",
    ),
    /** Extra request headers: text, or `{ "secret": "NAME" }` for a Worker secret's value. Override the pool's. */
    headers: OriginHeadersSchema.optional().describe(
      'Extra request headers for this origin: header name → text, or { "secret": "NAME" } for the value of the Worker secret NAME. They replace a client\'s header of the same name, and win over the pool\'s headers. Absent: none.',
    ),
    /** An `mtls_certificates` binding (wrangler.toml) whose client certificate Edgeway presents to this origin. */
    mtlsCertificate: BindingName.optional().describe(
      "The name of an mtls_certificates binding (wrangler.toml) whose client certificate Edgeway presents to this origin; works only when deployed. Absent: no client certificate.",
    ),
  })
  .describe("An origin: one endpoint (a host, a service or a cloud load balancer) that serves requests, in any cloud or on-prem.");

/**
 * The regions a monitor may probe from: the Durable Object location hints
 * (https://developers.cloudflare.com/durable-objects/reference/data-location/). Each
 * region's probes run from a Durable Object created with that hint, so in production
 * they leave from that part of the world, as Cloudflare's `check_regions` do.
 */

/** Location hints, west to east, then the southern ones. */
export const PROBE_REGIONS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;

export type ProbeRegion = (typeof PROBE_REGIONS)[number];

/** What each hint stands for, for error messages and the docs. */
export const PROBE_REGION_NAMES: Readonly<Record<ProbeRegion, string>> = {
  wnam: "western North America",
  enam: "eastern North America",
  sam: "South America",
  weur: "western Europe",
  eeur: "eastern Europe",
  apac: "Asia-Pacific",
  oc: "Oceania",
  afr: "Africa",
  me: "Middle East",
};

/** Whether `name` is a probe region. */
export function isProbeRegion(name: string): name is ProbeRegion {
  return (PROBE_REGIONS as readonly string[]).includes(name);
}

/** The request header that names the region a probe left from, so origin logs can tell the regions apart. */
export const PROBE_REGION_HEADER = "x-edgeway-probe-region";

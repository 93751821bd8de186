/**
 * A Cloudflare pool's `check_regions` as the probe regions of an Edgeway monitor, and
 * back. Cloudflare probes from 13 regions (three data centres each); Edgeway probes from
 * the Durable Object location hints (src/config/probe-regions.ts), 9 of them. Six regions
 * map one to one; the other seven fold into three hints (South America, Africa,
 * Asia-Pacific), and a pool that lists two regions of one hint loses a vote: the quorum
 * counts Edgeway regions. That merge is reported; a region alone is not (it probes from
 * the part of the world it names, less precisely).
 *
 * Export writes each hint as one Cloudflare region, so the vote keeps its count and an
 * import of the export gives the same regions back; the three hints that cover several
 * regions are written as one of them and reported.
 */
import { PROBE_REGION_NAMES, PROBE_REGIONS } from "../../../src/config/probe-regions.ts";
import type { ProbeRegion } from "../../../src/config/probe-regions.ts";
import { list } from "./model.ts";
import type { DropLog } from "./model.ts";

/** Cloudflare's health check regions and the probe region each is probed from in Edgeway. */
export const CHECK_REGION_PROBE: Readonly<Record<string, ProbeRegion>> = {
  WNAM: "wnam",
  ENAM: "enam",
  WEU: "weur",
  EEU: "eeur",
  NSAM: "sam",
  SSAM: "sam",
  OC: "oc",
  ME: "me",
  NAF: "afr",
  SAF: "afr",
  SAS: "apac",
  SEAS: "apac",
  NEAS: "apac",
};

/** The Cloudflare region export writes for each probe region: the same one, or one of those the hint covers. */
export const PROBE_CHECK_REGION: Readonly<Record<ProbeRegion, string>> = {
  wnam: "WNAM",
  enam: "ENAM",
  sam: "SSAM",
  weur: "WEU",
  eeur: "EEU",
  apac: "SEAS",
  oc: "OC",
  afr: "SAF",
  me: "ME",
};

/** Cloudflare's "every region" (Enterprise): every probe region. */
const ALL_REGIONS = "ALL_REGIONS";

/**
 * A pool's `check_regions` as probe regions, in Cloudflare's order without repeats; undefined
 * when it names none (null: Cloudflare's default, every data centre), so the monitor keeps
 * Edgeway's default of probing from where the round runs. Unknown codes and merged regions
 * are reported at `path`.
 */
export function probeRegionsOf(value: unknown, source: string, path: string, log: DropLog): ProbeRegion[] | undefined {
  const out: ProbeRegion[] = [];
  const from = new Map<ProbeRegion, string[]>();
  list(value).forEach((code, i) => {
    const name = String(code).toUpperCase();
    const hints = name === ALL_REGIONS ? [...PROBE_REGIONS] : CHECK_REGION_PROBE[name] === undefined ? [] : [CHECK_REGION_PROBE[name]];
    if (hints.length === 0) log.drop(source, `${path}[${i}]`, `${JSON.stringify(code)} is not a Cloudflare health check region: left out`);
    for (const hint of hints) {
      if (!out.includes(hint)) out.push(hint);
      if (name !== ALL_REGIONS) from.set(hint, [...(from.get(hint) ?? []), name]);
    }
  });
  if (list(value).some((code) => String(code).toUpperCase() === ALL_REGIONS))
    log.drop(source, path, `${ALL_REGIONS}: Cloudflare's 13 regions are Edgeway's ${PROBE_REGIONS.length} probe regions, each one vote`);
  for (const [hint, codes] of from)
    if (codes.length > 1)
      log.drop(
        source,
        path,
        `${codes.join(", ")} all probe from ${hint} (${PROBE_REGION_NAMES[hint]}): ${codes.length} Cloudflare regions are one vote in Edgeway's quorum`,
      );
  return out.length === 0 ? undefined : out;
}

/** A monitor's probe regions as a pool's `check_regions`; the hints written as one of several regions are reported at `path`. */
export function checkRegionsOf(regions: readonly ProbeRegion[], source: string, path: string, log: DropLog): string[] {
  return regions.map((hint, i) => {
    const code = PROBE_CHECK_REGION[hint];
    const covered = Object.keys(CHECK_REGION_PROBE).filter((c) => CHECK_REGION_PROBE[c] === hint);
    if (covered.length > 1)
      log.drop(
        source,
        `${path}[${i}]`,
        `${hint} (${PROBE_REGION_NAMES[hint]}) spans Cloudflare's ${covered.join(", ")}: written as ${code}, one region for its one vote`,
      );
    return code;
  });
}

/**
 * Cloudflare's seven continent codes at a rough population-weighted centre (not the
 * geographic one: Asia's geographic centre is in Xinjiang, far from most Asians).
 */
import { freeze } from "./point.ts";
import type { Point } from "./point.ts";

/** Cloudflare's `request.cf.continent` codes, at rough population centres. */
export const CONTINENT_CENTROIDS: Readonly<Record<string, Point>> = freeze({
  AF: [5.0, 20.0],
  AN: [-77.85, 166.67],
  AS: [25.0, 95.0],
  EU: [50.0, 15.0],
  NA: [33.0, -92.0],
  OC: [-27.5, 150.0],
  SA: [-15.0, -55.0],
});

/** A centroid: one point standing for a colo, country or continent. */

/** `[lat, lon]` in degrees. */
export type Point = readonly [lat: number, lon: number];

/** Freezes a table and its points, so no caller can move a centroid. */
export function freeze(table: Record<string, Point>): Readonly<Record<string, Point>> {
  for (const point of Object.values(table)) Object.freeze(point);
  return Object.freeze(table);
}

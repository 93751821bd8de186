/** Matching a status code against a monitor's `expectedCodes` ("2xx", "200,204", "2xx,301"). */

/** Compiles the pattern into a predicate. The schema has already checked its form. */
export function expectedCodesMatcher(pattern: string): (status: number) => boolean {
  const exact = new Set<number>();
  const classes = new Set<number>();
  for (const raw of pattern.split(",")) {
    const part = raw.trim().toLowerCase();
    if (part.endsWith("xx")) classes.add(Number(part[0]));
    else exact.add(Number(part));
  }
  return (status) => exact.has(status) || classes.has(Math.floor(status / 100));
}

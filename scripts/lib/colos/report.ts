/** How the many-colo script prints what each colo sees. */
import type { ColoWorker } from "./harness.ts";

/** `a 10 · b 10 · c 10`, origins in name order. */
export function formatSpread(seen: Readonly<Record<string, number>>): string {
  return Object.keys(seen)
    .sort()
    .map((k) => `${k} ${seen[k]}`)
    .join(" · ");
}

interface HealthBody {
  origins: Record<
    string,
    { healthy: boolean; ejected: boolean; ejectedHere?: boolean; quorum?: { ejected: boolean; failing: string[]; voters: string[] } }
  >;
}

/** One line per colo: each origin with ✓ (serving), ✗ (ejected or unhealthy) and the quorum's votes. */
export async function coloHealthLine(worker: ColoWorker): Promise<string> {
  const res = await worker.admin("/health");
  if (res.status !== 200) return `health API answered ${res.status}`;
  const body = (await res.json()) as HealthBody;
  return Object.entries(body.origins)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, o]) => {
      const ejected = o.ejectedHere ?? o.ejected;
      const mark = !o.healthy ? "✗ unhealthy" : ejected ? "✗ ejected" : "✓";
      const votes =
        o.quorum === undefined || o.quorum.failing.length === 0
          ? ""
          : ` (${o.quorum.failing.length}/${o.quorum.voters.length} colos fail it${o.quorum.ejected ? ": ejected everywhere" : ""})`;
      return `${id} ${mark}${votes}`;
    })
    .join("   ");
}

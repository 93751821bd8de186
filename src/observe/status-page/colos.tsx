/**
 * Passive health per colo in an origin's "Ejected" cell: the global verdict with its votes,
 * then the colos that eject the origin, since when, until when and why (the first
 * LISTED_COLOS, then a count).
 */
import { When } from "./time.tsx";
import type { OriginRow } from "./types.ts";

/** Colos listed per origin; the rest are counted. */
export const LISTED_COLOS = 8;

export function ColoEjections({ o, now }: { o: OriginRow; now: number }) {
  const colos = (o.colos ?? []).filter((c) => c.until > now);
  const q = o.quorum;
  if (colos.length === 0 && q === undefined) return null;
  return (
    <div class="colos" data-colos={colos.map((c) => c.colo).join(",")}>
      {q !== undefined && q.failing > 0 && (
        <div class="sub quorum" data-quorum={q.ejected ? "ejected" : "held"}>
          {q.ejected ? "everywhere" : "not everywhere"}: {q.failing} of {q.voters} colos eject it (needs {q.needed})
        </div>
      )}
      {colos.slice(0, LISTED_COLOS).map((c) => (
        <div class="sub colo" data-colo={c.colo} title={c.reason}>
          <b>{c.colo}</b> since <When at={c.since} now={now} brief />, until <When at={c.until} now={now} brief />: {c.reason}
        </div>
      ))}
      {colos.length > LISTED_COLOS && <div class="sub">and {colos.length - LISTED_COLOS} more colos</div>}
    </div>
  );
}

/**
 * `/explain`'s view of a rollout on the matched route (docs/rollouts.md): the share of the
 * route's first choices its target pool takes and the share the route's own split keeps —
 * the request path's rule (discovery/effective-rollouts.ts `takesTarget`) read, not drawn:
 * during the A/B stage whether this request carries the header or cookie (then all or
 * nothing), else weight ÷ 100 of the requests, decided per request (or by the affinity
 * key's hash on routes with header or IP affinity).
 */
import type { RouteRollout } from "../../discovery/effective-rollouts.ts";
import { matchesAbTest } from "../../discovery/effective-rollouts.ts";

/** The rollout's part in the route's split. */
export interface ExplainedRollout {
  readonly id: string;
  readonly target: string;
  readonly weight: number;
  readonly stage: "ab-test" | "weighted";
  /** During the A/B stage: whether this request carries the header or cookie; null otherwise. */
  readonly matchesAbTest: boolean | null;
  /** The share of first choices the target pool takes (for this request during the A/B stage). */
  readonly targetShare: number;
  /** The share the route's own steering keeps (the target pool left out of its first choice). */
  readonly routeShare: number;
  readonly why: string;
}

export function explainRollout(bound: RouteRollout | undefined, headers: Headers, affinity: boolean): ExplainedRollout | null {
  if (bound === undefined) return null;
  const { rollout } = bound;
  const base = { id: rollout.id, target: rollout.to, weight: rollout.weight };
  const ab = rollout.abTest;
  if (ab !== undefined) {
    const matches = matchesAbTest(rollout, headers);
    const what =
      ab.header !== undefined
        ? `header ${ab.header.name}: ${ab.header.value}`
        : `cookie ${ab.cookie?.name ?? ""}=${ab.cookie?.value ?? ""}`;
    return {
      ...base,
      stage: "ab-test",
      matchesAbTest: matches,
      targetShare: matches ? 1 : 0,
      routeShare: matches ? 0 : 1,
      why: `rollout ${rollout.id}'s A/B stage: requests with ${what} try pool ${rollout.to} first; this one ${matches ? "does" : "does not"}`,
    };
  }
  const share = rollout.weight / 100;
  return {
    ...base,
    stage: "weighted",
    matchesAbTest: null,
    targetShare: share,
    routeShare: 1 - share,
    why: `rollout ${rollout.id}: pool ${rollout.to} takes ${rollout.weight} % of first tries (${affinity ? "by the affinity key's hash, so a client keeps its side" : "drawn per request"}), whatever the route's steering; the rest follow the route's split without it; retries follow the route's order`,
  };
}

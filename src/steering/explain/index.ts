/**
 * `/explain`'s public API: `explain` builds the answer, `explainHealth` the health it
 * reads; the types are the input and the trace model. See explain.ts for what the answer
 * means and how it stays read-only.
 */
export { explain } from "./explain.ts";
export { explainHealth } from "./health.ts";
export { explainRollout } from "./rollout.ts";
export type { ExplainedRollout } from "./rollout.ts";
export type { ClientField, ExplainHealth, ExplainInput, ExplainRequest, HealthSource, OriginHealthFacts, OverrideFact } from "./input.ts";
export type {
  Basis,
  ClientValue,
  ConsideredRoute,
  ExplainedAffinity,
  ExplainedClient,
  ExplainedOrigin,
  ExplainedPool,
  ExplainedPoolSteering,
  ExplainedRoutePool,
  ExplainedRouteSteering,
  Explanation,
  OriginExclusion,
  Outcome,
  PlannedTry,
  RetryPlan,
  Valve,
} from "./trace.ts";

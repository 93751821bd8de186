/** The retry plan: whether a failed try is retried, where each retry would go, the budget and the hedge. */
import type { CompiledRoute } from "../../config/compile.ts";
import type { TryPick } from "../select.ts";
import type { PlannedTry, RetryPlan } from "./trace.ts";

/** The first try, then each retry on the next origin steering picks, as if every try before it failed. */
export function retryPlan(
  route: CompiledRoute,
  method: string,
  first: TryPick | undefined,
  steer: (exclude: ReadonlySet<string>) => TryPick | undefined,
  affine: boolean,
): RetryPlan {
  const r = route.source.retries;
  const strict = affine && route.source.affinity?.onFailure === "none";
  const methodAllowed = r.methods.includes(method);
  const allowed = r.attempts > 0 && methodAllowed && !strict;
  let why: string;
  if (r.attempts === 0) why = "retries.attempts is 0";
  else if (strict) why = 'session affinity with onFailure "none" never moves a session to another origin, not even to retry';
  else if (!methodAllowed) why = `retries.methods does not include ${method}`;
  else
    why = `up to ${r.attempts} retr${r.attempts === 1 ? "y" : "ies"}, each on the next origin steering picks, when a try fails with one of retries.on, within the route's deadline and retry budget, for bodies up to retries.maxBodyBytes`;
  const tries: PlannedTry[] = [];
  const tried = new Set<string>();
  const maxTries = allowed ? 1 + r.attempts : 1;
  for (let next = first, attempt = 1; next !== undefined; attempt++) {
    const { selection } = next;
    tries.push({
      attempt,
      pool: selection.pool.id,
      origin: selection.origin.id,
      fallback: selection.fallback,
      panic: selection.panic,
      ejectionOverride: next.ejectionOverride,
      pinned: next.pinned,
    });
    tried.add(selection.origin.id);
    next = attempt < maxTries ? steer(tried) : undefined;
  }
  const hedge = route.source.hedge;
  return {
    attempts: r.attempts,
    allowed,
    why,
    on: r.on,
    methods: r.methods,
    budgetPercent: r.budgetPercent,
    minRetriesPerSecond: r.minRetriesPerSecond,
    maxBodyBytes: r.maxBodyBytes,
    timeoutMs: route.source.timeoutMs,
    perTryTimeoutMs: r.perTryTimeoutMs ?? null,
    hedgeDelayMs: hedge !== undefined && allowed && (method === "GET" || method === "HEAD") ? hedge.delayMs : null,
    tries,
  };
}

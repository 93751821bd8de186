/** The pool policy's pick inside the serving pool: what decided, the basis, the hash key and why. */
import { PEAK_RATIO } from "../latency.ts";
import { PILE_UP_SIGMAS, PILE_UP_SLACK, TIE_BAND } from "../latency-choice.ts";
import type { CompiledPool } from "../../config/compile.ts";
import type { PoolSteeringName } from "../../config/schema.ts";
import type { ClientInfo } from "../../routing/client.ts";
import { DEFAULT_HASH_KEY, requestHashKey } from "../../routing/request-key.ts";
import type { Basis } from "./trace.ts";

/** Where a pool's `hash` key comes from and its value in this request. */
export function hashKeyOf(pool: CompiledPool, request: Request, client: ClientInfo): { from: string; value: string | undefined } {
  const spec = pool.source.hash ?? DEFAULT_HASH_KEY;
  const from = "header" in spec ? `header ${spec.header}` : "cookie" in spec ? `cookie ${spec.cookie}` : "client IP";
  return { from, value: requestHashKey(request, spec, client.ip) };
}

/** How far the pick inside a pool can be repeated: one candidate or a keyed hash decide, a rotation or a draw do not. */
export function poolBasis(policy: PoolSteeringName, candidates: number, hashKeyPresent: boolean): Basis {
  if (candidates <= 1) return "deterministic";
  if (policy === "random" || policy === "latency") return "draw";
  if (policy === "hash" && hashKeyPresent) return "deterministic";
  return "rotation";
}

/** What each pool policy does, as the explanation says it. */
export const POOL_WHY: Readonly<Record<PoolSteeringName, string>> = {
  weighted: "weighted: smooth weighted round robin, share = weight ÷ sum (a load-aware pool's live weights: see each origin's liveWeight)",
  round_robin: "round_robin: each candidate in turn, weights ignored",
  random: "random: one draw, share = weight ÷ sum",
  least_outstanding: "least_outstanding: smooth weighted round robin over weight ÷ (outstanding + 1)",
  latency:
    `latency: the lowest latency estimate (as of its last sample) × (pile-up + 1) from this colo, a pile-up being tries in flight beyond usual + ${PILE_UP_SIGMAS}√usual + ${PILE_UP_SLACK}; ` +
    `costs within ${TIE_BAND * 100}% of the lowest tie and the origin carrying the stream keeps it (then ties by weight); ` +
    `an answer ≥ ${PEAK_RATIO}× the estimate twice in a row, or ≤ 1/${PEAK_RATIO} of it, replaces the estimate, others are averaged over τ; ` +
    "estimates stale for exploreIntervalSeconds take explorePercent of picks; the shares hold while the signals do",
  hash: "hash: rendezvous hashing on the request key, share of keys = weight ÷ sum",
};

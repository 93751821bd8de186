/**
 * `/explain`: which route, pool and origin Edgeway would pick for a request, and why —
 * the client as steering sees it, the route policy's pool order and its inputs, every
 * pool's health counts and valves, the pool policy's shares, affinity, and the retry plan.
 *
 * Pure and read-only: it runs the real selection code (`routeOrder`, `selectInOrder`,
 * `selectOrigin`, `pinState`, `rendezvousPick`) on a throwaway memory store, the caller's
 * copy of the signals and a health view built on a throwaway outlier detector, so
 * explaining never moves a rotation, a tracker or an ejection of the live isolate.
 *
 * What "basis" means in the answer: `deterministic` picks are what the data plane picks
 * for the same inputs (failover, geo, proximity route steering; hash steering with a key;
 * affinity; a single candidate). `rotation` policies (weighted, round_robin,
 * least_outstanding, hash without a key) rotate per isolate: the pick shown is where a
 * fresh rotation starts, and the shares are what every rotation converges to. `draw`
 * policies (random, latency) draw at random per request: the pick is one draw, the shares
 * are the odds.
 */
import type { CompiledPool } from "../../config/compile.ts";
import { createMemoryStore, pickForTry, routeOrder, selectInOrder, selectOrigin, viewPool } from "../select.ts";
import type { HealthView, SelectInput, TryPick } from "../select.ts";
import type { ExplainInput } from "./input.ts";
import type { Basis, ExplainedPoolSteering, Explanation, Outcome } from "./trace.ts";
import { explainClient } from "./client.ts";
import { consideredRoutes, explainMatching, shownMatch } from "./matching.ts";
import { matchList } from "../../config/match-schema.ts";
import { explainAffinity } from "./affinity.ts";
import { explainRouteSteering } from "./route-steering.ts";
import { explainPools } from "./pools.ts";
import { hashKeyOf, POOL_WHY, poolBasis } from "./pool-steering.ts";
import { valves } from "./valves.ts";
import { retryPlan } from "./retries.ts";

function combine(a: Basis, b: Basis): Basis {
  if (a === "draw" || b === "draw") return "draw";
  if (a === "rotation" || b === "rotation") return "rotation";
  return "deterministic";
}

/** Builds the explanation. */
export async function explain(input: ExplainInput): Promise<Explanation> {
  const { config, request, health } = input;
  const { url, client } = request;
  const facts = { method: request.method, headers: request.headers };
  const hit = config.table.match(url.host, url.pathname, facts, url);
  const route = hit?.route;
  // Key order is reading order: the answer first, then how it came about.
  const head = (outcome: Outcome) => ({
    configVersion: config.version,
    request: { url: url.href, method: request.method, host: url.host, path: url.pathname },
    outcome,
    health: health.source,
    route:
      route === undefined
        ? null
        : { id: route.id, match: shownMatch(matchList(route.match)[hit?.index ?? 0] ?? { host: "*" }), steering: route.source.steering },
    routesConsidered: consideredRoutes(config, url, hit),
    matching: explainMatching(config, url, facts),
    client: explainClient(client, request.clientSources),
  });
  if (route === undefined) {
    return {
      ...head({
        kind: "error",
        status: 404,
        code: "no_route",
        message: `no route for ${url.hostname}${url.pathname}: Edgeway answers 404`,
      }),
      affinity: null,
      routeSteering: null,
      pools: [],
      poolSteering: null,
      valves: null,
      retries: null,
    };
  }

  // A Request only to read headers and cookies the way the data plane reads them.
  const asRequest = new Request(url, { headers: request.headers });
  const memory = createMemoryStore();
  const selectInput = (view: HealthView, exclude: ReadonlySet<string>, affinityKey: string | undefined): SelectInput => ({
    route,
    client,
    random: input.random,
    memory,
    health: view,
    exclude,
    signals: input.signals,
    hashKey: (pool) => affinityKey ?? (pool.source.steering === "hash" ? hashKeyOf(pool, asRequest, client).value : undefined),
    affinityKey,
    affinityStrict: route.source.affinity?.onFailure === "none",
  });

  const order = routeOrder(selectInput(health.view, new Set(), undefined));
  const affinity = await explainAffinity(route, input, order);
  const affinityKey = affinity.key;
  const pin = affinity.pin;

  /** The data plane's `select`: the pin for the first try, else steering, else steering with ejections ignored. */
  const steer = (exclude: ReadonlySet<string>, firstOrder?: readonly CompiledPool[]): TryPick | undefined =>
    pickForTry(
      exclude,
      pin?.kind === "usable" ? pin.selection : undefined,
      (ignoreEjections) => {
        if (ignoreEjections) return selectOrigin(selectInput(health.probeOnly, exclude, affinityKey));
        const base = selectInput(health.view, exclude, affinityKey);
        return firstOrder === undefined ? selectOrigin(base) : selectInOrder(firstOrder, base);
      },
      () => health.anyEjected,
    );

  const strictFail = pin?.kind === "unavailable" && route.source.affinity?.onFailure === "none";
  const first = strictFail ? undefined : steer(new Set(), order);
  const routeSteering = explainRouteSteering(route, order, client, health.view, input.signals);
  const hashedByAffinity = affinityKey !== undefined;
  const pools = explainPools(route, order, first?.selection, input, hashedByAffinity);
  const retries = retryPlan(route, request.method, first, steer, affinityKey !== undefined || pin?.kind === "usable");

  let poolSteering: ExplainedPoolSteering | null = null;
  let outcome: Outcome;
  if (first === undefined) {
    outcome = strictFail
      ? {
          kind: "error",
          status: 503,
          code: "affine_origin_unavailable",
          message: `the origin this session is pinned to ("${pin.kind === "unavailable" ? pin.originId : ""}") is unhealthy and affinity onFailure is "none": Edgeway answers 503`,
        }
      : {
          kind: "error",
          status: 503,
          code: "no_healthy_origin",
          message: `no pool of route "${route.id}" can serve${route.fallback === undefined ? "" : ", nor its fallback pool"}${affinity.explained?.home?.healthy === false ? ` (affinity onFailure "none": the key's origin ${affinity.explained.home.origin} is unhealthy)` : ""}: Edgeway answers 503`,
        };
  } else {
    const { selection } = first;
    const candidates = viewPool(selection.pool, first.ejectionOverride ? health.probeOnly : health.view).candidates.length;
    const hashKey = hashedByAffinity
      ? {
          from: route.source.affinity?.type === "ip" ? "affinity: client IP" : `affinity: header ${affinity.explained?.name ?? ""}`,
          value: affinityKey,
        }
      : selection.pool.source.steering === "hash"
        ? hashKeyOf(selection.pool, asRequest, client)
        : undefined;
    const steeredBy = first.pinned ? "affinity-cookie" : hashedByAffinity ? "affinity-key" : "policy";
    const inPool: Basis = first.pinned
      ? "deterministic"
      : poolBasis(hashedByAffinity ? "hash" : selection.pool.source.steering, candidates, hashKey?.value !== undefined);
    const basis = first.pinned ? "deterministic" : combine(routeSteering.basis, inPool);
    poolSteering = {
      pool: selection.pool.id,
      policy: selection.pool.source.steering,
      steeredBy,
      basis: inPool,
      hashKey: hashKey === undefined ? null : { from: hashKey.from, value: hashKey.value ?? null },
      pick: selection.origin.id,
      why: first.pinned
        ? "the affinity cookie's pin decides the first try"
        : hashedByAffinity
          ? "session affinity: rendezvous hash on the affinity key, whatever the pool's steering"
          : `${POOL_WHY[selection.pool.source.steering]}${selection.pool.source.steering === "hash" && hashKey?.value === undefined ? " (the request has no key: smooth weighted round robin instead)" : ""}${candidates <= 1 ? "; one candidate" : ""}`,
    };
    const how =
      basis === "deterministic"
        ? ""
        : basis === "draw"
          ? " (one draw: see the shares)"
          : " (where a fresh rotation starts: see the shares)";
    outcome = {
      kind: "origin",
      pool: selection.pool.id,
      origin: selection.origin.id,
      basis,
      fallback: selection.fallback,
      panic: selection.panic,
      ejectionOverride: first.ejectionOverride,
      pinned: first.pinned,
      message: `route ${route.id} → pool ${selection.pool.id} → origin ${selection.origin.id}${how}`,
    };
  }

  return {
    ...head(outcome),
    affinity: affinity.explained,
    routeSteering,
    pools,
    poolSteering,
    valves: valves(route, pools, first, health),
    retries,
  };
}

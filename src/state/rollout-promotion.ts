/**
 * A promoted rollout's config version: the route's final weights written as a new config
 * version with reason "rollout ID promoted", the way a push stores one (validated, the
 * version allocated by the object's counter, the versioned copy then the pointer in KV,
 * history pruned, `config_changed` logged), so history, diff and rollback work as for any
 * push.
 *
 * What promotion writes (docs/rollouts.md, "Decisions"): the target pool replaces the
 * pools the route sent to — `pools: [target]` — and what named the old pools goes with
 * them (the route's `weights`, its `geo` map, their `poolFilters`; a mirror to the target,
 * which now serves). The route keeps everything else: its match, steering, fallback pool,
 * retries, filters. The old pools stay in the document, so a later rollout (or a config
 * rollback to the version before) can send traffic back to them.
 */
import { compileConfig } from "../config/compile.ts";
import { countChanges, diffConfigs } from "../config/diff.ts";
import { pruneHistory } from "../config/history.ts";
import { writeConfig } from "../config/store.ts";
import type { ConfigEnvelope } from "../config/store.ts";
import { validateConfig } from "../config/validate.ts";
import { isolate, reportConfigProblem } from "../isolate.ts";
import { errorMessage, log } from "../observe/log.ts";
import type { RolloutStatus } from "../rollout/types.ts";
import { nextConfigVersion } from "./counters.ts";

/** Who the config history names as having stored a promotion. */
export const PROMOTION_ACTOR = "rollout";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether the route in `document` already sends only to `to` (a promotion written before). */
export function alreadyPromoted(document: unknown, routeId: string, to: string): boolean {
  const route = routeIn(document, routeId);
  const pools = route?.["pools"];
  return Array.isArray(pools) && pools.length === 1 && pools[0] === to && route?.["weights"] === undefined;
}

function routeIn(document: unknown, routeId: string): Json | undefined {
  const routes = isObject(document) ? document["routes"] : undefined;
  return Array.isArray(routes) ? routes.find((r): r is Json => isObject(r) && r["id"] === routeId) : undefined;
}

/** The document with `routeId` sending everything to `to` (see the header); undefined when the route is gone. */
export function promotedDocument(document: unknown, routeId: string, to: string): unknown {
  const copy: unknown = structuredClone(document);
  const route = routeIn(copy, routeId);
  if (route === undefined) return undefined;
  route["pools"] = [to];
  delete route["weights"];
  delete route["geo"];
  if (route["fallbackPool"] === to) delete route["fallbackPool"];
  const poolFilters = route["poolFilters"];
  if (isObject(poolFilters)) {
    for (const pool of Object.keys(poolFilters)) if (pool !== to && pool !== route["fallbackPool"]) delete poolFilters[pool];
    if (Object.keys(poolFilters).length === 0) delete route["poolFilters"];
  }
  const filters = route["filters"];
  if (Array.isArray(filters)) {
    const kept = filters.filter((f) => !(isObject(f) && isObject(f["requestMirror"]) && f["requestMirror"]["pool"] === to));
    if (kept.length === 0) delete route["filters"];
    else route["filters"] = kept;
  }
  return copy;
}

/** What writing a promotion came to: the version in force that carries it, or why none could be written. */
export type PromotionOutcome = { readonly version: number; readonly written: boolean } | { readonly error: string };

/**
 * Writes the promotion of `status` as a new config version (or finds it written already).
 * Safe to call again after a failure: the alarm retries until it is written.
 */
export async function writePromotion(env: Env, sql: SqlStorage, status: RolloutStatus): Promise<PromotionOutcome> {
  await isolate.config.refresh(env.CONFIG, Date.now(), reportConfigProblem);
  const inForce = isolate.config.current?.envelope;
  if (inForce === undefined) return { error: "no config is stored" };
  if (alreadyPromoted(inForce.document, status.route, status.to)) return { version: inForce.version, written: false };
  const document = promotedDocument(inForce.document, status.route, status.to);
  if (document === undefined) return { error: `route "${status.route}" is no longer in the config` };
  const result = validateConfig(document);
  if (!result.ok)
    return { error: `the promoted config does not validate: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}` };
  const version = nextConfigVersion(sql, inForce.version);
  const changes = countChanges(diffConfigs(inForce.document, document));
  const envelope: ConfigEnvelope = {
    version,
    updatedAt: new Date().toISOString(),
    document,
    actor: PROMOTION_ACTOR,
    reason: `rollout ${status.id} promoted`,
    changes,
  };
  try {
    await writeConfig(env.CONFIG, envelope);
  } catch (error) {
    return { error: `could not store the config: ${errorMessage(error)}` };
  }
  isolate.config.install({ compiled: compileConfig(result.config, version), envelope }, Date.now());
  await pruneHistory(env.CONFIG, version).catch((error: unknown) =>
    log("warn", "config_history_prune_failed", { message: errorMessage(error) }),
  );
  log("info", "config_changed", {
    version,
    previous: inForce.version,
    actor: PROMOTION_ACTOR,
    reason: envelope.reason,
    rollbackOf: null,
    changes,
    origins: result.config.origins.length,
    pools: result.config.pools.length,
    routes: result.config.routes.length,
  });
  return { version, written: true };
}

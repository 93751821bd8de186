/**
 * Consul's read calls over registered origins: the agent's services, a service's health
 * entries (`?passing` keeps the healthy ones) and its catalog entries. A service name
 * reads the pool that takes it; a registration token sees only its own registrations, as
 * on GET /_edgeway/register. An unknown name answers an empty list, as Consul does.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { poolForService } from "../../discovery/consul-service.ts";
import { agentService, catalogEntry, healthEntry } from "../../discovery/consul-shape.ts";
import type { ServiceView } from "../../discovery/consul-shape.ts";
import { registrationHealth } from "../../discovery/registration.ts";
import { errorMessage } from "../../observe/log.ts";
import { originStateStub } from "../../state/origin-state.ts";
import { jsonError } from "../errors.ts";
import type { AdminEnv } from "../openapi.ts";
import { loadedConfig, poolsOf } from "./caller.ts";

export const consulReads = new Hono<AdminEnv>();

/** The caller's registrations in pools that take a service name, each under the name it answers to (`only`: that name). */
async function views(c: Context<AdminEnv>, only?: string): Promise<ServiceView[]> {
  const pools = poolsOf(await loadedConfig(c));
  const names = new Map<string, string>();
  for (const p of pools) {
    const first = p.registration?.serviceNames[0];
    if (first !== undefined) names.set(p.id, first);
  }
  const wanted = only === undefined ? undefined : poolForService(pools, only);
  if (only !== undefined && wanted === undefined) return [];
  const scope = c.get("registerScope");
  const now = Date.now();
  return (await originStateStub(c.env).registrations())
    .filter((r) => (scope === undefined || r.registrant === scope.name) && (wanted === undefined || r.pool === wanted))
    .flatMap((reg) => {
      const service = only ?? names.get(reg.pool);
      if (service === undefined) return [];
      const health = registrationHealth(reg, now);
      return [{ reg, service, healthy: health.healthy, reason: health.reason }];
    })
    .sort((a, b) => (a.reg.id < b.reg.id ? -1 : a.reg.id > b.reg.id ? 1 : 0));
}

/** Runs a read, answering 503 when the Durable Object cannot be reached. */
async function read(c: Context<AdminEnv>, answer: () => Promise<unknown>): Promise<Response> {
  try {
    c.header("x-consul-index", "1");
    c.header("x-consul-knownleader", "true");
    return c.json(await answer());
  } catch (error) {
    return jsonError(503, "state_unavailable", `could not read registrations: ${errorMessage(error)}`);
  }
}

consulReads.get("/v1/agent/services", (c) =>
  read(c, async () => Object.fromEntries((await views(c)).map((v) => [v.reg.id, agentService(v)]))),
);

consulReads.get("/v1/health/service/:name", (c) =>
  read(c, async () => {
    // Consul treats a present ?passing (with no value, or any value but "false") as a filter.
    const passing = c.req.query("passing");
    const all = await views(c, c.req.param("name"));
    return (passing === undefined || passing === "false" ? all : all.filter((v) => v.healthy)).map(healthEntry);
  }),
);

consulReads.get("/v1/catalog/service/:name", (c) => read(c, async () => (await views(c, c.req.param("name"))).map(catalogEntry)));

/**
 * Registered origins in Consul's answer shapes (agent services, health entries, catalog
 * entries), enough for Consul client libraries. Edgeway keeps only what it routes by, so
 * Tags and Meta read back as the region and pool (`region=<name>`, Meta `edgeway-region`,
 * `edgeway-pool`), not as sent; a check reads back "passing" or "critical" (a warning is
 * a heartbeat). The node is Edgeway itself.
 */
import type { Registration } from "./registration.ts";
import { REGION_META } from "./consul-service.ts";

export const CONSUL_NODE = "edgeway";
export const CONSUL_DATACENTER = "edgeway";

/** A registration with the service name it answers to and whether its heartbeat is current. */
export interface ServiceView {
  readonly reg: Registration;
  readonly service: string;
  readonly healthy: boolean;
  readonly reason: string;
}

function addressPort(url: string): { address: string; port: number } {
  const u = new URL(url);
  const port = u.port === "" ? (u.protocol === "https:" ? 443 : 80) : Number(u.port);
  return { address: u.hostname.replace(/^\[(.*)\]$/, "$1"), port };
}

/** The agent's view of a service (GET /v1/agent/services, and inside a health entry). */
export function agentService(v: ServiceView): Record<string, unknown> {
  const { address, port } = addressPort(v.reg.url);
  return {
    ID: v.reg.id,
    Service: v.service,
    Tags: v.reg.region === undefined ? [] : [`region=${v.reg.region}`],
    Meta: { "edgeway-pool": v.reg.pool, ...(v.reg.region === undefined ? {} : { [REGION_META]: v.reg.region }) },
    Address: address,
    Port: port,
    Weights: { Passing: v.reg.weight, Warning: v.reg.weight },
    EnableTagOverride: false,
    Datacenter: CONSUL_DATACENTER,
  };
}

/** The service's TTL check as Consul reports it. */
export function serviceCheck(v: ServiceView): Record<string, unknown> {
  return {
    Node: CONSUL_NODE,
    CheckID: `service:${v.reg.id}`,
    Name: `Service '${v.service}' check`,
    Status: v.healthy ? "passing" : "critical",
    Notes: "",
    Output: v.reason,
    ServiceID: v.reg.id,
    ServiceName: v.service,
    ServiceTags: v.reg.region === undefined ? [] : [`region=${v.reg.region}`],
    Type: "ttl",
  };
}

/** One entry of GET /v1/health/service/<name>. */
export function healthEntry(v: ServiceView): Record<string, unknown> {
  const { address } = addressPort(v.reg.url);
  return {
    Node: { ID: "", Node: CONSUL_NODE, Address: address, Datacenter: CONSUL_DATACENTER, Meta: {} },
    Service: agentService(v),
    Checks: [serviceCheck(v)],
  };
}

/** One entry of GET /v1/catalog/service/<name>. */
export function catalogEntry(v: ServiceView): Record<string, unknown> {
  const svc = agentService(v);
  return {
    ID: "",
    Node: CONSUL_NODE,
    Address: svc.Address,
    Datacenter: CONSUL_DATACENTER,
    ServiceID: svc.ID,
    ServiceName: svc.Service,
    ServiceAddress: svc.Address,
    ServicePort: svc.Port,
    ServiceTags: svc.Tags,
    ServiceMeta: svc.Meta,
    ServiceWeights: svc.Weights,
    ServiceEnableTagOverride: false,
  };
}

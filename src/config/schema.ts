/**
 * The config document: routes, pools, origins and monitors (DESIGN.md, "The config
 * document"). This file assembles the parts, each with its shape and defaults in a file
 * of its own (`fields.ts`, `origin-schema.ts`, `monitor-schema.ts`, `pool-schema.ts`,
 * `route-schema.ts`); checks that span parts (every pool names existing origins, …) live
 * in `validate.ts`.
 *
 * Defaults, and the system each one follows:
 * - origin `weight` 1, share = weight ÷ sum (Cloudflare Load Balancing endpoints).
 * - monitor `timeoutMs` 5000, `intervalSeconds` 60, `expectedCodes` "2xx",
 *   thresholds 2/2 (Cloudflare monitors: 60 s, 5 s, consecutive up/down).
 * - pool `minHealthy` 1 (Cloudflare `minimum_origins`).
 * - route `timeoutMs` 15000 (Envoy's route timeout), one retry on the next origin for
 *   connect failures, timeouts and 502/503/504 on idempotent methods (Envoy's
 *   `connect-failure,reset,gateway-error` retry_on, which Cloudflare's adaptive routing
 *   narrows to connection errors; Edgeway also retries 503 because a proxy that
 *   retries on the next origin hides a draining origin from the client).
 */
import { z } from "zod";
import { MonitorSchema } from "./monitor-schema.ts";
import { OriginSchema } from "./origin-schema.ts";
import { type HashKeySchema, type LoadAwareSchema, type OutlierDetectionSchema, PoolSchema } from "./pool-schema.ts";
import { type AffinitySchema, type HedgeSchema, type RetriesSchema, type RetryOnSchema, RouteSchema } from "./route-schema.ts";
import type { POOL_STEERING } from "./pool-schema.ts";
import type { ROUTE_STEERING } from "./route-schema.ts";

export { HostName, Id, Latitude, Longitude, OriginUrl, REGION_NAME_MAX } from "./fields.ts";
export { MonitorSchema } from "./monitor-schema.ts";
export { OriginSchema } from "./origin-schema.ts";
export { GlobalQuorumSchema, HashKeySchema, LoadAwareSchema, OutlierDetectionSchema, POOL_STEERING, PoolSchema } from "./pool-schema.ts";
export {
  AffinitySchema,
  DEFAULT_RETRY_ON,
  HedgeSchema,
  IDEMPOTENT_METHODS,
  RetriesSchema,
  RetryOnSchema,
  ROUTE_STEERING,
  RouteSchema,
} from "./route-schema.ts";

export const ConfigSchema = z
  .strictObject({
    origins: z
      .array(OriginSchema)
      .describe("The origins: every endpoint a pool may send requests to (a pool may also take origins from DNS)."),
    monitors: z.array(MonitorSchema).default([]).describe("The health monitors pools name."),
    pools: z
      .array(PoolSchema)
      .describe("The pools: sets of origins, each with its own steering and health (none when every route answers itself)."),
    routes: z
      .array(RouteSchema)
      .min(1, "at least one route is needed")
      .describe("The routes: which requests Edgeway proxies, and to which pools."),
  })
  .describe(
    "An Edgeway config document: the origins, the monitors that probe them, the pools that group them and the routes that send requests to pools.",
  );

/** The document after defaults are filled in. */
export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type Origin = z.output<typeof OriginSchema>;
export type Monitor = z.output<typeof MonitorSchema>;
export type Pool = z.output<typeof PoolSchema>;
export type Route = z.output<typeof RouteSchema>;
export type PoolSteeringName = (typeof POOL_STEERING)[number];
export type RouteSteeringName = (typeof ROUTE_STEERING)[number];
export type RetryOn = z.output<typeof RetryOnSchema>;
export type Retries = z.output<typeof RetriesSchema>;
export type Hedge = z.output<typeof HedgeSchema>;
export type OutlierDetection = z.output<typeof OutlierDetectionSchema>;
export type HashKey = z.output<typeof HashKeySchema>;
export type LoadAware = z.output<typeof LoadAwareSchema>;
export type Affinity = z.output<typeof AffinitySchema>;
export type { RegistrationPolicy } from "./registration-schema.ts";

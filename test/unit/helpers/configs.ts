/**
 * Builders for small valid config documents, and the shortcuts tests need around them
 * (validate-or-throw, compile, health views). Every builder returns a fresh object, so a
 * test may mutate what it gets without touching another test's config.
 */
import { readFileSync } from "node:fs";
import type { CompiledConfig, CompiledPool, CompiledRoute } from "../../../src/config/compile.ts";
import { compileConfig } from "../../../src/config/compile.ts";
import type { Config, ConfigInput } from "../../../src/config/schema.ts";
import { validateConfig } from "../../../src/config/validate.ts";
import type { HealthView } from "../../../src/steering/select.ts";

export type OriginInput = ConfigInput["origins"][number];
export type PoolInput = ConfigInput["pools"][number];
export type RouteInput = ConfigInput["routes"][number];
export type MonitorInput = NonNullable<ConfigInput["monitors"]>[number];

const EXAMPLE_PATH = new URL("../../../examples/multi-cloud.json", import.meta.url);

/** The text of examples/multi-cloud.json, exactly as the repo ships it. */
export function multiCloudText(): string {
  return readFileSync(EXAMPLE_PATH, "utf8");
}

/** A fresh parse of examples/multi-cloud.json. */
export function multiCloud(): ConfigInput {
  return JSON.parse(multiCloudText()) as ConfigInput;
}

/** The item at `index`, or a thrown error naming what is missing (keeps tests free of `!`). */
export function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new Error(`no item at index ${index} (length ${items.length})`);
  return item;
}

/** `n` origins `<prefix>0`…, on distinct local ports, with `extra(i)` merged into each. */
export function makeOrigins(n: number, prefix = "o", extra: (i: number) => Partial<OriginInput> = () => ({})): OriginInput[] {
  return Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, url: `http://127.0.0.1:${10_000 + i}`, ...extra(i) }));
}

/** A pool over the given origin ids. */
export function makePool(id: string, origins: readonly string[], extra: Partial<PoolInput> = {}): PoolInput {
  return { id, origins: [...origins], ...extra };
}

/** A catch-all route over the given pools. */
export function makeRoute(id: string, pools: readonly string[], extra: Partial<RouteInput> = {}): RouteInput {
  return { id, match: { host: "*", pathPrefix: "/" }, pools: [...pools], ...extra };
}

export interface SinglePoolOptions {
  readonly origins?: number;
  readonly origin?: (i: number) => Partial<OriginInput>;
  readonly pool?: Partial<PoolInput>;
  readonly route?: Partial<RouteInput>;
}

/** One route over one pool "p" of origins o0…o(n-1). */
export function singlePool(options: SinglePoolOptions = {}): ConfigInput {
  const origins = makeOrigins(options.origins ?? 3, "o", options.origin);
  return {
    origins,
    pools: [
      makePool(
        "p",
        origins.map((o) => o.id),
        options.pool,
      ),
    ],
    routes: [makeRoute("r", ["p"], options.route)],
  };
}

/**
 * Pools named by `spec` (pool id → origin count), origins `<pool>-<i>`, one catch-all
 * route "r" over the pools in the order given.
 */
export function multiPool(spec: Readonly<Record<string, number>>, route: Partial<RouteInput> = {}): ConfigInput {
  const origins: OriginInput[] = [];
  const pools: PoolInput[] = [];
  let port = 20_000;
  for (const [poolId, count] of Object.entries(spec)) {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${poolId}-${i}`;
      origins.push({ id, url: `http://127.0.0.1:${port++}` });
      ids.push(id);
    }
    pools.push(makePool(poolId, ids));
  }
  return { origins, pools, routes: [makeRoute("r", Object.keys(spec), route)] };
}

/** Validates, throwing with every issue when the document is rejected. */
export function validOrThrow(input: unknown): Config {
  const result = validateConfig(input);
  if (!result.ok) throw new Error(`config rejected: ${result.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  return result.config;
}

/** Validates and compiles. */
export function compile(input: unknown, version = 1): CompiledConfig {
  return compileConfig(validOrThrow(input), version);
}

/** The compiled route with this id. */
export function routeOf(config: CompiledConfig, id = "r"): CompiledRoute {
  const route = config.routes.find((r) => r.id === id);
  if (route === undefined) throw new Error(`no route "${id}"`);
  return route;
}

/** The compiled pool with this id. */
export function poolOf(config: CompiledConfig, id: string): CompiledPool {
  const pool = config.pools.get(id);
  if (pool === undefined) throw new Error(`no pool "${id}"`);
  return pool;
}

/** Every origin healthy except the ones named. */
export function healthyExcept(...down: string[]): HealthView {
  const set = new Set(down);
  return { isHealthy: (id) => !set.has(id) };
}

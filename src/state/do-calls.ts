/**
 * Counts every call this isolate makes to a Durable Object, by method and outcome, with
 * its duration (`edgeway_do_calls_total{method,outcome}`,
 * `edgeway_do_call_duration_seconds{method}`), so an operator sees the object's load
 * from the edge side. The object itself cannot count its callers' isolates or colos;
 * summing these over isolates gives the load the object sees. A call a caller gave up on
 * (withDeadline) is still counted when it ends, with its real duration.
 */
import { isolate } from "../isolate.ts";

const CALLS_HELP = "Calls from this isolate to a Durable Object, by RPC method and outcome (ok, error).";
const DURATION_HELP = "Duration of calls from this isolate to a Durable Object, by RPC method.";
/** From a call inside the colo's data centre to one across the world, and a slow one. */
export const DO_CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10] as const;

/** Records one call. */
export function countDoCall(method: string, outcome: "ok" | "error", seconds: number): void {
  isolate.metrics.inc("edgeway_do_calls_total", CALLS_HELP, { method, outcome });
  isolate.metrics.histogram("edgeway_do_call_duration_seconds", DURATION_HELP, DO_CALL_BUCKETS).series({ method }).observe(seconds);
}

/** Runs one Durable Object call and counts it. */
export async function countedCall<T>(method: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await call();
    countDoCall(method, "ok", (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    countDoCall(method, "error", (performance.now() - started) / 1000);
    throw error;
  }
}

/** Properties of a stub that are not RPC calls. */
const NOT_CALLS = new Set<PropertyKey>(["id", "name", "then", "constructor", "toJSON"]);

/**
 * The stub with every RPC method call counted. Results are awaited (no promise
 * pipelining through the counted stub; nothing in Edgeway pipelines).
 */
export function countedStub<T extends Rpc.DurableObjectBranded | undefined>(stub: DurableObjectStub<T>): DurableObjectStub<T> {
  return new Proxy(stub, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== "string" || NOT_CALLS.has(prop) || typeof value !== "function") return value;
      return (...args: unknown[]) => countedCall(prop, () => Promise.resolve(Reflect.apply(value, target, args) as unknown));
    },
  });
}

/** Which failed tries a route retries (`retries.on`, `retries.methods`), read once per compiled route. */
import type { CompiledRoute } from "../../config/compile.ts";
import type { TryResult } from "../try-origin.ts";

/** A route's `retries` settings in the shape a try is checked against, built once per compiled route. */
export interface RetryPolicy {
  readonly onConnectFailure: boolean;
  readonly onTimeout: boolean;
  /** Indexed by status code: 1 when `on` lists the code or its class. */
  readonly onStatus: Uint8Array;
  readonly methods: ReadonlySet<string>;
}

const policies = new WeakMap<CompiledRoute, RetryPolicy>();

/** The route's retry policy, built on first use and kept with the compiled route. */
export function retryPolicy(route: CompiledRoute): RetryPolicy {
  let policy = policies.get(route);
  if (policy === undefined) {
    const { on, methods } = route.source.retries;
    const onStatus = new Uint8Array(600);
    for (const condition of on) {
      if (condition.endsWith("xx")) {
        const first = Number(condition[0]) * 100;
        onStatus.fill(1, first, first + 100);
      } else if (/^\d{3}$/.test(condition)) {
        onStatus[Number(condition)] = 1;
      }
    }
    policy = { onConnectFailure: on.includes("connect-failure"), onTimeout: on.includes("timeout"), onStatus, methods: new Set(methods) };
    policies.set(route, policy);
  }
  return policy;
}

/** Whether the policy retries a try that ended this way (a cancelled try never is). */
export function isRetryable(policy: RetryPolicy, result: TryResult): boolean {
  switch (result.kind) {
    case "response":
      return policy.onStatus[result.status] === 1;
    case "connect-failure":
      return policy.onConnectFailure;
    case "timeout":
      return policy.onTimeout;
    case "cancelled":
      return false;
  }
}

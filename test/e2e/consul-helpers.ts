/** Calls to the Consul-compatible surface for the end-to-end tests: the worker with EDGEWAY_CONSUL_API on (or off). */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index.ts";
import { proxied } from "../worker/helpers.ts";

/** A scoped registration token for pool "svc" (and the REGISTER_TOKENS binding holding it). */
export const CONSUL_TOKEN = "consul-token-0123456789";
export const OTHER_TOKEN = "other-token-0123456789ab";
export const CONSUL_BINDINGS = {
  EDGEWAY_CONSUL_API: "true",
  REGISTER_TOKENS: JSON.stringify({
    "billing-svc": { token: CONSUL_TOKEN, pools: ["svc"] },
    "other-svc": { token: OTHER_TOKEN, pools: ["svc"] },
  }),
};

/** A Consul API call: `token` as X-Consul-Token, the Consul surface on unless `bindings` say otherwise. */
export async function consulCall(
  method: string,
  path: string,
  opts: { body?: string | object; token?: string; bindings?: Record<string, unknown> } = {},
): Promise<{ status: number; text: string; json: () => unknown }> {
  const headers = new Headers();
  if (opts.token !== undefined) headers.set("x-consul-token", opts.token);
  const body = opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://app.test${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
    { ...env, ...CONSUL_BINDINGS, ...opts.bindings },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}

/** Sends n proxied requests to /consul; counts them by serving origin (a non-200 by its status). */
export async function servedBy(n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await proxied("/consul");
    await res.arrayBuffer();
    const id = res.status === 200 ? (res.headers.get("x-edgeway-origin") ?? "none") : `status ${res.status}`;
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** Polls `check` every 250 ms, at most `ms`; returns its last value. */
export async function until<T>(ms: number, probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    value = await probe();
  }
  return value;
}

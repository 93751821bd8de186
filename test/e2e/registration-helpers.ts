/** Registration calls for the end-to-end tests: with the admin token, or with another token and extra bindings. */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import worker from "../../src/index.ts";
import { admin } from "../worker/helpers.ts";

export const SECRET_HEADER = "x-edgeway-registration-secret";

/** A registration answer or refusal, as JSON. */
export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown> & { code?: string; error?: string; rule?: string; secret?: string; result?: string };
  readonly headers: Headers;
}

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Answer["body"], headers: res.headers };
}

/** Calls the admin API with `token` and the test bindings plus `bindings`. */
export async function callAs(
  token: string,
  path: string,
  init: RequestInit = {},
  bindings: Record<string, unknown> = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`http://edgeway.test/_edgeway${path}`, { ...init, headers }), { ...env, ...bindings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** POST /register with the admin token (and the registration secret, when given). */
export async function register(body: unknown, secret?: string): Promise<Answer> {
  return answer(
    await admin("/register", {
      method: "POST",
      body: JSON.stringify(body),
      headers: secret === undefined ? {} : { [SECRET_HEADER]: secret },
    }),
  );
}

/** POST /register with another token and bindings. */
export async function registerAs(token: string, bindings: Record<string, unknown>, body: unknown, secret?: string): Promise<Answer> {
  return answer(
    await callAs(
      token,
      "/register",
      { method: "POST", body: JSON.stringify(body), headers: secret === undefined ? {} : { [SECRET_HEADER]: secret } },
      bindings,
    ),
  );
}

/** Ids of the registrations held, in order. */
export async function registeredIds(): Promise<string[]> {
  const listed = (await (await admin("/register?limit=1000")).json()) as { registrations: { id: string }[] };
  return listed.registrations.map((r) => r.id);
}

/** Removes every registration with the admin token. */
export async function removeAll(): Promise<void> {
  for (const id of await registeredIds()) await (await admin(`/register/${id}`, { method: "DELETE" })).arrayBuffer();
}

/** REGISTER_TOKENS as the secret would hold it. */
export function tokens(map: Record<string, { token: string; pools: string[]; ratePerMinute?: number }>): { REGISTER_TOKENS: string } {
  return { REGISTER_TOKENS: JSON.stringify(map) };
}

/** A pool's registration policy admitting the test origins on 127.0.0.1. */
export const LOCAL_POLICY = { addresses: ["127.0.0.1/32"], schemes: ["http"] };

/**
 * Lets Node load the worker's modules for a benchmark: `cloudflare:workers` and
 * `cloudflare:sockets` exist only in workerd, so they resolve here to stand-ins (a
 * DurableObject base class, a connect that throws). Nothing the stage benchmark runs
 * touches them; they are imported by the Durable Object and TCP probe modules the request
 * path's modules import.
 */
import { register } from "node:module";

const STUBS: Record<string, string> = {
  "cloudflare:workers": "export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }",
  "cloudflare:sockets": 'export function connect() { throw new Error("cloudflare:sockets is not available in Node"); }',
};

const hooks = `
const STUBS = ${JSON.stringify(STUBS)};
export async function resolve(specifier, context, next) {
  if (specifier in STUBS) return { url: "data:text/javascript," + encodeURIComponent(STUBS[specifier]), shortCircuit: true };
  return next(specifier, context);
}`;

/** Registers the stand-ins; call before importing any worker module. */
export function registerWorkersStub(): void {
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

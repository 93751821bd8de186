/**
 * `--registrations N`: fills the `weighted` pool with N registered origins before the runs,
 * through the registration API as services would (POST /_edgeway/register, the admin token,
 * which no rate limit applies to), so the runs measure the request path with that many
 * registrations in the snapshot and in the pool being steered. Registration i points at
 * origin server i mod servers, with a TTL longer than the run so none expires under load.
 */
import { auth } from "./edgeway.ts";

const PARALLEL = 16;
const TTL_SECONDS = 3_600;

/** Registers `count` origins; resolves with how long it took, throws with Edgeway's answer on any refusal. */
export async function registerOrigins(base: URL, token: string, count: number, servers: readonly string[]): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) {
      const response = await fetch(new URL("/_edgeway/register", base), {
        method: "POST",
        headers: { ...auth(token), "content-type": "application/json" },
        body: JSON.stringify({
          id: `reg-${i}`,
          url: servers[i % servers.length],
          pool: "weighted",
          ttlSeconds: TTL_SECONDS,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      if (response.status !== 201) throw new Error(`registering reg-${i} answered ${response.status}: ${text.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, count) }, worker));
  return (performance.now() - started) / 1000;
}

/**
 * Waits (at most 10 s: the registrations reach the data plane with its next snapshot) until
 * registered origins answer `path`; resolves with their share of 50 requests, throws if none did.
 */
export async function registeredShare(base: URL, path: string): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let registered = 0;
    for (let i = 0; i < 50; i++) {
      const response = await fetch(new URL(path, base), { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (response.headers.get("x-edgeway-origin")?.startsWith("reg-") === true) registered++;
    }
    if (registered > 0) return registered / 50;
    if (Date.now() > deadline) throw new Error(`no registered origin answered ${path} within 10 s of registering`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

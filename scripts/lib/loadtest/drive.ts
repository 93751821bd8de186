/**
 * One load run with autocannon on loopback: fixed connections, closed loop (each sends
 * its next request when the last is answered), bounded by duration, stops by itself. Latency percentiles come from every response's own duration
 * (autocannon's `response` event carries it from process.hrtime, in fractional ms), so
 * they have microsecond resolution; autocannon's own histogram counts whole ms.
 */
import autocannon from "autocannon";

export interface RequestVariant {
  readonly path: string;
  readonly headers?: Record<string, string>;
}

export interface DriveOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSec: number;
  /** Cycled through by every connection (prebuilt, so varying requests cost the driver nothing). */
  readonly variants?: readonly RequestVariant[];
  /** Per-request timeout, s. */
  readonly timeoutSec?: number;
  /** Every response, with its status and duration in ms. */
  readonly onResponse?: (status: number, ms: number) => void;
  /** Every socket error or timeout. */
  readonly onError?: (error: Error) => void;
}

export interface DriveResult {
  readonly durationSec: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** 2xx responses per second. */
  readonly rps: number;
  readonly latencyMs: { readonly p50: number; readonly p90: number; readonly p99: number; readonly mean: number; readonly max: number };
  /** autocannon's own whole-ms percentiles, for comparison. */
  readonly autocannonLatencyMs: { readonly p50: number; readonly p90: number; readonly p99: number };
}

/** Percentile of sorted values, nearest rank. */
export function percentile(sorted: Float64Array | readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

let current: autocannon.Instance | undefined;

/** Stops the run in progress, if any (on SIGINT). */
export function stopDriving(): void {
  current?.stop();
}

export function drive(options: DriveOptions): Promise<DriveResult> {
  let samples = new Float64Array(1 << 16);
  let n = 0;
  const variants = options.variants ?? [{ path: "/" }];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSec,
        timeout: options.timeoutSec ?? 10,
        requests: variants.map((v) => ({ method: "GET" as const, path: v.path, headers: { ...v.headers } })),
      },
      (error: unknown, result: autocannon.Result) => {
        current = undefined;
        if (error !== null && error !== undefined) return reject(error instanceof Error ? error : new Error(String(error)));
        const sorted = samples.subarray(0, n).sort();
        let sum = 0;
        for (let i = 0; i < n; i++) sum += sorted[i] ?? 0;
        const ok = result["2xx"];
        resolve({
          durationSec: result.duration,
          ok,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          rps: ok / result.duration,
          latencyMs: {
            p50: percentile(sorted, 50),
            p90: percentile(sorted, 90),
            p99: percentile(sorted, 99),
            mean: n === 0 ? Number.NaN : sum / n,
            max: n === 0 ? Number.NaN : (sorted[n - 1] ?? Number.NaN),
          },
          autocannonLatencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
        });
      },
    );
    current = instance;
    instance.on("response", (_client, status, _bytes, ms) => {
      // Latency of good answers only, as autocannon counts it.
      if (status >= 200 && status < 300) {
        if (n === samples.length) {
          const grown = new Float64Array(samples.length * 2);
          grown.set(samples);
          samples = grown;
        }
        samples[n++] = ms;
      }
      options.onResponse?.(status, ms);
    });
    if (options.onError !== undefined) {
      const onError = options.onError;
      instance.on("reqError", (error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
    }
  });
}

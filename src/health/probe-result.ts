/** One probe's result, as stored in the origin's history. */
export interface ProbeResult {
  readonly originId: string;
  readonly monitorId: string;
  readonly ok: boolean;
  readonly at: number;
  readonly latencyMs: number;
  readonly status?: number | undefined;
  readonly reason: string;
  /** The probe region it left from; absent for probes from wherever the cron trigger or alarm ran. */
  readonly region?: string | undefined;
}

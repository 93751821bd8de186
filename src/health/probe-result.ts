/** One probe's result, as stored in the origin's history. */
export interface ProbeResult {
  readonly originId: string;
  readonly monitorId: string;
  readonly ok: boolean;
  readonly at: number;
  readonly latencyMs: number;
  readonly status?: number | undefined;
  readonly reason: string;
}

/** The status page's props: one row per origin in one pool, the pools, and the page around them. */
import type { OriginOverrides } from "../../config/overrides.ts";
import type { Transition } from "../../health/state-machine.ts";
import type { TrafficBucket } from "../../state/ejection-store.ts";
import type { HistoryEntry } from "../../state/health-store.ts";

/** One origin in one pool, as the page shows it. */
export interface OriginRow {
  readonly id: string;
  readonly url: string;
  readonly region?: string | undefined;
  /** Set for a self-registered origin. */
  readonly registered?: { readonly lastHeartbeat: number; readonly ttlSeconds: number } | undefined;
  /** The health steering uses: what probes (or heartbeats) say, or what an operator forced. */
  readonly healthy: boolean;
  readonly reason: string;
  readonly since: number | null;
  readonly lastProbeAt: number | null;
  /** For an origin probed from regions: each region's latest verdict (null: no result yet) and the quorum. */
  readonly probeRegions?:
    | { readonly regionQuorum: number; readonly regions: readonly { readonly region: string; readonly healthy: boolean | null }[] }
    | undefined;
  readonly ejection?: { readonly until: number; readonly reason: string; readonly kind: string } | undefined;
  readonly overrides: OriginOverrides;
  readonly configuredWeight: number;
  readonly configuredEnabled: boolean;
  /** The weight steering uses (0 when disabled or drained). */
  readonly effectiveWeight: number;
  /** Newest first or in any order: the charts sort. */
  readonly history: readonly HistoryEntry[];
  readonly traffic: readonly TrafficBucket[];
  /** Newest first. */
  readonly transitions: readonly Transition[];
}

/** One pool and its origins. */
export interface PoolSection {
  readonly id: string;
  readonly steering: string;
  readonly monitor: string | undefined;
  readonly minHealthy: number;
  readonly origins: readonly OriginRow[];
}

/** Everything the page shows; the time is a prop, so the page reads no clock. */
export interface StatusPageProps {
  readonly now: number;
  /** The config in force, or undefined when none was ever stored. */
  readonly config: { readonly version: number; readonly storedAt: string } | undefined;
  /** Where health came from: the Durable Object, or this isolate's snapshot because it could not be reached. */
  readonly source: "durable_object" | "isolate_snapshot";
  /** Why the Durable Object could not be reached. */
  readonly error?: string | undefined;
  /** When this isolate's snapshot was generated (shown with the fallback note). */
  readonly snapshotAt?: number | undefined;
  readonly pools: readonly PoolSection[];
  /** Origins known but in no pool of the config in force (a registration whose pool went away, an unused origin). */
  readonly unpooled: readonly OriginRow[];
  /** Seconds between automatic reloads; 0 turns them off. */
  readonly refreshSeconds: number;
  /** The length of one traffic bucket, so a missing bucket shows as a gap. */
  readonly trafficBucketMs: number;
}

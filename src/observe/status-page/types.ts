/** The status page's props: one row per origin in one pool, the pools, and the page around them. */
import type { OriginOverrides } from "../../config/overrides.ts";
import type { LiveWeight } from "../../steering/load-weights.ts";
import type { Transition } from "../../health/state-machine.ts";
import type { TrafficBucket } from "../../state/ejection-store.ts";
import type { HistoryEntry } from "../../state/health-store.ts";
import type { RolloutStatus } from "../../rollout/types.ts";

/** One origin in one pool, as the page shows it. */
export interface OriginRow {
  readonly id: string;
  readonly url: string;
  readonly region?: string | undefined;
  /** Set for a self-registered origin: its heartbeat, the token that registered it and the policy pattern that admitted it. */
  readonly registered?:
    | {
        readonly lastHeartbeat: number;
        readonly ttlSeconds: number;
        readonly registrant?: string | undefined;
        readonly matched?: string | undefined;
      }
    | undefined;
  /** Set for an origin discovered through DNS: its source (dns:<name>), state and address. */
  readonly discovered?: { readonly source: string; readonly state: string; readonly since: number } | undefined;
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
  /** Colos whose outlier detection ejects the origin now (passive health is per colo), earliest first. */
  readonly colos?: readonly ColoEjectionRow[] | undefined;
  /** The global quorum's verdict: how many colos eject it of how many use it, and how many it takes to eject it everywhere. */
  readonly quorum?: { readonly ejected: boolean; readonly failing: number; readonly voters: number; readonly needed: number } | undefined;
  readonly overrides: OriginOverrides;
  readonly configuredWeight: number;
  readonly configuredEnabled: boolean;
  /** The weight steering uses (0 when disabled or drained). */
  readonly effectiveWeight: number;
  /** In a load-aware pool: the weight its load reports give, or its configured one on that scale and why. */
  readonly liveWeight?: LiveWeight | undefined;
  /** Newest first or in any order: the charts sort. */
  readonly history: readonly HistoryEntry[];
  readonly traffic: readonly TrafficBucket[];
  /** Newest first. */
  readonly transitions: readonly Transition[];
}

/** One colo's ejection of an origin: since when, until when, why. */
export interface ColoEjectionRow {
  readonly colo: string;
  readonly since: number;
  readonly until: number;
  readonly reason: string;
}

/** One pool and its origins. */
export interface PoolSection {
  readonly id: string;
  readonly steering: string;
  readonly monitor: string | undefined;
  readonly minHealthy: number;
  readonly origins: readonly OriginRow[];
  /** Registered origins of the pool left out of `origins` (the page lists a bounded number), and how many of them are available. */
  readonly moreRegistered?: { readonly count: number; readonly available: number } | undefined;
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
  /** Rollouts the Durable Object keeps (a panel each for those in progress and the newest ended ones). */
  readonly rollouts?: readonly RolloutStatus[] | undefined;
}

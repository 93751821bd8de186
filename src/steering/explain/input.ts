/**
 * What `/explain` is given: the request as the data plane would receive it, the health
 * steering reads with the facts behind it, the caller's copy of the signals and a random
 * source.
 */
import type { CompiledConfig } from "../../config/compile.ts";
import type { OverrideKind } from "../../config/overrides.ts";
import type { ClientInfo } from "../../routing/client.ts";
import type { OriginStatus } from "../../health/snapshot.ts";
import type { Ejection } from "../../health/outlier.ts";
import type { HealthView } from "../select.ts";
import type { RandomSource, SteeringSignals } from "../types.ts";

/** A client field steering reads, as `/explain` can be told it. */
export type ClientField = "ip" | "country" | "continent" | "colo" | "lat" | "lon";

/** The request to explain, as the data plane would receive it. */
export interface ExplainRequest {
  readonly url: URL;
  readonly method: string;
  /** Its headers; cookies in `cookie`, as a browser sends them. */
  readonly headers: Headers;
  readonly client: ClientInfo;
  /** Where each known client field came from (a query parameter, request.cf, …). */
  readonly clientSources: Partial<Record<ClientField, string>>;
}

/** One operator override of an origin (drained/disabled, weight, forced health), as the snapshot carries it. */
export interface OverrideFact {
  readonly kind: OverrideKind;
  readonly value: string | number;
  readonly reason: string;
  readonly actor: string;
  readonly at: number;
}

/** What is known of one origin's health. */
export interface OriginHealthFacts {
  /** The snapshot's health (probes, heartbeats, or a forced state); undefined when it does not know the origin (counted healthy). */
  readonly status: OriginStatus | undefined;
  /** An outlier ejection in force. */
  readonly ejection: Ejection | undefined;
  readonly overrides: OverrideFact[];
  /** "config", "registration" or "dns:<name>" (a discovered origin). */
  readonly source: string;
}

/** Where the health snapshot came from. */
export interface HealthSource {
  readonly source: "isolate" | "durable_object" | "none";
  readonly generatedAt: number | null;
}

/** Health as steering reads it, and the facts behind it. */
export interface ExplainHealth {
  /** Probe health and ejections: what steering reads. */
  readonly view: HealthView;
  /** Probe health alone: what steering reads when ejections would leave nothing (the ejection-override valve). */
  readonly probeOnly: HealthView;
  readonly anyEjected: boolean;
  readonly source: HealthSource;
  origin(id: string): OriginHealthFacts;
}

/** Everything `explain` reads. */
export interface ExplainInput {
  /** The config steering uses (the stored document plus registrations and overrides). */
  readonly config: CompiledConfig;
  /** The stored document's compiled config, for configured weights; `config` when omitted. */
  readonly configured?: CompiledConfig | undefined;
  readonly request: ExplainRequest;
  readonly health: ExplainHealth;
  /** A copy of the isolate's signals: explaining reads them, never records. */
  readonly signals: SteeringSignals;
  readonly random: RandomSource;
  readonly now: number;
  /** Checks an affinity cookie value for a route: the origin it pins, or undefined. Absent when no key signs cookies. */
  readonly verifyCookie?: ((routeId: string, value: string) => Promise<string | undefined>) | undefined;
}

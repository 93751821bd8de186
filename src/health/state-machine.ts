/**
 * The health state of one origin, driven by probe results. An origin turns unhealthy
 * after `unhealthyThreshold` consecutive failures and healthy again after
 * `healthyThreshold` consecutive successes (Cloudflare's consecutive_down/up, Envoy's
 * unhealthy/healthy_threshold). A new origin starts healthy: Edgeway fails open
 * (DESIGN.md principle 3) and in-request retries cover an origin that is in fact down.
 */

export interface OriginHealth {
  readonly healthy: boolean;
  readonly consecutiveSuccesses: number;
  readonly consecutiveFailures: number;
  /** When `healthy` last changed (or the state was created), ms since the epoch. */
  readonly since: number;
  /** Why the origin is in this state. */
  readonly reason: string;
}

export interface ProbeOutcome {
  readonly ok: boolean;
  readonly at: number;
  /** "HTTP 200", "HTTP 503 (expected 2xx)", "timeout after 2000 ms", … */
  readonly reason: string;
}

export interface Thresholds {
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface Transition {
  readonly from: "healthy" | "unhealthy";
  readonly to: "healthy" | "unhealthy";
  readonly at: number;
  readonly reason: string;
}

/** The state of an origin no probe has reached yet. */
export function initialHealth(now: number): OriginHealth {
  return { healthy: true, consecutiveSuccesses: 0, consecutiveFailures: 0, since: now, reason: "not probed yet" };
}

/** Applies one probe result; returns the new state and the transition it caused, if any. */
export function applyProbe(
  state: OriginHealth,
  probe: ProbeOutcome,
  thresholds: Thresholds,
): { state: OriginHealth; transition?: Transition } {
  const consecutiveSuccesses = probe.ok ? state.consecutiveSuccesses + 1 : 0;
  const consecutiveFailures = probe.ok ? 0 : state.consecutiveFailures + 1;
  if (!state.healthy && probe.ok && consecutiveSuccesses >= thresholds.healthyThreshold) {
    const reason = `${consecutiveSuccesses} consecutive probe(s) passed (${probe.reason})`;
    return {
      state: { healthy: true, consecutiveSuccesses, consecutiveFailures, since: probe.at, reason },
      transition: { from: "unhealthy", to: "healthy", at: probe.at, reason },
    };
  }
  if (state.healthy && !probe.ok && consecutiveFailures >= thresholds.unhealthyThreshold) {
    const reason = `${consecutiveFailures} consecutive probe(s) failed (last: ${probe.reason})`;
    return {
      state: { healthy: false, consecutiveSuccesses, consecutiveFailures, since: probe.at, reason },
      transition: { from: "healthy", to: "unhealthy", at: probe.at, reason },
    };
  }
  return {
    state: {
      ...state,
      consecutiveSuccesses,
      consecutiveFailures,
      reason: steadyReason(state.healthy, probe, consecutiveSuccesses, consecutiveFailures, thresholds),
    },
  };
}

/** Why an origin stays as it is after a probe that did not move it (`since` does not change). */
function steadyReason(healthy: boolean, probe: ProbeOutcome, successes: number, failures: number, t: Thresholds): string {
  if (healthy)
    return probe.ok
      ? `probe passed (${probe.reason})`
      : `probe failed, ${failures} of ${t.unhealthyThreshold} before unhealthy (${probe.reason})`;
  return probe.ok
    ? `probe passed, ${successes} of ${t.healthyThreshold} before healthy (${probe.reason})`
    : `${failures} consecutive probe(s) failed (last: ${probe.reason})`;
}

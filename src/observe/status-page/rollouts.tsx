/**
 * The status page's rollout panels (docs/rollouts.md, "What you see"): one per rollout in
 * progress or paused, and the newest few that ended — its steps with the current one
 * marked, the weight the target has now, its state and why, when the next verdict is due,
 * and each interval's verdict with the figures it was judged on, naming the colo when a
 * colo failed the analysis.
 */
import type { Figures, HistoryEntry, RolloutStatus } from "../../rollout/types.ts";
import { When } from "./time.tsx";

/** Ended rollouts shown below those in progress. */
export const ENDED_SHOWN = 3;
/** Intervals listed per rollout (newest first). */
export const HISTORY_SHOWN = 12;

const ENDED = new Set(["promoted", "rolled_back", "aborted"]);

/** Rollouts in progress or paused, then the newest ENDED_SHOWN ended ones. */
export function shownRollouts(rollouts: readonly RolloutStatus[]): RolloutStatus[] {
  const newestFirst = [...rollouts].sort((a, b) => b.spec.createdAt - a.spec.createdAt);
  return [...newestFirst.filter((r) => !ENDED.has(r.state)), ...newestFirst.filter((r) => ENDED.has(r.state)).slice(0, ENDED_SHOWN)];
}

const percent = (rate: number): string => `${(rate * 100).toFixed(rate > 0 && rate < 0.01 ? 2 : 1)} %`;
const ms = (v: number | undefined): string => (v === undefined ? "–" : `${v.toFixed(v < 10 ? 1 : 0)} ms`);

function Side({ requests, errorRate, latencyMs }: { requests: number; errorRate: number; latencyMs: number | undefined }) {
  return (
    <>
      {requests} req · {percent(errorRate)} failed · {ms(latencyMs)}
    </>
  );
}

function Entry({ entry, now }: { entry: HistoryEntry; now: number }) {
  const f: Figures | undefined = entry.figures;
  return (
    <tr class={`verdict-${entry.verdict}`}>
      <td>
        <When at={entry.at} now={now} brief />
      </td>
      <td>{entry.step === -1 ? "A/B" : entry.step + 1}</td>
      <td>{entry.weight} %</td>
      <td>
        <span class={`badge verdict ${entry.verdict}`}>{entry.verdict.replace("_", " ")}</span> → {entry.decision}
      </td>
      <td>{f === undefined ? "–" : <Side requests={f.targetRequests} errorRate={f.targetErrorRate} latencyMs={f.targetLatencyMs} />}</td>
      <td>{f === undefined ? "–" : <Side requests={f.stableRequests} errorRate={f.stableErrorRate} latencyMs={f.stableLatencyMs} />}</td>
      <td>
        {entry.colo === undefined ? "" : <b>{entry.colo}: </b>}
        {f?.failed ?? ""}
      </td>
    </tr>
  );
}

function Steps({ rollout }: { rollout: RolloutStatus }) {
  const { spec, step } = rollout;
  const stages = [
    ...(spec.abTest === undefined ? [] : [{ at: -1, label: "A/B" }]),
    ...spec.steps.map((w, i) => ({ at: i, label: `${w} %` })),
  ];
  return (
    <ol class="steps">
      {stages.map((s) => (
        <li class={s.at < step || rollout.state === "promoted" ? "done" : s.at === step && !ENDED.has(rollout.state) ? "current" : ""}>
          {s.label}
        </li>
      ))}
    </ol>
  );
}

/** One rollout's panel. */
export function RolloutPanel({ rollout, now }: { rollout: RolloutStatus; now: number }) {
  const { spec } = rollout;
  const next = rollout.state === "progressing" ? rollout.intervalStartedAt + spec.intervalSeconds * 1000 : undefined;
  return (
    <section class="pool rollout" id={`rollout-${rollout.id}`} data-rollout={rollout.id}>
      <h2>
        <span class={`badge rollout-${rollout.state}`}>{rollout.state.replace("_", " ")}</span> rollout <b>{rollout.id}</b>{" "}
        <small>
          route {rollout.route} → pool {rollout.to} · <b>{rollout.weight} %</b> to {rollout.to} · interval {spec.intervalSeconds} s
          {rollout.promotedVersion === undefined ? "" : ` · promoted as config v${rollout.promotedVersion}`}
        </small>
      </h2>
      <Steps rollout={rollout} />
      {rollout.reason !== undefined && <p class="sub">{rollout.reason}</p>}
      {next !== undefined && (
        <p class="sub">
          next verdict <When at={next} now={now} />
        </p>
      )}
      {rollout.history.length === 0 ? (
        <p class="sub">no interval judged yet</p>
      ) : (
        <table class="history">
          <thead>
            <tr>
              <th>when</th>
              <th>step</th>
              <th>weight</th>
              <th>verdict</th>
              <th>target</th>
              <th>stable</th>
              <th>colo · failed check</th>
            </tr>
          </thead>
          <tbody>
            {[...rollout.history]
              .reverse()
              .slice(0, HISTORY_SHOWN)
              .map((e) => (
                <Entry entry={e} now={now} />
              ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Every shown rollout's panel; nothing when there is none. */
export function Rollouts({ rollouts, now }: { rollouts: readonly RolloutStatus[]; now: number }) {
  return (
    <>
      {shownRollouts(rollouts).map((r) => (
        <RolloutPanel rollout={r} now={now} />
      ))}
    </>
  );
}

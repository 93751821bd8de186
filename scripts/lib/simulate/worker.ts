/** A worker thread of the simulator: runs the scenarios it is sent and posts back their outcomes. */
import { parentPort } from "node:worker_threads";
import { policiesNamed } from "./policies.ts";
import { simulateScenario } from "./run.ts";
import { scenariosNamed } from "./scenarios/index.ts";

/** One job: a scenario by name, the policies by name, the seed. */
export interface Job {
  readonly scenario: string;
  readonly policies: readonly string[];
  readonly seed: number;
}

parentPort?.on("message", (job: Job | null) => {
  if (job === null) {
    parentPort?.close();
    return;
  }
  const [scenario] = scenariosNamed([job.scenario]);
  if (scenario === undefined) throw new Error(`simulator worker: no scenario ${job.scenario}`);
  parentPort?.postMessage(simulateScenario(scenario, policiesNamed(job.policies), job.seed));
});

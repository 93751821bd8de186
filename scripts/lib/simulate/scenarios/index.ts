/** Every scenario, in the order the report lists them. Each lives in its own file. */
import type { Scenario } from "../types.ts";
import { brownout } from "./brownout.ts";
import { fastFail } from "./fast-fail.ts";
import { fastFailNoEjection } from "./fast-fail-no-ejection.ts";
import { flap } from "./flap.ts";
import { loadReports } from "./load-reports.ts";
import { newOrigin } from "./new-origin.ts";
import { overload } from "./overload.ts";
import { pathBreak } from "./path-break.ts";
import { slowdown } from "./slowdown.ts";
import { steady } from "./steady.ts";

export const SCENARIOS: readonly Scenario[] = [
  steady,
  slowdown,
  newOrigin,
  flap,
  fastFail,
  fastFailNoEjection,
  brownout,
  overload,
  pathBreak,
  loadReports,
];

/** The scenarios named (all when `names` is empty); throws for an unknown name. */
export function scenariosNamed(names: readonly string[]): readonly Scenario[] {
  if (names.length === 0) return SCENARIOS;
  return names.map((name) => {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (scenario === undefined) throw new Error(`unknown scenario "${name}"; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
    return scenario;
  });
}

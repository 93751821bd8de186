/**
 * One seed for every fast-check property in a run. Locally each run draws a new seed (fast-check
 * prints it on failure; `FUZZ_SEED=<seed> npm test` replays it); under CI the seed is fixed, so a
 * run of CI is repeatable and a newly found counterexample shows up in a local run first.
 */
import fc from "fast-check";
import { inject } from "vitest";

const seed = inject("propertySeed");
if (seed !== undefined) fc.configureGlobal({ seed });

declare module "vitest" {
  export interface ProvidedContext {
    propertySeed: number | undefined;
  }
}

import type { Scenario } from "../types.ts";
import { BASE_ORIGINS, RATE_PER_COLO } from "./base.ts";

export const newOrigin: Scenario = {
  name: "new-origin",
  title: "A new origin joins",
  story:
    "At 20 s gcp-usc1 (Council Bluffs, fast) joins the config; it is the best origin for ORD and DFW. A good policy puts it to use within 10 s.",
  durationS: 60,
  warmupS: 10,
  ratePerColo: RATE_PER_COLO,
  origins: [...BASE_ORIGINS, { id: "gcp-usc1", region: "gcp:us-central1", serviceMs: 12, capacity: 2_000, initial: { present: false } }],
  events: [{ at: 20, origin: "gcp-usc1", set: { present: true } }],
  marks: { join: { origin: "gcp-usc1", at: 20 } },
  targets: ["new-origin"],
};

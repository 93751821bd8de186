/**
 * A staged config change (docs/rollouts.md#staged-config-changes): a candidate config
 * version in force in a share of colos first, widened stage by stage, judged on the colos'
 * traffic like a rollout, then promoted (the `config` pointer moves to it) or rolled back.
 *
 * This file is pure: the record isolates read from KV (`config:staged`), the stages and
 * their defaults, and which colos a stage puts the candidate in force in. The choice is
 * deterministic, so every isolate of a colo serves the same version without talking to the
 * others: the first stage names its colos; every later stage adds the colos whose name
 * hashes under the stage's percent (FNV-1a, so a colo in at 10 % stays in at 50 %).
 */
import { z } from "zod";

export const STAGED_KEY = "config:staged";

/** One colo, then 10 % of colos, then all. */
export const DEFAULT_STAGES: readonly number[] = [1, 10, 100];
/** At most this many colos may be named for the first stage. */
export const MAX_FIRST_COLOS = 20;

/** What a staged change is doing. */
export type StagedState = "progressing" | "paused" | "promoted" | "rolled_back" | "aborted";

/** A colo code as the debug geo header and request.cf give it. */
const Colo = z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, "must be a colo code such as FRA");

/**
 * Stages: the first is a number of colos (named, or chosen by the Durable Object), every
 * later one a percent of all colos, rising, the last 100.
 */
export const StagesSchema = z
  .array(z.number().int().min(1).max(100))
  .min(2)
  .max(10)
  .superRefine((stages, ctx) => {
    if ((stages[0] as number) > MAX_FIRST_COLOS)
      ctx.addIssue({ code: "custom", message: `the first stage is a number of colos, at most ${MAX_FIRST_COLOS}`, path: [0] });
    for (let i = 2; i < stages.length; i++) {
      if ((stages[i] as number) <= (stages[i - 1] as number)) {
        ctx.addIssue({ code: "custom", message: "percents of colos must rise stage by stage, e.g. 1,10,50,100", path: [i] });
        return;
      }
    }
    if (stages[stages.length - 1] !== 100) ctx.addIssue({ code: "custom", message: "must end at 100 (every colo) before promotion" });
  });

/** The record under `config:staged`, read by isolates while the `config` envelope points at a candidate. */
export const StagedRecordSchema = z.object({
  /** The candidate version (stored under config:v:N). */
  version: z.number().int().positive(),
  /** The version in force everywhere else (the `config` pointer). */
  from: z.number().int().positive(),
  stages: z.array(z.number()),
  stage: z.number().int().min(0),
  /** The first stage's colos: in force from the first stage on. */
  colos: z.array(z.string()),
  /** Percent of colos (by hash) in force besides `colos`: 0 at the first stage. */
  share: z.number().min(0).max(100),
  startedAt: z.number(),
  state: z.enum(["progressing", "paused", "promoted", "rolled_back", "aborted"]),
});

export type StagedRecord = z.infer<typeof StagedRecordSchema>;

/** FNV-1a (32 bits) of the colo's upper-case name, as a point in [0, 100). */
export function coloPoint(colo: string): number {
  let hash = 0x811c9dc5;
  const name = colo.toUpperCase();
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % 10_000) / 100;
}

/** The percent of colos (by hash) stage `stage` adds to the named colos: none at the first stage. */
export function shareOf(stages: readonly number[], stage: number): number {
  return stage <= 0 ? 0 : (stages[stage] ?? 100);
}

/** Whether the candidate is in force in `colo` under the record. */
export function inForce(record: Pick<StagedRecord, "colos" | "share">, colo: string): boolean {
  if (record.share >= 100) return true;
  const upper = colo.toUpperCase();
  if (record.colos.some((c) => c.toUpperCase() === upper)) return true;
  return coloPoint(colo) < record.share;
}

/** Of `known` colos, those the record puts the candidate in force in (for the status and the logs). */
export function coloChoice(record: Pick<StagedRecord, "colos" | "share">, known: readonly string[]): string[] {
  const all = new Set([...record.colos, ...known.filter((c) => inForce(record, c))]);
  return [...all].sort();
}

/**
 * The first stage's colos when none are named: the `count` busiest of the colos that reported
 * traffic lately (the first verdict needs requests), ties by name.
 */
export function firstColos(traffic: ReadonlyMap<string, number>, count: number): string[] {
  return [...traffic]
    .filter(([, requests]) => requests > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, count)
    .map(([colo]) => colo);
}

/** `1,10,100` → [1, 10, 100]; undefined for anything else (the schema names the problem). */
export function parseStages(text: string): number[] | undefined {
  const parts = text.split(",").map((p) => p.trim());
  if (parts.some((p) => !/^\d{1,3}$/.test(p))) return undefined;
  return parts.map(Number);
}

/** The query of PUT /_edgeway/config?staged=true: stages, interval, the first stage's colos. */
export const StagedQuerySchema = z.object({
  staged: z.enum(["true", "false"]).optional(),
  stages: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return [...DEFAULT_STAGES];
      const stages = parseStages(text);
      if (stages === undefined) {
        ctx.addIssue({ code: "custom", message: "must be numbers separated by commas, e.g. 1,10,100" });
        return z.NEVER;
      }
      return stages;
    })
    .pipe(StagesSchema),
  intervalSeconds: z.coerce.number().int().min(5).max(86_400).default(60),
  /** The analysis knobs of docs/rollouts.md, as for a rollout (defaults the same). */
  maxErrorRate: z.coerce.number().gt(0).lt(1).optional(),
  maxLatencyRatio: z.coerce.number().min(1).max(100).optional(),
  minRequests: z.coerce.number().int().min(1).max(1_000_000).optional(),
  colos: z
    .string()
    .optional()
    .transform((text) => (text === undefined || text === "" ? [] : text.split(",").map((c) => c.trim())))
    .pipe(z.array(Colo).max(MAX_FIRST_COLOS)),
});

export type StagedQuery = z.output<typeof StagedQuerySchema>;

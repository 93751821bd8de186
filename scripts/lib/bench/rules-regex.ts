/**
 * The worst regular expressions a routing rule accepts, against an 8 KB header value
 * (part of `npm run bench -- --only rules`). Rules' patterns run on the linear-time engine
 * of src/routing/regex.ts (RE2 syntax, re2js, whole-value match); each pattern here is one
 * that makes a backtracking engine explode (nested quantifiers, overlapping `.*`, long
 * alternations of overlapping words, large counted repetitions), each with the value that
 * is worst for it. Printed: whether validation accepts it, RE2's program size, µs per
 * match on the linear engine, and the same pattern on the runtime's native (backtracking)
 * RegExp for comparison.
 *
 * Native runs are guarded: each one runs in a worker thread that is stopped after
 * NATIVE_LIMIT_MS, on values growing from 8 characters to 8 KB; the first size that does
 * not finish ends the ladder, so the table gives the largest value native RegExp handled
 * within the limit and the time it took, never an 8 KB run that would take years.
 */
import { Worker } from "node:worker_threads";
import { RE2JS } from "re2js";
import { compileRegex, regexProblem } from "../../../src/routing/regex.ts";

/** The value length rules are measured on: a large header. */
export const VALUE_BYTES = 8_192;
/** A native run that has not finished after this long is stopped. */
export const NATIVE_LIMIT_MS = 1_000;
/** Each measurement repeats until it has run this long (at least once). */
const MEASURE_MS = 200;
const LADDER = [8, 12, 16, 20, 24, 28, 32, 48, 64, 128, 256, 512, 1_024, 2_048, 4_096, VALUE_BYTES];

interface Case {
  readonly name: string;
  readonly pattern: string;
  /** The worst value of `length` characters for this pattern (no match, found out late). */
  readonly value: (length: number) => string;
}

const aThenBang = (n: number): string => `${"a".repeat(n - 1)}!`;
const allA = (n: number): string => "a".repeat(n);
/** "a", "aa", … up to 40 a's: every split of a run of a's is a way to match it. */
const OVERLAPPING_WORDS = Array.from({ length: 40 }, (_, i) => "a".repeat(i + 1)).join("|");

const CASES: readonly Case[] = [
  { name: "nested quantifier", pattern: "(a+)+$", value: aThenBang },
  { name: "nested quantifier, three deep", pattern: "(?:(?:a+)+)+b", value: allA },
  { name: "overlapping .*", pattern: ".*a.*a.*a.*b", value: allA },
  { name: "alternation of 40 overlapping words", pattern: `(?:${OVERLAPPING_WORDS})+!`, value: allA },
  { name: "counted repetition", pattern: "a{1,1000}", value: aThenBang },
  { name: "counted repetition, repeated", pattern: "(?:a{1,1000})+", value: aThenBang },
  { name: "two counted repetitions, repeated", pattern: "(?:a{1,1000}a{1,1000})+", value: aThenBang },
  { name: "optional repeated 1,000 times", pattern: "(?:a?){1000}a{1000}", value: aThenBang },
  { name: "repeated group with .*", pattern: "(.*a){1,1000}!", value: allA },
  { name: "the worst measured at the program-size bound (200)", pattern: "(?:a?){66}a{66}", value: allA },
  { name: "repeated group with .* at the bound", pattern: "(.*a){1,33}!", value: allA },
  { name: "a rule's usual pattern (for scale)", pattern: "/api/v[0-9]+/items/[0-9]+", value: allA },
];

/** One pattern's figures; times in µs per match, undefined when not run. */
export interface RegexResult {
  readonly name: string;
  readonly pattern: string;
  readonly accepted: boolean;
  readonly refusal: string | undefined;
  readonly programSize: number | undefined;
  readonly linearUs: number | undefined;
  /** The largest value length native RegExp finished within the limit, and its µs per match. */
  readonly nativeLength: number | undefined;
  readonly nativeUs: number | undefined;
  /** The first length native did not finish within NATIVE_LIMIT_MS (undefined: it reached 8 KB). */
  readonly nativeStoppedAt: number | undefined;
}

/** µs per match, repeating for MEASURE_MS. */
function timeLinear(test: (value: string) => boolean, value: string): number {
  test(value);
  const start = process.hrtime.bigint();
  let runs = 0;
  let elapsed = 0;
  do {
    test(value);
    runs++;
    elapsed = Number(process.hrtime.bigint() - start);
  } while (elapsed < MEASURE_MS * 1e6);
  return elapsed / runs / 1_000;
}

/** Runs in the worker: native RegExp, whole value, µs per match over MEASURE_MS. */
const NATIVE_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const re = new RegExp("^(?:" + workerData.pattern + ")$");
const start = process.hrtime.bigint();
let runs = 0, elapsed = 0;
do { re.test(workerData.value); runs++; elapsed = Number(process.hrtime.bigint() - start); } while (elapsed < workerData.budgetNs);
parentPort.postMessage(elapsed / runs / 1000);
`;

/** µs per native match, or undefined when it did not finish within NATIVE_LIMIT_MS (the worker is stopped). */
function timeNative(pattern: string, value: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(NATIVE_WORKER, { eval: true, workerData: { pattern, value, budgetNs: MEASURE_MS * 1e6 } });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve(undefined);
    }, NATIVE_LIMIT_MS + MEASURE_MS);
    worker.once("message", (us: number) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(us);
    });
    worker.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

async function nativeLadder(c: Case): Promise<Pick<RegexResult, "nativeLength" | "nativeUs" | "nativeStoppedAt">> {
  let last: { length: number; us: number } | undefined;
  for (const length of LADDER) {
    const us = await timeNative(c.pattern, c.value(length));
    // A first run over the limit shows as one run longer than the limit, or none at all.
    if (us === undefined || us > NATIVE_LIMIT_MS * 1_000)
      return { nativeLength: last?.length, nativeUs: last?.us, nativeStoppedAt: length };
    last = { length, us };
  }
  return { nativeLength: last?.length, nativeUs: last?.us, nativeStoppedAt: undefined };
}

async function measureCase(c: Case): Promise<RegexResult> {
  const refusal = regexProblem(c.pattern);
  const native = await nativeLadder(c);
  if (refusal !== undefined)
    return { name: c.name, pattern: c.pattern, accepted: false, refusal, programSize: undefined, linearUs: undefined, ...native };
  const linearUs = timeLinear(compileRegex(c.pattern).test, c.value(VALUE_BYTES));
  return {
    name: c.name,
    pattern: c.pattern,
    accepted: true,
    refusal: undefined,
    programSize: RE2JS.compile(c.pattern).programSize(),
    linearUs,
    ...native,
  };
}

function us(value: number | undefined): string {
  if (value === undefined) return "–";
  return value >= 1_000 ? Math.round(value).toLocaleString("en-US") : value.toFixed(value < 10 ? 2 : 1);
}

function nativeCell(r: RegexResult): string {
  if (r.nativeStoppedAt === undefined) return `${us(r.nativeUs)} (8 KB)`;
  if (r.nativeLength === undefined) return `over ${NATIVE_LIMIT_MS / 1_000} s at ${r.nativeStoppedAt} B`;
  return `${us(r.nativeUs)} at ${r.nativeLength} B; over ${NATIVE_LIMIT_MS / 1_000} s at ${r.nativeStoppedAt} B`;
}

function shown(pattern: string): string {
  const p = pattern.length > 48 ? `${pattern.slice(0, 45)}…` : pattern;
  return `\`${p.replaceAll("|", "\\|")}\``;
}

/** Measures every case and prints the table. */
export async function benchRegexes(): Promise<RegexResult[]> {
  const results: RegexResult[] = [];
  for (const c of CASES) {
    const r = await measureCase(c);
    results.push(r);
    process.stderr.write(`[regex] ${c.name}: linear ${us(r.linearUs)} µs, native ${nativeCell(r)}\n`);
  }
  const accepted = results.filter((r) => r.accepted && r.linearUs !== undefined);
  const worst = accepted.reduce<RegexResult | undefined>((w, r) => ((r.linearUs ?? 0) > (w?.linearUs ?? -1) ? r : w), undefined);
  console.log(
    [
      `Regular expressions on a ${VALUE_BYTES.toLocaleString("en-US")}-byte header value (whole-value match; µs per match):`,
      "",
      "| case | pattern | accepted | RE2 program | linear engine µs | native RegExp µs |",
      "| --- | --- | --- | ---: | ---: | --- |",
      ...results.map(
        (r) =>
          `| ${r.name} | ${shown(r.pattern)} | ${r.accepted ? "yes" : "no"} | ${r.programSize ?? "–"} | ${us(r.linearUs)} | ${nativeCell(r)} |`,
      ),
      "",
      `Native RegExp runs in a worker stopped after ${NATIVE_LIMIT_MS / 1_000} s, on values growing from ${LADDER[0]} bytes; it is not run past the first size it cannot finish.`,
      worst === undefined
        ? ""
        : `Worst accepted pattern: ${shown(worst.pattern)} (${worst.name}), ${us(worst.linearUs)} µs per match on the linear engine.`,
    ].join("\n"),
  );
  return results;
}

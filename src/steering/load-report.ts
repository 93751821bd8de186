/**
 * Parses an origin's load report: the ORCA `endpoint-load-metrics` response header, as
 * Envoy reads it for client-side weighted round robin, in its TEXT form
 * (`TEXT cpu_utilization=0.3, rps_fractional=10, eps=1`) and JSON form
 * (`JSON {"cpu_utilization":0.3,"rps_fractional":10}`). The BIN form (a base64 protobuf)
 * is recognised and counted as unsupported.
 *
 * A bad report is a value, never an exception: the caller counts it by its problem and
 * carries on with the origin's last good report. Pure, and cheap enough to run on every
 * response of a load-aware pool (no regular expression over the whole header, one object
 * per good report).
 *
 * Field rules, from the ORCA `OrcaLoadReport` proto's validation rules (which Envoy's
 * parser leaves to the proto; Edgeway checks them itself):
 * - `cpu_utilization`, `application_utilization`: ≥ 0. ORCA allows values above 1 (usage
 *   beyond the origin's soft limit); Edgeway rejects values above MAX_UTILIZATION (100):
 *   such a figure is a unit mistake, not a load.
 * - `mem_utilization`: within [0, 1] (a fraction, as the proto says).
 * - `rps_fractional`, `eps`: ≥ 0.
 * - every value finite: NaN and infinities are rejected (as Envoy's TEXT parser does).
 * - a metric named twice is malformed (as Envoy); a missing one is 0 (proto3's default).
 * - names Edgeway does not use (`named_metrics.*`, `utilization.*`, `request_cost.*`, or
 *   a field a later ORCA version adds) are skipped. Envoy rejects unknown names; Edgeway
 *   would rather not lose every report of an origin that sends one more metric.
 */

/** The response header an origin reports its load in (ORCA over HTTP, as Envoy reads it). */
export const LOAD_REPORT_HEADER = "endpoint-load-metrics";
/** The binary-only variant some ORCA servers send; stripped like the other, never read. */
export const LOAD_REPORT_BIN_HEADER = "endpoint-load-metrics-bin";

/**
 * Longest header value read. A report with every standard field is under 200 characters;
 * 2,048 leaves room for a few named metrics and keeps a hostile 10 KB header from costing
 * a parse on every response.
 */
export const MAX_LOAD_REPORT_CHARS = 2_048;
/** Highest accepted cpu or application utilization (100 × the origin's soft limit). */
export const MAX_UTILIZATION = 100;

/** An origin's load as it reported it; a field the report left out is 0. */
export interface LoadReport {
  /** Fraction of the origin's CPU in use (may exceed 1 above its soft limit). */
  readonly cpuUtilization: number;
  /** Fraction of the origin's memory in use, 0–1. */
  readonly memUtilization: number;
  /** The origin's own measure of how busy it is; preferred to CPU when above 0 (as Envoy). */
  readonly applicationUtilization: number;
  /** Requests per second the origin is serving. */
  readonly rpsFractional: number;
  /** Errors per second the origin is answering. */
  readonly eps: number;
}

/**
 * Why a report was ignored; with "ok", the `result` label of `edgeway_load_reports_total`.
 * - `malformed`: not TEXT or JSON as ORCA writes them, a value that is not a number, a
 *   metric named twice.
 * - `out_of_range`: a number outside its field's range (see above), NaN or infinite.
 * - `too_large`: longer than MAX_LOAD_REPORT_CHARS.
 * - `unsupported`: the BIN form.
 */
export type LoadReportProblem = "malformed" | "out_of_range" | "too_large" | "unsupported";
export type LoadReportResult = "ok" | LoadReportProblem;
/** Every `result` label value, for metrics that list them. */
export const LOAD_REPORT_RESULTS: readonly LoadReportResult[] = ["ok", "malformed", "out_of_range", "too_large", "unsupported"];

type Field = keyof LoadReport;

/** Field names in both spellings ORCA uses: proto names (TEXT, JSON) and lowerCamelCase (proto3 JSON). */
const FIELDS: ReadonlyMap<string, Field> = new Map<string, Field>([
  ["cpu_utilization", "cpuUtilization"],
  ["mem_utilization", "memUtilization"],
  ["application_utilization", "applicationUtilization"],
  ["rps_fractional", "rpsFractional"],
  ["eps", "eps"],
  ["cpuUtilization", "cpuUtilization"],
  ["memUtilization", "memUtilization"],
  ["applicationUtilization", "applicationUtilization"],
  ["rpsFractional", "rpsFractional"],
]);

/** A decimal number as ORCA writes one: digits, an optional fraction and exponent. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What a non-finite double looks like in C's strtod and in proto3 JSON: rejected as out of range, not as garbage. */
const NON_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** Whether `value` may stand in `field` (the ORCA proto's rules, plus MAX_UTILIZATION). */
function inRange(field: Field, value: number): boolean {
  if (!Number.isFinite(value) || value < 0) return false;
  if (field === "memUtilization") return value <= 1;
  if (field === "cpuUtilization" || field === "applicationUtilization") return value <= MAX_UTILIZATION;
  return true;
}

/** A value's number, or the problem with it. */
function numberOf(text: string): number | LoadReportProblem {
  if (DECIMAL.test(text)) return Number(text);
  return NON_FINITE.test(text) ? "out_of_range" : "malformed";
}

interface Draft {
  cpuUtilization: number;
  memUtilization: number;
  applicationUtilization: number;
  rpsFractional: number;
  eps: number;
}

const emptyDraft = (): Draft => ({ cpuUtilization: 0, memUtilization: 0, applicationUtilization: 0, rpsFractional: 0, eps: 0 });

/** Sets one field; a second value for it, or a bad one, is the report's problem. */
function setField(draft: Draft, seen: Set<Field>, field: Field, value: number | LoadReportProblem): LoadReportProblem | undefined {
  if (typeof value === "string") return value;
  if (seen.has(field)) return "malformed";
  seen.add(field);
  if (!inRange(field, value)) return "out_of_range";
  draft[field] = value;
  return undefined;
}

/** `cpu_utilization=0.3, rps_fractional=10` (Envoy's older native form, `name:value`, too). */
function parseText(body: string): LoadReport | LoadReportProblem {
  const draft = emptyDraft();
  const seen = new Set<Field>();
  const names = new Set<string>();
  for (const entry of body.split(",")) {
    const item = entry.trim();
    if (item === "") continue;
    let cut = item.indexOf("=");
    if (cut < 0) cut = item.indexOf(":");
    if (cut <= 0) return "malformed";
    const name = item.slice(0, cut).trim();
    const raw = item.slice(cut + 1).trim();
    if (name === "" || raw === "" || /\s/.test(name)) return "malformed";
    if (names.has(name)) return "malformed";
    names.add(name);
    const value = numberOf(raw);
    const field = FIELDS.get(name);
    if (field === undefined) {
      // A metric Edgeway does not use still has to be a number: a report that is garbage is not half-read.
      if (typeof value === "string") return value;
      continue;
    }
    const problem = setField(draft, seen, field, value);
    if (problem !== undefined) return problem;
  }
  return draft;
}

/** `{"cpu_utilization":0.3,"rps_fractional":10}`; proto3 JSON also writes doubles as strings ("0.3", "NaN"). */
function parseJson(body: string): LoadReport | LoadReportProblem {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "malformed";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "malformed";
  const draft = emptyDraft();
  const seen = new Set<Field>();
  for (const [name, raw] of Object.entries(parsed)) {
    const field = FIELDS.get(name);
    if (field === undefined) continue;
    const value = typeof raw === "number" ? raw : typeof raw === "string" ? numberOf(raw.trim()) : "malformed";
    const problem = setField(draft, seen, field, value);
    if (problem !== undefined) return problem;
  }
  return draft;
}

/**
 * The report in an `endpoint-load-metrics` header value, or why it is ignored. Never
 * throws, whatever the string.
 */
export function parseLoadReport(header: string): LoadReport | LoadReportProblem {
  if (header.length > MAX_LOAD_REPORT_CHARS) return "too_large";
  const value = header.trim();
  const space = value.indexOf(" ");
  const format = (space < 0 ? value : value.slice(0, space)).toUpperCase();
  const body = space < 0 ? "" : value.slice(space + 1);
  if (format === "TEXT") return parseText(body);
  if (format === "JSON") return parseJson(body);
  if (format === "BIN") return "unsupported";
  return "malformed";
}

/** The utilization a weight divides by: the application's own measure when it gives one, else CPU (Envoy's rule). */
export function utilizationOf(report: LoadReport): number {
  return report.applicationUtilization > 0 ? report.applicationUtilization : report.cpuUtilization;
}

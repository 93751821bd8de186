/**
 * A Gateway API HTTPRouteMatch as an Edgeway match: the same fields with the same meaning
 * (path Exact / PathPrefix / RegularExpression, headers, queryParams, method), checked
 * against Edgeway's schema. As the spec says, of two header (or query parameter) tests
 * of one name only the first counts. A match Edgeway cannot take as written (a pattern
 * RE2 refuses, a field it does not know) is left out rather than widened, and reported.
 */
import { HTTP_METHODS, HeaderMatchSchema, PathMatchSchema, QueryParamMatchSchema } from "../../../../src/config/match-schema.ts";
import { formatPath } from "../../../../src/config/validate.ts";
import { list, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";
import { EVERYTHING } from "../istio/conditions.ts";
import type { Cond, Method, PathCond, ValueCond } from "../istio/conditions.ts";

const KNOWN = ["path", "headers", "queryParams", "method"];

/** The schema's first complaint, placed under `at`: `path.value: must start with '/'`. */
function issueText(at: string, error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${at}: not valid`;
  const where = formatPath(issue.path);
  return `${where === "(document)" ? at : `${at}.${where}`}: ${issue.message}`;
}

function valueTests(field: "headers" | "queryParams", entries: unknown, problems: string[]): ValueCond[] {
  const out: ValueCond[] = [];
  const fold = field === "headers";
  const schema = fold ? HeaderMatchSchema : QueryParamMatchSchema;
  list(entries).forEach((entry, i) => {
    const e = record(entry) ?? {};
    const name = text(e["name"]) ?? "";
    if (out.some((t) => (fold ? t.name.toLowerCase() === name.toLowerCase() : t.name === name))) return;
    const parsed = schema.safeParse({ name, type: text(e["type"]) ?? "Exact", value: text(e["value"]) ?? "" });
    if (!parsed.success) problems.push(issueText(`${field}[${i}]`, parsed.error));
    else out.push(parsed.data);
  });
  return out;
}

/** The Edgeway match for one Gateway API match, or undefined (reported) when it was left out. */
export function gatewayMatch(m: unknown, source: string, path: string, log: DropLog): Cond | undefined {
  const match = record(m) ?? {};
  const problems: string[] = [];
  const unknown = Object.keys(match).filter((k) => !KNOWN.includes(k));
  if (unknown.length > 0) problems.push(`${unknown.join(", ")}: not a field Edgeway matches on`);
  let pathCond: PathCond = EVERYTHING.path;
  if (match["path"] !== undefined) {
    const p = record(match["path"]) ?? {};
    const parsed = PathMatchSchema.safeParse({ type: text(p["type"]) ?? "PathPrefix", value: text(p["value"]) ?? "/" });
    if (!parsed.success) problems.push(issueText("path", parsed.error));
    else pathCond = parsed.data;
  }
  const headers = valueTests("headers", match["headers"], problems);
  const queryParams = valueTests("queryParams", match["queryParams"], problems);
  const method = text(match["method"]);
  if (method !== undefined && !(HTTP_METHODS as readonly string[]).includes(method))
    problems.push(`method: ${method} is not one of ${HTTP_METHODS.join(", ")}`);
  if (headers.length > 16 || queryParams.length > 16) problems.push("more than 16 header or query parameter tests");
  if (problems.length > 0) {
    log.drop(source, path, `${problems.join("; ")}: this match was left out`);
    return undefined;
  }
  return { path: pathCond, ...(method === undefined ? {} : { method: method as Method }), headers, queryParams };
}

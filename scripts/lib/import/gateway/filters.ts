/**
 * Gateway API HTTPRouteFilters as Edgeway filters. Edgeway's filters are the Gateway
 * API's, field for field (RequestHeaderModifier, ResponseHeaderModifier, URLRewrite,
 * RequestRedirect, RequestMirror), so each is carried as written once Edgeway's schema
 * accepts it; a mirror's backendRef becomes a pool. CORS, ExternalAuth and ExtensionRef
 * (implementation-specific filters) have no Edgeway equivalent and are reported.
 */
import { dropUnhandled, list, num, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";
import { checkedFilter } from "../istio/filter-check.ts";
import type { FilterIn } from "../istio/filter-check.ts";
import { headerModifier } from "../istio/header-edits.ts";
import type { HeaderEdit } from "../istio/header-edits.ts";
import type { BackendPools } from "./backends.ts";

/** A Gateway API HTTPHeaderFilter (`set`, `add` lists of { name, value }, `remove` names) as header edits. */
export function headerEditsOf(filter: Record<string, unknown>, source: string, path: string, log: DropLog): HeaderEdit[] {
  dropUnhandled(log, source, path, filter, ["set", "add", "remove"]);
  const edits: HeaderEdit[] = [];
  for (const op of ["set", "add"] as const)
    list(filter[op]).forEach((h, i) => {
      const header = record(h) ?? {};
      edits.push({ op, name: text(header["name"]) ?? "", value: text(header["value"]) ?? "", path: `${path}.${op}[${i}]` });
    });
  list(filter["remove"]).forEach((name, i) => {
    edits.push({ op: "remove", name: String(name), path: `${path}.remove[${i}]` });
  });
  return edits;
}

/** A path modifier as written, with ReplacePrefixMatch "" read as "/" (the same paths, per the spec's table). */
function pathModifier(value: unknown): unknown {
  const p = record(value);
  if (p === undefined) return value;
  return p["type"] === "ReplacePrefixMatch" && p["replacePrefixMatch"] === "" ? { ...p, replacePrefixMatch: "/" } : p;
}

/** Copies the fields Edgeway's filter has, reporting the others. */
function fieldsOf(value: unknown, fields: readonly string[], source: string, path: string, log: DropLog): Record<string, unknown> {
  const object = record(value) ?? {};
  dropUnhandled(log, source, path, object, fields);
  const out: Record<string, unknown> = {};
  for (const f of fields) if (object[f] !== undefined) out[f] = f === "path" ? pathModifier(object[f]) : object[f];
  return out;
}

/** A Gateway API Fraction: the denominator defaults to 100. */
function fractionOf(fraction: Record<string, unknown>): Record<string, unknown> {
  const denominator = num(fraction["denominator"]);
  return { numerator: fraction["numerator"], ...(denominator === undefined ? {} : { denominator }) };
}

const NO_EQUIVALENT: Record<string, string> = {
  CORS: "CORS is the origin's to answer: Edgeway forwards preflight requests like any other",
  ExternalAuth: "Edgeway does not call an authorization service: put it in front of the origin",
};

export interface RuleFilters {
  readonly filters: FilterIn[];
  /** The rule answers itself with a redirect. */
  readonly redirects: boolean;
}

/** The rule's filters, in the order written. */
export function ruleFilters(filters: unknown, source: string, path: string, log: DropLog, resolve: BackendPools): RuleFilters {
  const out: FilterIn[] = [];
  let redirects = false;
  list(filters).forEach((f, i) => {
    const filter = record(f) ?? {};
    const at = `${path}[${i}]`;
    const type = text(filter["type"]) ?? "";
    let built: FilterIn | undefined;
    switch (type) {
      case "RequestHeaderModifier":
      case "ResponseHeaderModifier": {
        const field = type === "RequestHeaderModifier" ? "requestHeaderModifier" : "responseHeaderModifier";
        const edits = headerModifier(headerEditsOf(record(filter[field]) ?? {}, source, `${at}.${field}`, log), source, log);
        if (edits !== undefined)
          built = type === "RequestHeaderModifier" ? { type, requestHeaderModifier: edits } : { type, responseHeaderModifier: edits };
        break;
      }
      case "URLRewrite":
        built = checkedFilter(
          { type, urlRewrite: fieldsOf(filter["urlRewrite"], ["hostname", "path"], source, `${at}.urlRewrite`, log) } as FilterIn,
          source,
          at,
          log,
        );
        break;
      case "RequestRedirect": {
        const redirect = fieldsOf(
          filter["requestRedirect"],
          ["scheme", "hostname", "path", "port", "statusCode"],
          source,
          `${at}.requestRedirect`,
          log,
        );
        built = checkedFilter({ type, requestRedirect: redirect } as FilterIn, source, at, log);
        redirects = built !== undefined;
        break;
      }
      case "RequestMirror": {
        const mirror = record(filter["requestMirror"]) ?? {};
        dropUnhandled(log, source, `${at}.requestMirror`, mirror, ["backendRef", "percent", "fraction"]);
        const pool = resolve(record(mirror["backendRef"]) ?? {}, `${at}.requestMirror.backendRef`);
        const fraction = record(mirror["fraction"]);
        built = checkedFilter(
          {
            type,
            requestMirror: {
              pool,
              ...(num(mirror["percent"]) === undefined ? {} : { percent: num(mirror["percent"]) }),
              ...(fraction === undefined ? {} : { fraction: fractionOf(fraction) }),
            },
          } as FilterIn,
          source,
          at,
          log,
        );
        break;
      }
      case "ExtensionRef": {
        const ref = record(filter["extensionRef"]) ?? {};
        const named = [text(ref["group"]), text(ref["kind"]), text(ref["name"])].filter((s) => s !== undefined && s !== "").join("/");
        log.drop(source, at, `an implementation-specific filter (${named}) has no Edgeway equivalent: the rule is imported without it`);
        break;
      }
      default:
        log.drop(source, at, `${NO_EQUIVALENT[type] ?? `a ${type} filter has no Edgeway equivalent`}: not imported`);
    }
    if (built !== undefined) out.push(built);
  });
  return { filters: out, redirects };
}

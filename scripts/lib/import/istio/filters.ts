/**
 * What an Istio http entry does besides routing, as Edgeway filters: `headers.request` /
 * `headers.response` (set, add, remove) as header modifiers, `rewrite` (authority →
 * hostname; the uri per match, see istio.ts), `mirror` + `mirrorPercentage` and `mirrors`
 * as request mirrors, `redirect` as a redirect answered at the edge, `directResponse` as a
 * fixed response. What cannot be carried is reported.
 */
import { REDIRECT_CODES } from "../../../../src/config/filter-schema.ts";
import { dropUnhandled, list, num, record, text } from "../model.ts";
import type { DropLog } from "../model.ts";
import { checkedFilter } from "./filter-check.ts";
import type { FilterIn } from "./filter-check.ts";
import { headerModifier } from "./header-edits.ts";
import type { HeaderEdit, HeaderModifierIn } from "./header-edits.ts";

/** Resolves a destination (host, subset, port) to a pool id. */
export type PoolResolver = (destination: Record<string, unknown>, path: string) => string;

/** Istio HeaderOperations (`set` and `add` maps, `remove` list) as header edits. */
export function istioHeaderEdits(ops: Record<string, unknown>, source: string, path: string, log: DropLog): HeaderModifierIn | undefined {
  dropUnhandled(log, source, path, ops, ["set", "add", "remove"]);
  const edits: HeaderEdit[] = [];
  for (const op of ["set", "add"] as const)
    for (const [name, value] of Object.entries(record(ops[op]) ?? {}))
      edits.push({ op, name, value: String(value), path: `${path}.${op}.${name}` });
  list(ops["remove"]).forEach((name, i) => {
    edits.push({ op: "remove", name: String(name), path: `${path}.remove[${i}]` });
  });
  return headerModifier(edits, source, log);
}

/** `headers.request` and `headers.response` (of an entry or of one route destination) as filters. */
export function istioHeaderFilters(headers: unknown, source: string, path: string, log: DropLog): FilterIn[] {
  const h = record(headers);
  if (h === undefined) return [];
  dropUnhandled(log, source, path, h, ["request", "response"]);
  const out: FilterIn[] = [];
  const request = record(h["request"]);
  const response = record(h["response"]);
  const req = request === undefined ? undefined : istioHeaderEdits(request, source, `${path}.request`, log);
  const res = response === undefined ? undefined : istioHeaderEdits(response, source, `${path}.response`, log);
  if (req !== undefined) out.push({ type: "RequestHeaderModifier", requestHeaderModifier: req });
  if (res !== undefined) out.push({ type: "ResponseHeaderModifier", responseHeaderModifier: res });
  return out;
}

/** `mirror` (+ `mirrorPercentage`, or the older `mirrorPercent`) and `mirrors` as request mirrors to pools. */
export function istioMirrors(http: Record<string, unknown>, source: string, path: string, log: DropLog, resolve: PoolResolver): FilterIn[] {
  const out: FilterIn[] = [];
  const add = (destination: Record<string, unknown>, percent: number | undefined, at: string): void => {
    const pool = resolve(destination, at);
    const filter = checkedFilter(
      { type: "RequestMirror", requestMirror: { pool, ...(percent === undefined ? {} : { percent }) } },
      source,
      at,
      log,
    );
    if (filter !== undefined) out.push(filter);
  };
  const mirror = record(http["mirror"]);
  if (mirror !== undefined) {
    const percent = num(record(http["mirrorPercentage"])?.["value"]) ?? num(http["mirrorPercent"]) ?? num(http["mirror_percent"]);
    add(mirror, percent, `${path}.mirror`);
  }
  list(http["mirrors"]).forEach((m, i) => {
    const entry = record(m) ?? {};
    dropUnhandled(log, source, `${path}.mirrors[${i}]`, entry, ["destination", "percentage"]);
    add(record(entry["destination"]) ?? {}, num(record(entry["percentage"])?.["value"]), `${path}.mirrors[${i}].destination`);
  });
  return out;
}

/** `redirect` as a redirect answered at the edge (Istio's default code is 301, and its `uri` replaces the whole path). */
export function istioRedirect(redirect: Record<string, unknown>, source: string, path: string, log: DropLog): FilterIn | undefined {
  dropUnhandled(log, source, path, redirect, ["uri", "authority", "port", "derivePort", "scheme", "redirectCode"]);
  const out: Record<string, unknown> = {};
  const uri = text(redirect["uri"]);
  if (uri !== undefined) out["path"] = { type: "ReplaceFullPath", replaceFullPath: uri };
  const authority = text(redirect["authority"]);
  if (authority !== undefined) {
    const m = /^(.*):(\d+)$/.exec(authority);
    out["hostname"] = m === null ? authority : m[1];
    if (m !== null) out["port"] = Number(m[2]);
  }
  const port = num(redirect["port"]);
  if (port !== undefined) out["port"] = port;
  const scheme = text(redirect["scheme"]);
  if (scheme !== undefined) out["scheme"] = scheme;
  const derive = text(redirect["derivePort"]);
  if (derive === "FROM_PROTOCOL_DEFAULT" && scheme === undefined && port === undefined)
    log.drop(source, `${path}.derivePort`, "with no scheme given, Edgeway's redirect keeps the request's port");
  if (derive === "FROM_REQUEST_PORT" && scheme !== undefined && port === undefined)
    log.drop(source, `${path}.derivePort`, "with a scheme given, Edgeway's redirect uses the scheme's default port");
  const code = num(redirect["redirectCode"]) ?? 301;
  if (REDIRECT_CODES.some((c) => c === code)) out["statusCode"] = code;
  else {
    log.drop(source, `${path}.redirectCode`, `${code} is not a redirect code Edgeway answers (301, 302, 303, 307, 308): 301 is used`);
    out["statusCode"] = 301;
  }
  return checkedFilter({ type: "RequestRedirect", requestRedirect: out } as FilterIn, source, path, log);
}

const MAX_BASE64 = 1_048_576;

/** `directResponse` as a fixed response. */
export function istioDirectResponse(direct: Record<string, unknown>, source: string, path: string, log: DropLog): FilterIn | undefined {
  dropUnhandled(log, source, path, direct, ["status", "body"]);
  const out: Record<string, unknown> = { statusCode: num(direct["status"]) ?? 200 };
  const body = record(direct["body"]);
  if (body !== undefined) {
    dropUnhandled(log, source, `${path}.body`, body, ["string", "bytes"]);
    const string = text(body["string"]);
    const bytes = text(body["bytes"]);
    if (string !== undefined) out["body"] = string;
    else if (bytes !== undefined) {
      try {
        if (bytes.length > MAX_BASE64) throw new Error("too long");
        const raw = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
        out["body"] = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(raw);
      } catch {
        log.drop(source, `${path}.body.bytes`, "not base64 of UTF-8 text (Edgeway's fixed response body is text): the body was left out");
      }
    }
  }
  return checkedFilter({ type: "FixedResponse", fixedResponse: out } as FilterIn, source, path, log);
}

/** `rewrite.authority` as the URLRewrite hostname; `uriRegexRewrite` is reported. The uri is mapped per match by the caller. */
export function istioRewrite(
  rewrite: Record<string, unknown>,
  source: string,
  path: string,
  log: DropLog,
): { readonly hostname?: string | undefined; readonly uri?: string | undefined } {
  dropUnhandled(log, source, path, rewrite, ["uri", "authority", "uriRegexRewrite"]);
  if (rewrite["uriRegexRewrite"] !== undefined)
    log.drop(source, `${path}.uriRegexRewrite`, "Edgeway rewrites a path in full or by its matched prefix, not by a regular expression");
  return { hostname: text(rewrite["authority"]), uri: text(rewrite["uri"]) };
}

/**
 * Istio's `rewrite.uri` for one placed match. Istio replaces the matched prefix (or the
 * whole path of an exact match); Edgeway's URLRewrite replaces the prefix of the match
 * that held, on whole segments, as the Gateway API's ReplacePrefixMatch. A match placed
 * narrower than the entry's own (first-match-wins placement) gets the replacement that
 * gives the same path: the entry's prefix "/" rewritten to "/v2", placed as "/api", is
 * "/api" rewritten to "/v2/api"; placed as the exact path "/api/x", it is the full path
 * "/v2/api/x".
 */
import { normalisePrefix } from "../../../../src/routing/route-match.ts";
import type { PathCond } from "./conditions.ts";

export type PathModifierIn =
  | { readonly type: "ReplaceFullPath"; readonly replaceFullPath: string }
  | { readonly type: "ReplacePrefixMatch"; readonly replacePrefixMatch: string };

/** `base` followed by the path segments `rest` ("" or starting with "/"). */
function joinPath(base: string, rest: string): string {
  if (rest === "" || rest === "/") return base === "" ? "/" : base;
  return `${base.endsWith("/") ? base.slice(0, -1) : base}${rest}`;
}

/** The path modifier for `placed`, narrowing the entry's own match `origin`; undefined when there is none that gives Istio's path. */
export function rewritePath(uri: string, origin: PathCond, placed: PathCond): PathModifierIn | undefined {
  if (origin.type === "Exact") return { type: "ReplaceFullPath", replaceFullPath: uri };
  if (origin.type !== "PathPrefix" || placed.type === "RegularExpression") return undefined;
  const prefix = normalisePrefix(origin.value);
  const value = placed.type === "PathPrefix" ? normalisePrefix(placed.value) : placed.value;
  const rest = prefix === "/" ? value : value.slice(prefix.length);
  if (placed.type === "Exact") return { type: "ReplaceFullPath", replaceFullPath: joinPath(uri, rest) };
  return { type: "ReplacePrefixMatch", replacePrefixMatch: rest === "" ? uri : joinPath(uri, rest) };
}

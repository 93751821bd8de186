/**
 * Stage `rewrite` (routes with a URLRewrite filter, Gateway API HTTPURLRewriteFilter): the
 * path the origin sees, `ReplaceFullPath` or `ReplacePrefixMatch` (the matched PathPrefix
 * replaced on whole segments, the rest and the query string kept), left in
 * `context.originPath` for the forward stage and a mirror. A rewritten `hostname` is the
 * Host the origin sees, as an origin's `host` option makes it; every try sets it
 * (proxy/route-extras.ts), and X-Forwarded-Host stays the client's host.
 *
 * The path helpers here are shared with the redirect stage, whose `path` means the same.
 */
import type { CompiledRoute } from "../config/compile.ts";
import type { URLRewrite } from "../config/filter-schema.ts";
import { filterOf } from "../config/filter-schema.ts";
import type { PathMatch } from "../config/match-schema.ts";
import type { Stage } from "./stage.ts";

/** A path change (Gateway API HTTPPathModifier), its value percent-encoded as a URL path. */
export type PathModifier = NonNullable<URLRewrite["path"]>;

/** A configured path as a URL path: percent-encoded as the URL parser encodes the request's, dot segments resolved. */
export function encodePath(path: string): string {
  return new URL(path, "http://edgeway.invalid").pathname;
}

/** The modifier with its value encoded as a URL path (done once, when the plan is compiled). */
export function encodeModifier(modifier: PathModifier): PathModifier {
  return modifier.type === "ReplaceFullPath"
    ? { type: "ReplaceFullPath", replaceFullPath: encodePath(modifier.replaceFullPath) }
    : { type: "ReplacePrefixMatch", replacePrefixMatch: encodePath(modifier.replacePrefixMatch) };
}

/** `path` without one trailing "/" ("/" becomes ""). */
function trimSlash(path: string): string {
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

/**
 * `path` with its prefix `prefix` replaced by `replacement`, on whole segments (Gateway API
 * ReplacePrefixMatch): a trailing "/" of either is ignored, what follows the prefix is kept,
 * and an empty result is "/". "/prefix/one/two" with prefix "/prefix/one" and replacement
 * "/one" is "/one/two"; "/strip/x" with "/strip" replaced by "/" is "/x", never "//x". A
 * path the prefix does not hold on whole segments comes back unchanged.
 */
export function replacePrefix(path: string, prefix: string, replacement: string): string {
  const head = trimSlash(prefix);
  if (!path.startsWith(head)) return path;
  const rest = path.slice(head.length);
  if (rest !== "" && rest.charCodeAt(0) !== 47 /* "/" */) return path;
  const out = trimSlash(replacement) + rest;
  return out === "" ? "/" : out;
}

/** The request path `path` as the modifier changes it; `matched` is the path match that held (its prefix is what ReplacePrefixMatch replaces). */
export function modifyPath(modifier: PathModifier, path: string, matched: PathMatch): string {
  if (modifier.type === "ReplaceFullPath") return modifier.replaceFullPath;
  // Validation allows ReplacePrefixMatch only where a PathPrefix match holds; any other leaves the path as it is.
  if (matched.type !== "PathPrefix") return path;
  return replacePrefix(path, matched.value, modifier.replacePrefixMatch);
}

/** The route's URLRewrite filter, if any. */
export function urlRewriteOf(route: CompiledRoute): URLRewrite | undefined {
  return filterOf(route.source.filters, "URLRewrite")?.urlRewrite;
}

/** The stage, or undefined when the route rewrites nothing. */
export function rewriteStage(route: CompiledRoute): Stage | undefined {
  const rewrite = urlRewriteOf(route);
  if (rewrite === undefined) return undefined;
  if (rewrite.path === undefined) {
    // Only the hostname: every try sets it (proxy/route-extras.ts); the stage says so in the plan.
    return { name: "rewrite", run: () => undefined };
  }
  const modifier = encodeModifier(rewrite.path);
  return {
    name: "rewrite",
    run(context) {
      const { url } = context;
      context.originPath = modifyPath(modifier, url.pathname, context.matchedPath) + url.search;
      return undefined;
    },
  };
}

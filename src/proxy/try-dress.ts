/**
 * What makes one try different from the others of the same request: its span of the trace
 * (a new traceparent parent id), and what its origin adds (configured headers, the `host`
 * option's target, an mTLS fetcher, the header edits of the route's `poolFilters` for its
 * pool). The request's headers are one Headers object for all tries: fetch copies them when
 * it is called, so a try sets its own fields just before the call and `undo` puts back what
 * was there just after, with no copy per try.
 */
import type { OriginBase } from "../config/origin-url.ts";
import { formatTraceparent } from "../routing/trace-context.ts";
import type { TraceContext } from "../routing/trace-context.ts";
import { applyHeaderEditsUndoably } from "./header-edits.ts";
import type { FetchLike, OriginExtras } from "./origin-extras.ts";
import { spanId } from "./request-identity.ts";

export interface DressedTry {
  readonly url: string;
  readonly fetcher: FetchLike | undefined;
  readonly cf: { readonly resolveOverride: string } | undefined;
  /** The try's span id (logged with the try), when the request has a trace. */
  readonly spanId: string | undefined;
  /** Restores the shared headers after the fetch call; undefined when nothing needs restoring. */
  readonly undo: (() => void) | undefined;
}

/**
 * Sets the try's fields on the shared `headers` and returns where and how to send it.
 * `path`: the path and query to send (a URLRewrite's); absent, the request's own.
 */
export function dressTry(
  headers: Headers,
  base: OriginBase,
  request: URL,
  extras: OriginExtras | undefined,
  trace: TraceContext | undefined,
  path: string = request.pathname + request.search,
): DressedTry {
  let span: string | undefined;
  if (trace !== undefined) {
    span = spanId();
    headers.set("traceparent", formatTraceparent(trace, span));
  }
  const full = base.pathPrefix + path;
  if (
    extras === undefined ||
    (extras.headers.length === 0 && extras.target.hostHeader === undefined && extras.fetcher === undefined && extras.edits === undefined)
  ) {
    const origin = extras?.target.origin ?? base.origin;
    const resolveOverride = extras?.target.resolveOverride;
    return {
      url: origin + full,
      fetcher: undefined,
      cf: resolveOverride === undefined ? undefined : { resolveOverride },
      spanId: span,
      undo: undefined,
    };
  }
  const saved: [string, string | null][] = [];
  const set = (name: string, value: string): void => {
    saved.push([name, headers.get(name)]);
    headers.set(name, value);
  };
  // The pool's edits first: the origin's own configured headers are what it requires, and win.
  if (extras.edits !== undefined) applyHeaderEditsUndoably(headers, extras.edits, saved);
  for (const [name, value] of extras.headers) set(name, value);
  if (extras.target.hostHeader !== undefined) set("host", extras.target.hostHeader);
  const { resolveOverride } = extras.target;
  return {
    url: extras.target.origin + full,
    fetcher: extras.fetcher,
    cf: resolveOverride === undefined ? undefined : { resolveOverride },
    spanId: span,
    undo: () => {
      for (let i = saved.length - 1; i >= 0; i--) {
        const [name, value] = saved[i] as [string, string | null];
        if (value === null) headers.delete(name);
        else headers.set(name, value);
      }
    },
  };
}

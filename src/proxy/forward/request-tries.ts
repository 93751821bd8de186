/** The tries of one client request: which origins were tried, which tries run, and the deadline over them all. */
import { LOAD_REPORT_HEADER } from "../../steering/load-report.ts";
import { isLoadAware } from "../../steering/load-tracker.ts";
import type { Selection } from "../../steering/select.ts";
import { originRequestHeaders } from "../headers.ts";
import { discardBody, startTry } from "../try-origin.ts";
import { dressTry } from "../try-dress.ts";
import type { OriginTry, TryRequest, TryResult } from "../try-origin.ts";
import type { ProxyInput, TryOutcome } from "./types.ts";

/** The state of one client request across its tries. */
export class RequestTries {
  readonly tried = new Set<string>();
  readonly running: OriginTry[] = [];
  sent = 0;
  hedged = false;
  readonly #input: ProxyInput;
  readonly #deadline: number;
  readonly #request: TryRequest;
  readonly #url: URL;

  constructor(input: ProxyInput, deadline: number, method: string, body: TryRequest["body"]) {
    this.#input = input;
    this.#deadline = deadline;
    this.#url = input.url;
    this.#request = {
      method,
      headers: originRequestHeaders(
        input.headers ?? input.request.headers,
        input.forwarded,
        input.identity,
        input.websocket === true,
        input.requestEdits,
      ),
      body,
    };
  }

  /** The request's headers every try starts from. */
  get headers(): Headers {
    return this.#request.headers;
  }

  /** The body as buffered in memory (null: none); undefined when it streamed. */
  get buffered(): ArrayBuffer | null | undefined {
    const { body } = this.#request;
    return body === null || body instanceof ArrayBuffer ? body : undefined;
  }

  remaining(): number {
    return this.#deadline - this.#input.now();
  }

  launch(selection: Selection, hedge: boolean): void {
    const { route } = this.#input;
    this.tried.add(selection.origin.id);
    this.sent++;
    const now = this.#input.now();
    const perTry = Math.min(route.source.retries.perTryTimeoutMs ?? route.source.timeoutMs, this.#deadline - now);
    this.#input.onTryStart(selection);
    // The try's own fields (its span, its origin's headers) are set on the shared headers
    // just before the fetch copies them, and put back just after (try-dress.ts).
    const request = this.#request;
    const dressed = dressTry(
      request.headers,
      selection.origin.base,
      this.#url,
      this.#input.extras?.(selection),
      this.#input.identity?.trace,
      this.#input.path,
    );
    this.running.push(startTry(selection, hedge, now, request, dressed.url, dressed.fetcher, dressed.cf, perTry));
    dressed.undo?.();
  }

  /** The one try running when tries run one at a time (no hedge). */
  only(): OriginTry {
    const origin = this.running[0];
    if (origin === undefined || this.running.length !== 1) throw new Error("expected exactly one try in flight");
    return origin;
  }

  /** Reports how a try ended and drops it from the running ones. */
  settle(origin: OriginTry, result: TryResult, retried: boolean): TryOutcome {
    const index = this.running.indexOf(origin);
    if (index >= 0) this.running.splice(index, 1);
    const endedAt = this.#input.now();
    const outcome: TryOutcome = {
      selection: origin.selection,
      kind: result.kind,
      status: result.kind === "response" ? result.status : undefined,
      durationMs: endedAt - origin.startedAt,
      endedAt,
      retried,
      hedge: origin.hedge,
      loadReport: result.kind === "response" && isLoadAware(origin.selection.pool) ? result.response.headers.get(LOAD_REPORT_HEADER) : null,
    };
    this.#input.onTry(outcome);
    return outcome;
  }

  /** Aborts every try still running (a try won) and reports each as cancelled. */
  cancelRunning(): void {
    for (const origin of [...this.running]) {
      origin.cancel();
      // A response that came in just before the abort still holds a connection: let it go.
      void origin.result.then((result) => {
        if (result.kind === "response") discardBody(result.response);
      });
      this.settle(origin, { kind: "cancelled" }, false);
    }
  }

  /** The next origin for a retry or hedge, when the deadline, steering and budget allow one. */
  next(): Selection | "budget" | undefined {
    if (this.remaining() <= 0) return undefined;
    const selection = this.#input.select(this.tried);
    // Steering first: a budget token spent when there is no other origin buys nothing.
    if (selection === undefined) return undefined;
    return this.#input.retryAllowed() ? selection : "budget";
  }
}

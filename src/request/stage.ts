/**
 * What a stage of the request path is, and the request it works on.
 *
 * A stage is one step a route's plan runs for every request of that route
 * (src/request/plan.ts); a stage a route does not need is not in its plan at all. `run`
 * returns nothing to go on to the next stage, a Response to answer with at once (an
 * error, a refusal), or a promise of either when it has to wait (the forward stage, an
 * affinity cookie's signature). The stages after `forward` edit or record
 * `context.response`; a stage marked `always` runs even when an earlier one answered.
 *
 * The request is one `RequestContext` object with a fixed shape: what the stages found
 * out so far and what they leave for the stages after them, so a stage reads plain
 * fields rather than building or looking anything up.
 */
import type { CompiledConfig, CompiledRoute } from "../config/compile.ts";
import type { EdgewayEnv, WaitUntil } from "../env.ts";
import type { RetrySkip, TryOutcome } from "../proxy/forward/index.ts";
import type { HeaderEdits } from "../proxy/header-edits.ts";
import type { RequestIdentity } from "../proxy/request-identity.ts";
import type { ClientInfo } from "../routing/client.ts";
import type { ColoView } from "../state/colo-view.ts";
import type { LatencyTracker } from "../steering/latency.ts";
import type { Selection } from "../steering/select.ts";
import type { SteeringSignals } from "../steering/types.ts";

import type { PinState } from "../steering/affinity.ts";
import type { PathMatch } from "../config/match-schema.ts";

const ANY_PATH: PathMatch = { type: "PathPrefix", value: "/" };

export type StageResult = Response | undefined | Promise<Response | undefined>;

export interface Stage {
  /** The stage's name, as the README's Architecture section, /_edgeway/explain and `npm run bench` list it. */
  readonly name: string;
  /** Runs even after an earlier stage answered (recording what happened). */
  readonly always?: boolean;
  run(context: RequestContext): StageResult;
}

/** A route's request plan: its stages in order (compiled by plan.ts). */
export interface RequestPlan {
  readonly route: CompiledRoute;
  readonly stages: readonly Stage[];
}

/** A checked affinity cookie (affinity-cookie.ts). */
export interface CookiePin {
  readonly key: CryptoKey;
  readonly name: string;
  readonly pinned: string | undefined;
  readonly state: PinState;
}

export class RequestContext {
  readonly request: Request;
  /** The request's method and headers, read once (each read of a Request's property crosses into the runtime). */
  readonly method: string;
  readonly headers: Headers;
  readonly env: EdgewayEnv;
  readonly ctx: WaitUntil;
  readonly startedAt: number;
  readonly url: URL;
  /** The config document in force, and the config the route was matched in (with registered origins and overrides). */
  readonly base: CompiledConfig;
  readonly matchedIn: CompiledConfig;
  /** The route that serves the request and the plan compiled for it (the health stage may move both to the route with registered origins). */
  route: CompiledRoute;
  plan: RequestPlan;
  /** The URL's host and scheme ("http" or "https"), read once when the route was matched. */
  host = "";
  proto = "http";
  /** The path match of the route that held (a ReplacePrefixMatch rewrite replaces its prefix). */
  matchedPath: PathMatch = ANY_PATH;

  // identity
  identity!: RequestIdentity;
  // client
  client!: ClientInfo;
  /** The colo whose passive health and latency estimates the request reads and feeds. */
  colo = "";
  // health
  live!: ColoView;
  signals!: SteeringSignals;
  latency!: LatencyTracker;
  // websocket
  websocket = false;
  /** True when a stage read the Upgrade field and found none (its removal from the origin's headers is skipped). */
  upgradeAbsent = false;
  /** True when a stage read the debug geo header and found none, or it means nothing here (production): it is not removed. */
  debugGeoAbsent = false;
  // affinity
  pin: CookiePin | undefined = undefined;
  /** Header or ip affinity's key: every pool hashes on it. */
  affinityKey: string | undefined = undefined;
  /** The pinned origin the first try goes to. */
  pinned: Selection | undefined = undefined;
  /** The next origin to try, given those tried so far (the steer stage's). */
  select: (exclude: ReadonlySet<string>) => Selection | undefined = () => undefined;
  /** Whether the request reached steering (then it is counted in edgeway_requests_total). */
  steered = false;
  // rewrite, request headers
  /** The path and query the origin sees (a URLRewrite's); undefined: the request's own. */
  originPath: string | undefined = undefined;
  /** The route's request header edits, made as the forward stage builds the origin's headers. */
  requestEdits: HeaderEdits | undefined = undefined;
  // forward
  /** Every try sent, in the order they ended: folded into metrics, latency, outlier detection and the traffic report by the record stage. */
  readonly tries: TryOutcome[] = [];
  last: TryOutcome | undefined = undefined;
  sent = 0;
  retried = false;
  retrySkipped: RetrySkip | undefined = undefined;
  /** The headers the tries were sent with (before each try's own fields), for a mirror. */
  sentHeaders: Headers | undefined = undefined;
  /** The body as buffered in memory (null: none); undefined when it streamed, so no mirror can send it. */
  sentBody: ArrayBuffer | null | undefined = undefined;
  /** Set when a stage answered before the response was the origin's (only `always` stages run after). */
  answered = false;
  // respond
  response: Response | undefined = undefined;
  /** True while `response` is the origin's own as it came (its headers cannot change: copy before adding one). */
  untouched = false;

  constructor(
    request: Request,
    env: EdgewayEnv,
    ctx: WaitUntil,
    startedAt: number,
    url: URL,
    base: CompiledConfig,
    matchedIn: CompiledConfig,
    route: CompiledRoute,
    plan: RequestPlan,
  ) {
    this.request = request;
    this.method = request.method;
    this.headers = request.headers;
    this.env = env;
    this.ctx = ctx;
    this.startedAt = startedAt;
    this.url = url;
    this.base = base;
    this.matchedIn = matchedIn;
    this.route = route;
    this.plan = plan;
  }

  /** Answers the request with `response` (from a stage that refused or failed it). */
  answer(response: Response): void {
    this.response = response;
    this.answered = true;
    this.untouched = false;
  }

  /** The response the plan ended with. */
  finalResponse(): Response {
    if (this.response === undefined) throw new Error(`the plan of route "${this.route.id}" ended without a response`);
    return this.response;
  }

  /** The edge location serving the request, for reports and analytics ("local" when none is known). */
  get edgeColo(): string {
    return this.client.colo ?? "local";
  }
}

/** Worker entry: the data plane (past the router when it can), the Hono app for the rest, the cron trigger for health probes, the Durable Object classes. */
import { app, isDataPlaneFastPath } from "./app.ts";
import { internalErrorOrThrow } from "./request/errors.ts";
import { handleDataPlane } from "./data-plane.ts";
import type { EdgewayEnv } from "./env.ts";
import { runScheduledProbes } from "./scheduled.ts";

export { OriginState } from "./state/origin-state.ts";
export { ColoAggregator } from "./state/colo-aggregator.ts";

export default {
  fetch(request: Request, env: EdgewayEnv, ctx: ExecutionContext): Promise<Response> | Response {
    const href = request.url;
    if (!isDataPlaneFastPath(request, href)) return app.fetch(request, env, ctx);
    // An error the data plane throws becomes the same JSON 500 the app answers with (its
    // promise already settles an Error that way: nothing to add to it).
    try {
      return handleDataPlane(request, env, ctx, href);
    } catch (error) {
      return internalErrorOrThrow(error, request);
    }
  },
  async scheduled(controller, env, _ctx) {
    await runScheduledProbes(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<EdgewayEnv>;

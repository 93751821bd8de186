/** Worker entry: the Hono app for requests, the cron trigger for health probes, the Durable Object class. */
import { app } from "./app.ts";
import type { EdgewayEnv } from "./env.ts";
import { runScheduledProbes } from "./health/scheduled.ts";

export { OriginState } from "./state/origin-state.ts";

export default {
  fetch: app.fetch,
  async scheduled(controller, env, _ctx) {
    await runScheduledProbes(env, controller.scheduledTime);
  },
} satisfies ExportedHandler<EdgewayEnv>;

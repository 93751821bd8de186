/** The request path's metric series over the isolate's metrics, resolved once per compiled route, pool and origin (observe/request-metrics.ts). */
import { isolate } from "../isolate.ts";
import { RequestMetrics } from "../observe/request-metrics.ts";

export const requestMetrics = new RequestMetrics(isolate.metrics);

/** The errors Edgeway answers a request with itself: the JSON body of proxy/errors.ts, with the request's id. */
import { log } from "../observe/log.ts";
import { edgewayError } from "../proxy/errors.ts";
import { requestIdentity } from "../proxy/request-identity.ts";
import { REQUEST_ID_HEADER } from "../routing/request-id.ts";
import type { RequestContext } from "./stage.ts";

/** An error response carrying `requestId`. */
export function errorWithId(requestId: string, status: number, code: string, message: string, route?: string, origin?: string): Response {
  const response = edgewayError(status, code, message, route, origin);
  response.headers.set(REQUEST_ID_HEADER, requestId);
  return response;
}

/** An error for a request before its plan runs (no config, no route): its id is read here. */
export function errorBeforePlan(request: Request, status: number, code: string, message: string): Response {
  return errorWithId(requestIdentity(request.headers).requestId, status, code, message);
}

/** An error for a request on its route's plan. */
export function errorFor(context: RequestContext, status: number, code: string, message: string, origin?: string): Response {
  return errorWithId(context.identity.requestId, status, code, message, context.route.id, origin);
}

/** An Error becomes the JSON 500 that says it came from Edgeway; anything else is thrown on. */
export function internalErrorOrThrow(error: unknown, request: Request): Response {
  if (error instanceof Error) return internalError(error, request);
  throw error;
}

/** The JSON 500 for an error nothing else handled, logged with the request's path. */
export function internalError(error: Error, request: Request): Response {
  log("error", "internal_error", { path: new URL(request.url).pathname, message: error.message, stack: error.stack });
  return edgewayError(500, "internal_error", `Edgeway failed to handle this request: ${error.message}`);
}

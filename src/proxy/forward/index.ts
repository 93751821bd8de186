/** Forwarding a request to its origins, with retries and hedging: `proxyRequest` and its input and result. */
export { proxyRequest, proxyRequestThen } from "./proxy-request.ts";
export type { TryKind } from "../try-origin.ts";
export type { ProxyInput, ProxyResult, RetrySkip, TryOutcome } from "./types.ts";

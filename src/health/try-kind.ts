/** How one try of an origin ended: a response (any status), no connection, no response in time, or cancelled (a lost hedge). */
export type TryKind = "response" | "connect-failure" | "timeout" | "cancelled";

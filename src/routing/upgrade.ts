/**
 * WebSocket upgrade requests (RFC 6455 §4.1; RFC 9110 §7.8): a GET whose Upgrade field
 * lists the `websocket` protocol. Edgeway steers such a request like any other, then
 * proxies the connection; the Upgrade field is the one hop-by-hop field it keeps for it.
 */

/** Whether the request asks to upgrade to a WebSocket. */
export function isWebSocketUpgrade(method: string, headers: Headers): boolean {
  if (method !== "GET") return false;
  return upgradesToWebSocket(headers.get("upgrade"));
}

/** Whether an Upgrade field's value (null: none) lists the `websocket` protocol. */
export function upgradesToWebSocket(upgrade: string | null): boolean {
  if (upgrade === null) return false;
  // Almost always exactly "websocket"; a list ("websocket, h2c") is split only when it is not.
  if (upgrade.length === 9) return upgrade.toLowerCase() === "websocket";
  for (const protocol of upgrade.split(",")) if (protocol.trim().toLowerCase() === "websocket") return true;
  return false;
}

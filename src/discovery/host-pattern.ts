/**
 * Host-name patterns of a registration policy: an exact name ("api.svc.example.internal"),
 * "*." before a name for any name below it ("*.svc.example.internal" matches
 * "a.svc.example.internal" and "a.b.svc.example.internal", not "svc.example.internal"),
 * or "*" alone for any host name. As route hosts do, names compare case-insensitively and
 * a trailing dot (the DNS root) is ignored. IP literals never match a host-name pattern:
 * they are matched by CIDR ranges only.
 */

const NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** A host name as compared: lower case, without a trailing dot. */
export function normalHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/** Whether `pattern` is a valid host-name pattern. */
export function isHostPattern(pattern: string): boolean {
  const p = normalHost(pattern);
  if (p === "*") return true;
  return NAME.test(p.startsWith("*.") ? p.slice(2) : p);
}

/** Whether a host-name pattern names hosts exactly (no wildcard). */
export function isExactHostPattern(pattern: string): boolean {
  return !pattern.includes("*");
}

/** Whether `host` (a name, not an IP literal) matches `pattern`. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = normalHost(pattern);
  const h = normalHost(host);
  if (p === "*") return true;
  if (p.startsWith("*.")) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return p === h;
}

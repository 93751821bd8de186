/**
 * Regular expressions between Cloudflare's rules and Edgeway's matches. Cloudflare's
 * `matches` searches the value (Rust's regex crate: "/blog" matches "/en/blog/1", anchors
 * say otherwise); Edgeway's patterns match the whole value (RE2, as Envoy's safe_regex).
 * Both speak RE2's syntax with Unicode classes off in Cloudflare's, so a pattern carries
 * over once it is anchored or unanchored; the simple cases keep the text readable
 * (`^/api/` ⇄ `/api/.*`), anything else is wrapped (`.*(?:…).*`), which is always right.
 *
 * Also here: literals as patterns, and the complement of a literal (every value but it,
 * or every value not starting with it), which RE2 can say without look-around: a
 * regular language's complement is regular.
 */

/** A pattern matching exactly `text`. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/** The end of a character class that opens at `at`, or -1. */
function classEnd(p: string, at: number): number {
  let j = at + 1;
  if (p.charAt(j) === "^") j++;
  if (p.charAt(j) === "]") j++;
  while (j < p.length) {
    const c = p.charAt(j);
    if (c === "\\") j += 2;
    else if (c === "[" && p.charAt(j + 1) === ":") {
      const close = p.indexOf(":]", j + 2);
      if (close < 0) return -1;
      j = close + 2;
    } else if (c === "[") {
      const inner = classEnd(p, j);
      if (inner < 0) return -1;
      j = inner;
    } else if (c === "]") return j + 1;
    else j++;
  }
  return -1;
}

/** The end of an escape that starts at `at` (\Q…\E, \x{…}, \p{…} included). */
function escapeEnd(p: string, at: number): number {
  const next = p.charAt(at + 1);
  if (next === "Q") {
    const close = p.indexOf("\\E", at + 2);
    return close < 0 ? p.length : close + 2;
  }
  if ("xpP".includes(next) && next !== "" && p.charAt(at + 2) === "{") {
    const close = p.indexOf("}", at + 3);
    return close < 0 ? -1 : close + 1;
  }
  return Math.min(p.length, at + 2);
}

/** The end of a group that opens at `at`, or -1. */
function groupEnd(p: string, at: number): number {
  let depth = 0;
  let j = at;
  while (j < p.length) {
    const c = p.charAt(j);
    if (c === "\\") {
      j = escapeEnd(p, j);
      if (j < 0) return -1;
      continue;
    }
    if (c === "[") {
      j = classEnd(p, j);
      if (j < 0) return -1;
      continue;
    }
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return j + 1;
    j++;
  }
  return -1;
}

/** The top-level pieces of a pattern (each with its quantifier), and whether it has a top-level `|`; undefined when it cannot be read. */
export function topLevel(p: string): { readonly atoms: readonly string[]; readonly alternation: boolean } | undefined {
  const atoms: string[] = [];
  let alternation = false;
  let i = 0;
  while (i < p.length) {
    const start = i;
    const c = p.charAt(i);
    if (c === "|") {
      alternation = true;
      atoms.push("|");
      i++;
      continue;
    }
    if (c === ")") return undefined;
    if (c === "\\") i = escapeEnd(p, i);
    else if (c === "[") i = classEnd(p, i);
    else if (c === "(") i = groupEnd(p, i);
    else i++;
    if (i < 0) return undefined;
    const quantifier = /^(?:[*+?]|\{\d+(?:,\d*)?\})\??/.exec(p.slice(i));
    if (quantifier !== null) i += quantifier[0].length;
    atoms.push(p.slice(start, i));
  }
  return { atoms, alternation };
}

const ANY = ".*";

/** A Cloudflare `matches` pattern (a search) as an Edgeway pattern (a whole-value match). */
export function partialToWhole(pattern: string): string {
  const scan = topLevel(pattern);
  const atoms = scan?.atoms ?? [];
  if (scan === undefined || scan.alternation || atoms.slice(1, -1).some((a) => a === "^" || a === "$") || atoms.length === 0)
    return pattern === "" ? ANY : `${ANY}(?:${pattern})${ANY}`;
  let middle = [...atoms];
  const anchoredStart = middle[0] === "^";
  if (anchoredStart) middle = middle.slice(1);
  const anchoredEnd = middle.length > 0 && middle[middle.length - 1] === "$";
  if (anchoredEnd) middle = middle.slice(0, -1);
  if (middle.includes("^") || middle.includes("$")) return `${ANY}(?:${pattern})${ANY}`;
  const lead = anchoredStart || middle[0] === ANY ? "" : ANY;
  const trail = anchoredEnd || middle[middle.length - 1] === ANY ? "" : ANY;
  let text = middle.join("");
  const only = middle[0];
  if (lead === "" && trail === "" && middle.length === 1 && only?.startsWith("(?:") && only.endsWith(")")) text = only.slice(3, -1);
  const whole = `${lead}${text}${trail}`;
  return whole === "" ? "(?:)" : whole;
}

/** An Edgeway pattern (a whole-value match) as a Cloudflare `matches` pattern (a search). */
export function wholeToPartial(pattern: string): string {
  const scan = topLevel(pattern);
  if (scan === undefined || scan.alternation || scan.atoms.length === 0) return `^(?:${pattern})$`;
  if (scan.atoms.length === 1 && scan.atoms[0] === ANY) return "";
  let atoms = [...scan.atoms];
  const openStart = atoms[0] === ANY;
  if (openStart) atoms = atoms.slice(1);
  const openEnd = atoms.length > 0 && atoms[atoms.length - 1] === ANY;
  if (openEnd) atoms = atoms.slice(0, -1);
  return `${openStart ? "" : "^"}${atoms.join("")}${openEnd ? "" : "$"}`;
}

/** A character class holding every character but `c`. */
function notChar(c: string): string {
  return `[^${c.replace(/[\\\]^[-]/g, "\\$&")}]`;
}

/**
 * Every value except `text` (`prefix` false), or every value that does not start with
 * `text` (`prefix` true), as a whole-value pattern: a shorter start of the text, or a
 * first character that differs, or (for the exact form) the text and more.
 */
export function complementOf(text: string, prefix: boolean): string {
  const chars = [...text];
  if (chars.length === 0) return prefix ? "[^\\x00-\\x{10FFFF}]" : "(?s:.+)";
  // What may follow the whole text: more characters for the exact form, nothing for the prefix form.
  let inner: string | undefined = prefix ? undefined : ".+";
  for (let k = chars.length - 1; k >= 0; k--) {
    const c = chars[k] ?? "";
    inner = `(?:|${notChar(c)}.*${inner === undefined ? "" : `|${escapeRegex(c)}${inner}`})`;
  }
  return `(?s:${inner})`;
}

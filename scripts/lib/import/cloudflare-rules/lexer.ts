/**
 * The tokens of Cloudflare's Rules language (the wirefilter syntax that load balancing
 * rules, WAF custom rules and the other Rulesets products share): words (field names,
 * keywords, numbers, IP addresses), strings, and punctuation, each with its place in the
 * condition so errors can point at it.
 *
 * Strings come in two forms. A quoted string "…" takes the escapes \" \\ \xHH and \OOO
 * (three octal digits); any other escape is an error. A raw string r"…", r#"…"#, … has no
 * escapes at all. After `matches` or `~` a quoted string is a regular expression, lexed
 * as Cloudflare lexes one: only \" loses its backslash, every other escape is kept for
 * the regex engine, and a `"` inside a character class does not end the string.
 */

/** Where a token or node sits in the condition: character offsets, end exclusive. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export type Token =
  | (Span & { readonly kind: "word"; readonly text: string })
  | (Span & { readonly kind: "string"; readonly value: string; readonly raw: boolean; readonly regex: boolean })
  | (Span & { readonly kind: "punct"; readonly text: string })
  | (Span & { readonly kind: "end" });

/** A condition that is not well-formed, with the part that could not be read. */
export class RulesSyntaxError extends Error {
  override readonly name = "RulesSyntaxError";
  readonly span: Span;

  constructor(message: string, span: Span) {
    super(message);
    this.span = span;
  }
}

/** Punctuation, longest first so "==" is read before "=". */
const PUNCT = ["==", "!=", "<=", ">=", "&&", "||", "^^", "(", ")", "{", "}", "[", "]", ",", "$", "*", "!", "~", "<", ">", "&"];

/** Characters of a word: field names (http.request.uri.path), numbers, IP addresses and ranges (192.0.2.0/24, 2001:db8::/32, 8000..8009). */
const WORD_CHAR = /[A-Za-z0-9_.:/-]/;

const SPACE = /\s/;

/** Splits a condition into tokens; the last one is always `end`. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (true) {
    while (i < source.length && SPACE.test(source.charAt(i))) i++;
    if (i >= source.length) {
      tokens.push({ kind: "end", start: i, end: i });
      return tokens;
    }
    const c = source.charAt(i);
    const previous = tokens[tokens.length - 1];
    const regex =
      previous !== undefined && (previous.kind === "word" || previous.kind === "punct") && ["matches", "~"].includes(previous.text);
    if (c === '"') {
      const token = regex ? lexRegexString(source, i) : lexQuotedString(source, i);
      tokens.push(token);
      i = token.end;
      continue;
    }
    if (c === "r" && (source.charAt(i + 1) === '"' || source.charAt(i + 1) === "#")) {
      const token = lexRawString(source, i, regex);
      tokens.push(token);
      i = token.end;
      continue;
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i));
    if (punct !== undefined) {
      tokens.push({ kind: "punct", text: punct, start: i, end: i + punct.length });
      i += punct.length;
      continue;
    }
    if (WORD_CHAR.test(c)) {
      let end = i;
      while (end < source.length && WORD_CHAR.test(source.charAt(end))) end++;
      tokens.push({ kind: "word", text: source.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    throw new RulesSyntaxError(`unexpected character ${JSON.stringify(c)}`, { start: i, end: i + 1 });
  }
}

/** A quoted string with basic escapes; its bytes must be UTF-8, as Edgeway compares text. */
function lexQuotedString(source: string, start: number): Token {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  let i = start + 1;
  while (true) {
    if (i >= source.length) throw new RulesSyntaxError("a string with no closing quote", { start, end: source.length });
    const c = source.charAt(i);
    if (c === '"') break;
    if (c !== "\\") {
      const point = source.codePointAt(i) ?? 0;
      const char = String.fromCodePoint(point);
      bytes.push(...encoder.encode(char));
      i += char.length;
      continue;
    }
    const next = source.charAt(i + 1);
    if (next === '"' || next === "\\") {
      bytes.push(next.charCodeAt(0));
      i += 2;
    } else if (next === "x" && /^[0-9A-Fa-f]{2}$/.test(source.slice(i + 2, i + 4))) {
      bytes.push(Number.parseInt(source.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (/^[0-7]{3}$/.test(source.slice(i + 1, i + 4)) && Number.parseInt(source.slice(i + 1, i + 4), 8) <= 255) {
      bytes.push(Number.parseInt(source.slice(i + 1, i + 4), 8));
      i += 4;
    } else {
      throw new RulesSyntaxError('an escape other than \\", \\\\, \\xHH or \\OOO in a quoted string', { start: i, end: i + 2 });
    }
  }
  let value: string;
  try {
    value = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(new Uint8Array(bytes));
  } catch {
    throw new RulesSyntaxError("a string whose bytes are not UTF-8 text", { start, end: i + 1 });
  }
  return { kind: "string", value, raw: false, regex: false, start, end: i + 1 };
}

/** A quoted regular expression: \" becomes ", other escapes stay; a `"` inside […] is part of the class. */
function lexRegexString(source: string, start: number): Token {
  let value = "";
  let inClass = false;
  let i = start + 1;
  while (true) {
    if (i >= source.length) throw new RulesSyntaxError("a regular expression with no closing quote", { start, end: source.length });
    const c = source.charAt(i);
    if (c === "\\") {
      const next = source.charAt(i + 1);
      if (next === "") throw new RulesSyntaxError("a regular expression with no closing quote", { start, end: source.length });
      value += inClass || next !== '"' ? `\\${next}` : next;
      i += 2;
      continue;
    }
    if (c === '"' && !inClass) break;
    if (c === "[" && !inClass) inClass = true;
    else if (c === "]" && inClass) inClass = false;
    value += c;
    i++;
  }
  return { kind: "string", value, raw: false, regex: true, start, end: i + 1 };
}

/** r"…" or r#"…"# (up to 255 #): everything up to the closing quote and as many # is the string. */
function lexRawString(source: string, start: number, regex: boolean): Token {
  let i = start + 1;
  let hashes = 0;
  while (source.charAt(i) === "#") {
    hashes++;
    i++;
  }
  if (hashes > 255) throw new RulesSyntaxError("a raw string takes at most 255 #", { start, end: i });
  if (source.charAt(i) !== '"') throw new RulesSyntaxError('a raw string starts r"… or r#"…', { start, end: i + 1 });
  const closing = `"${"#".repeat(hashes)}`;
  const close = source.indexOf(closing, i + 1);
  if (close < 0) throw new RulesSyntaxError(`a raw string with no closing ${closing}`, { start, end: source.length });
  return { kind: "string", value: source.slice(i + 1, close), raw: true, regex, start, end: close + closing.length };
}

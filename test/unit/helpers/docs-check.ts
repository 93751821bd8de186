/**
 * What test/unit/docs-links.test.ts checks in README.md and docs/**\/*.md, as plain
 * functions over markdown text: the links a page makes (outside code), the anchors a page
 * offers (GitHub's heading slugs and explicit ids), the `npm` scripts its code names and
 * the `examples/` paths it names. Each finding carries its line, so a failure names the
 * file, the line and the bad link, script or path.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** Something found in a page, with the line it starts on (1-based). */
export interface Found {
  readonly text: string;
  readonly line: number;
}

/** A markdown page split into what renders as prose and the code in it. */
export interface Scanned {
  /** The page with fenced code, code spans and HTML comments blanked out (same length, newlines kept). */
  readonly prose: string;
  /** Fenced code blocks (their content) and code spans, with their lines. */
  readonly code: readonly Found[];
}

const FENCE_OPEN = /^[ \t]*(`{3,}|~{3,})(.*)$/;

/** The line (1-based) of an offset in a text. */
function lineAt(text: string, offset: number): number {
  return lineIndex(text)(offset);
}

const lineStartsCache = new Map<string, number[]>();

/** A function from offsets in a text to lines (1-based), by binary search over the line starts. */
function lineIndex(text: string): (offset: number) => number {
  let starts = lineStartsCache.get(text);
  if (starts === undefined) {
    starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    if (lineStartsCache.size > 64) lineStartsCache.clear();
    lineStartsCache.set(text, starts);
  }
  const at = starts;
  return (offset) => {
    let lo = 0;
    let hi = at.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((at[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

/** Replaces [start, end) of the characters with spaces, newlines kept. */
function blank(chars: string[], start: number, end: number): void {
  for (let i = start; i < end; i++) if (chars[i] !== "\n") chars[i] = " ";
}

/**
 * Separates code from prose: fenced blocks (``` or ~~~, also indented inside list items;
 * an unclosed fence runs to the end of the page), then code spans (a run of n backticks up
 * to the next run of exactly n, within one paragraph), and HTML comments.
 */
export function scanMarkdown(markdown: string): Scanned {
  // One slot per UTF-16 code unit, as regex offsets count.
  const units = markdown.split("");
  const code: Found[] = [];
  const lines = markdown.split("\n");
  let offset = 0;
  let fence: { char: string; length: number; start: number; contentStart: number; line: number } | undefined;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] ?? "";
    const end = offset + line.length + 1;
    if (fence === undefined) {
      const open = FENCE_OPEN.exec(line);
      if (open?.[1] !== undefined && !(open[1].startsWith("`") && (open[2] ?? "").includes("`")))
        fence = { char: open[1].charAt(0), length: open[1].length, start: offset, contentStart: end, line: n + 2 };
    } else {
      const close = new RegExp(`^[ \\t]*(\\${fence.char}{${fence.length},})[ \\t]*$`).exec(line);
      if (close !== null) {
        code.push({ text: markdown.slice(fence.contentStart, offset), line: fence.line });
        blank(units, fence.start, Math.min(end, markdown.length));
        fence = undefined;
      }
    }
    offset = end;
  }
  if (fence !== undefined) {
    code.push({ text: markdown.slice(fence.contentStart), line: fence.line });
    blank(units, fence.start, markdown.length);
  }
  // HTML comments render nothing.
  let afterFences = units.join("");
  for (const m of afterFences.matchAll(/<!--[\s\S]*?-->/g)) blank(units, m.index, m.index + m[0].length);
  afterFences = units.join("");
  // Code spans, within a paragraph (a blank line ends the search for the closing run).
  const ticks = /(?<!\\)`+/g;
  const paragraphEnd = /\n[ \t]*\n/g;
  let m: RegExpExecArray | null;
  while ((m = ticks.exec(afterFences)) !== null) {
    const run = m[0].length;
    const from = m.index + run;
    paragraphEnd.lastIndex = from;
    const limit = paragraphEnd.exec(afterFences)?.index ?? afterFences.length;
    const closing = new RegExp(`(?<!\`)\`{${run}}(?!\`)`, "g");
    closing.lastIndex = from;
    const close = closing.exec(afterFences);
    if (close === null || close.index >= limit) continue;
    code.push({ text: afterFences.slice(from, close.index), line: lineAt(afterFences, m.index) });
    blank(units, m.index, close.index + run);
    ticks.lastIndex = close.index + run;
  }
  return { prose: units.join(""), code };
}

/**
 * GitHub's anchor for a heading's text (github-slugger): lower case, every character that is
 * not a letter, mark, number, connector punctuation (`_`), hyphen or space removed, then each
 * space a hyphen. Nothing is trimmed or collapsed: "A — B" is "a--b".
 */
export function githubSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** The text a heading renders (what GitHub slugs): inline markdown and HTML dropped, code kept as written. */
export function headingText(source: string): string {
  const parts = source.split(/(`+[^`]*?`+)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) return part.replace(/^`+ ?|`+$/g, "").replace(/ $/, "");
      const escapes: string[] = [];
      let text = part.replace(/\\([!-/:-@[-`{-~])/g, (_, c: string) => {
        escapes.push(c);
        return `\u{E000}${escapes.length - 1}\u{E001}`;
      });
      text = text
        .replace(/!\[([^\]]*)\]\([^)]*\)/g, "")
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/\[([^\]]*)\]\[[^\]]*\]/g, "$1")
        .replace(/<[^>]+>/g, "")
        .replace(/&(?:[a-z]+|#\d+|#x[0-9a-f]+);/gi, "")
        // Emphasis with underscores at word boundaries renders without them; an underscore inside a word stays.
        .replace(/(^|[^\p{L}\p{N}_])(_{1,3})(?=\S)(.+?)(?<=\S)\2(?=[^\p{L}\p{N}_]|$)/gu, "$1$3");
      return text.replace(/\u{E000}(\d+)\u{E001}/gu, (_, n: string) => escapes[Number(n)] ?? "");
    })
    .join("")
    .trim();
}

/** The headings of a page (ATX `## Title` and setext `Title` over `===`/`---`), outside code. */
export function headings(markdown: string): Found[] {
  const lines = scanMarkdown(markdown).prose.split("\n");
  const raw = markdown.split("\n");
  const found: Found[] = [];
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] ?? "";
    if (line.trim() === "") continue;
    const atx = /^ {0,3}#{1,6}(?:[ \t]+|$)/.exec(line);
    if (atx !== null) {
      // The heading's own text, code spans included (the prose has them blanked).
      const text = (raw[n] ?? "")
        .replace(/^ {0,3}#{1,6}[ \t]*/, "")
        .replace(/[ \t]+#+[ \t]*$/, "")
        .replace(/^#+[ \t]*$/, "");
      found.push({ text: headingText(text), line: n + 1 });
      continue;
    }
    const underline = lines[n + 1] ?? "";
    const previous = n === 0 ? "" : (lines[n - 1] ?? "");
    // A setext heading is a paragraph's only line here: after a blank line or a heading (multi-line ones are rare in docs).
    const paragraphStart = previous.trim() === "" || /^ {0,3}#{1,6}(?:[ \t]|$)/.test(previous);
    if (
      paragraphStart &&
      /^ {0,3}(=+|-+)[ \t]*$/.test(underline) &&
      !/^ {0,3}([-*+]|\d+[.)])[ \t]/.test(line) &&
      !/^ {0,3}(>|\||<)/.test(line)
    ) {
      found.push({ text: headingText((raw[n] ?? "").trim()), line: n + 1 });
      n++;
    }
  }
  return found;
}

/** Every anchor a page offers: its headings' slugs (repeats get -1, -2, … as on GitHub) and explicit HTML ids and names. */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const counts = new Map<string, number>();
  for (const { text } of headings(markdown)) {
    const base = githubSlug(text);
    let slug = base;
    while (out.has(slug)) {
      const next = (counts.get(base) ?? 0) + 1;
      counts.set(base, next);
      slug = `${base}-${next}`;
    }
    out.add(slug);
  }
  for (const m of scanMarkdown(markdown).prose.matchAll(/<[a-z][a-z0-9]*\b[^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']/gi))
    if (m[1] !== undefined) out.add(m[1]);
  return out;
}

/** The link destinations of a page outside code: inline links and images, reference definitions, HTML href and src. */
export function links(markdown: string): Found[] {
  const { prose } = scanMarkdown(markdown);
  const found: Found[] = [];
  const inline =
    /!?\[(?:[^[\]\\]|\\.|\[(?:[^[\]\\]|\\.)*\])*\]\([ \t]*(<[^>\n]*>|(?:[^\s()\\]|\\.|\((?:[^\s()\\]|\\.)*\))*)(?:[ \t\n]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*\)/g;
  for (const m of prose.matchAll(inline)) found.push({ text: destination(m[1] ?? ""), line: lineAt(prose, m.index) });
  for (const m of prose.matchAll(/^ {0,3}\[[^\]]+\]:[ \t]*(<[^>\n]*>|\S+)/gm))
    found.push({ text: destination(m[1] ?? ""), line: lineAt(prose, m.index) });
  for (const m of prose.matchAll(/<(?:a|img|source)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']*)["']/gi))
    found.push({ text: m[1] ?? "", line: lineAt(prose, m.index) });
  return found.sort((a, b) => a.line - b.line);
}

function destination(raw: string): string {
  const unwrapped = raw.startsWith("<") && raw.endsWith(">") ? raw.slice(1, -1) : raw;
  return unwrapped.replace(/\\([!-/:-@[-`{-~])/g, "$1");
}

/** Whether a link leaves the repository's files: a URL with a scheme (http:, https:, mailto:, …) or protocol-relative. */
export function isExternal(link: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith("//");
}

/** A script an npm command in code runs. */
export interface NpmScript extends Found {
  /** The command as written, e.g. `npm run config` or `npm test`. */
  readonly command: string;
}

/**
 * The package.json scripts that code in a page runs: `npm run X` / `npm run-script X`
 * (flags before X skipped), and `npm start`, `npm test` (`npm t`), `npm stop`, `npm restart`,
 * which run the script of that name.
 */
export function npmScripts(code: readonly Found[]): NpmScript[] {
  const found: NpmScript[] = [];
  for (const block of code) {
    const pattern =
      /(?<![\w-])npm[ \t]+(?:(?:run|run-script|rum|urn)(?:[ \t]+--?[\w-]+(?:=\S+)?)*[ \t]+([\w:.@/-]+)|(start|test|t|stop|restart)(?![\w:.-]))/g;
    for (const m of block.text.matchAll(pattern)) {
      const name = m[1] ?? (m[2] === "t" ? "test" : m[2]);
      if (name === undefined) continue;
      found.push({ text: name, command: m[0].replace(/\s+/g, " "), line: block.line + lineAt(block.text, m.index) - 1 });
    }
  }
  return found;
}

/**
 * The paths under examples/ a page names anywhere (links, code, prose), as paths from the
 * repository root: a leading `../` (a link from docs/) is dropped, trailing punctuation too.
 * A path inside another folder (`bench/examples/…`, a URL) is not one of these.
 */
export function examplePaths(markdown: string): Found[] {
  const found: Found[] = [];
  for (const m of markdown.matchAll(/(?<![\w.@/-])(?:\.\.?\/)*examples\/[\w./-]*/g)) {
    const path = m[0].replace(/^(?:\.\.?\/)+/, "").replace(/[.]+$/, "");
    found.push({ text: path, line: lineAt(markdown, m.index) });
  }
  return found;
}

/** The markdown pages checked: README.md and every .md under docs/, as paths from the root. */
export function docPages(root: string): string[] {
  const pages = existsSync(join(root, "README.md")) ? ["README.md"] : [];
  const walk = (dir: string): void => {
    if (!existsSync(join(root, dir))) return;
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith(".md")) pages.push(path);
    }
  };
  walk("docs");
  return pages;
}

/**
 * The problems with a page's relative links: a target that is not a file or folder in the
 * repository, one outside it, or an `#anchor` that the target markdown page does not offer.
 * `read` gives a page's text (cached by the caller).
 */
export function linkProblems(root: string, page: string, markdown: string, read: (path: string) => string): string[] {
  const problems: string[] = [];
  const offered = new Map<string, Set<string>>();
  const anchorsOf = (path: string): Set<string> => {
    let set = offered.get(path);
    if (set === undefined) offered.set(path, (set = anchors(path === page ? markdown : read(path))));
    return set;
  };
  for (const { text: link, line } of links(markdown)) {
    if (isExternal(link)) continue;
    const where = `${page}:${line}: link "${link}"`;
    const hash = link.indexOf("#");
    const pathPart = (hash === -1 ? link : link.slice(0, hash)).replace(/\?.*$/, "");
    const fragment = hash === -1 ? undefined : link.slice(hash + 1);
    let path: string;
    try {
      path = decodeURIComponent(pathPart);
    } catch {
      problems.push(`${where}: the path is not valid percent-encoding`);
      continue;
    }
    const target =
      path === "" ? resolve(root, page) : path.startsWith("/") ? resolve(root, `.${path}`) : resolve(root, dirname(page), path);
    const fromRoot = relative(resolve(root), target);
    if (fromRoot.startsWith(`..${sep}`) || fromRoot === "..") {
      problems.push(`${where}: points outside the repository`);
      continue;
    }
    if (!existsSync(target)) {
      problems.push(`${where}: no such file or folder ${fromRoot.split(sep).join("/")}`);
      continue;
    }
    if (fragment === undefined || fragment === "" || !statSync(target).isFile() || !target.toLowerCase().endsWith(".md")) continue;
    let anchor: string;
    try {
      anchor = decodeURIComponent(fragment);
    } catch {
      problems.push(`${where}: the anchor is not valid percent-encoding`);
      continue;
    }
    const targetPage = fromRoot.split(sep).join("/");
    if (!anchorsOf(targetPage).has(anchor)) problems.push(`${where}: ${targetPage} has no heading or id with the anchor #${anchor}`);
  }
  return problems;
}

/** Reads a page once. */
export function pageReader(root: string): (path: string) => string {
  const cache = new Map<string, string>();
  return (path) => {
    let text = cache.get(path);
    if (text === undefined) cache.set(path, (text = readFileSync(join(root, path), "utf8")));
    return text;
  };
}

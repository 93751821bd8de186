/**
 * Docs that cannot rot (issue 25, part 4): README.md and every docs/**\/*.md page are read
 * as they are, and
 *
 * 1. every relative link `[text](path)` / `[text](path#anchor)` (images, reference
 *    definitions and HTML href/src too; code is not links) names a file or folder of the
 *    repository, and an `#anchor` into a markdown page names one of its headings as GitHub
 *    slugs it (or an explicit id); http(s), mailto and other URLs are left alone;
 * 2. every `npm run X` in their code (code spans and fenced blocks) is a script in
 *    package.json, as are the scripts `npm start` and `npm test` run;
 * 3. every `examples/…` path they name exists, and every config document among them
 *    (a .json outside examples/import/, which holds importer inputs) validates with
 *    Edgeway's validateConfig once a top-level "$schema" is set aside.
 *
 * A failure lists `page:line` and the bad link, script or path. The checker itself is
 * tested first on small pages, so a checker that finds nothing cannot pass for docs that
 * are fine.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { validateConfig } from "../../src/config/validate.ts";
import {
  anchors,
  docPages,
  examplePaths,
  githubSlug,
  headingText,
  linkProblems,
  links,
  npmScripts,
  pageReader,
  scanMarkdown,
} from "./helpers/docs-check.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const read = pageReader(ROOT);
const SCRIPTS = new Set(Object.keys((JSON.parse(read("package.json")) as { scripts?: Record<string, string> }).scripts ?? {}));
const PAGES = docPages(ROOT);

/** The problems with one examples/ path: missing, not JSON, or a config document that does not validate. */
function exampleProblems(path: string): string[] {
  const full = join(ROOT, path);
  if (!existsSync(full)) return ["no such file or folder"];
  if (!path.endsWith(".json") || !statSync(full).isFile()) return [];
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(full, "utf8"));
  } catch (error) {
    return [`not valid JSON: ${error instanceof Error ? error.message : String(error)}`];
  }
  // examples/import/ holds what the importers read (Cloudflare's API objects), not config documents.
  if (path.startsWith("examples/import/")) return [];
  if (typeof document === "object" && document !== null && !Array.isArray(document) && "$schema" in document) {
    const { $schema: _, ...rest } = document as Record<string, unknown>;
    document = rest;
  }
  const result = validateConfig(document);
  return result.ok ? [] : result.issues.map((i) => `does not validate: ${i.path}: ${i.message}`);
}

describe("the docs checker", () => {
  it("slugs headings as GitHub does", () => {
    expect(githubSlug("Known gaps")).toBe("known-gaps");
    expect(githubSlug("The request path's cost")).toBe("the-request-paths-cost");
    expect(githubSlug("How the origin sees the request: host, headers, secrets, mTLS")).toBe(
      "how-the-origin-sees-the-request-host-headers-secrets-mtls",
    );
    expect(githubSlug("npm run config — the CLI")).toBe("npm-run-config--the-cli");
    expect(githubSlug("1.2 Release (beta) & more!")).toBe("12-release-beta--more");
    expect(githubSlug("edgeway_origin_healthy")).toBe("edgeway_origin_healthy");
    expect(githubSlug("😄 emoji")).toBe("-emoji");
    expect(githubSlug("Привет non-latin 你好")).toBe("привет-non-latin-你好");
    expect(headingText("The `x-edgeway-origin` header, [links](a.md) and _emphasis_ <sup>1</sup>")).toBe(
      "The x-edgeway-origin header, links and emphasis 1",
    );
    expect(headingText("snake_case_name and \\_escaped\\_")).toBe("snake_case_name and _escaped_");
  });

  it("offers every heading's anchor (repeats numbered), explicit ids, and none from code", () => {
    const page = [
      "# Title",
      "## Observability",
      "## Observability",
      "Setext heading",
      "--------------",
      '<a id="custom-anchor"></a>',
      "```sh",
      "# not a heading",
      "```",
      "## Closed ATX ##",
    ].join("\n");
    expect([...anchors(page)].sort()).toEqual(
      ["title", "observability", "observability-1", "setext-heading", "custom-anchor", "closed-atx"].sort(),
    );
  });

  it("finds links in prose, not in code, with their lines", () => {
    const page = [
      "See [a](docs/a.md#x), ![img](docs/i.png 'title') and [b][ref].",
      "`[not](a-link.md)` and ``[nor](this.md)``",
      "```md",
      "[nor](fenced.md)",
      "```",
      "[ref]: <docs/b c.md>",
      '<a href="docs/c.md">c</a> <!-- [hidden](gone.md) -->',
      "[spaced](docs/my%20file.md) [nested `code`](docs/d.md) [paren](docs/e_(1).md)",
    ].join("\n");
    expect(links(page).map((l) => `${l.line}:${l.text}`)).toEqual([
      "1:docs/a.md#x",
      "1:docs/i.png",
      "6:docs/b c.md",
      "7:docs/c.md",
      "8:docs/my%20file.md",
      "8:docs/d.md",
      "8:docs/e_(1).md",
    ]);
    expect(scanMarkdown(page).code.map((c) => c.text.trim())).toEqual(["[nor](fenced.md)", "[not](a-link.md)", "[nor](this.md)", "code"]);
  });

  it("reports missing files, folders and anchors, and leaves URLs alone", () => {
    const page = [
      "[ok](README.md) [folder](docs) [root](/package.json) [self](#here)",
      "## Here",
      "[gone](docs/nope.md) [bad anchor](#nowhere) [web](https://example.com/x.md) [mail](mailto:a@b.c)",
      "[out](../../etc/passwd)",
    ].join("\n");
    const problems = linkProblems(ROOT, "README.md", page, (p) => (p === "README.md" ? page : read(p)));
    expect(problems).toEqual([
      'README.md:3: link "docs/nope.md": no such file or folder docs/nope.md',
      'README.md:3: link "#nowhere": README.md has no heading or id with the anchor #nowhere',
      'README.md:4: link "../../etc/passwd": points outside the repository',
    ]);
  });

  it("finds npm scripts in code only, and examples/ paths anywhere", () => {
    const page = [
      "Run `npm run lint` or `npm test`; in prose npm run nothing counts.",
      "```sh",
      "npm start -- --smoke && npm run --silent config -- push examples/multi-cloud.json",
      "npm install",
      "```",
      "See [the example](../examples/registration.json), examples/import/istio/ and https://x/examples/no.json.",
    ].join("\n");
    const { code } = scanMarkdown(page);
    expect(npmScripts(code).map((s) => `${s.line}:${s.text}`)).toEqual(["3:start", "3:config", "1:lint", "1:test"]);
    expect(examplePaths(page).map((p) => `${p.line}:${p.text}`)).toEqual([
      "3:examples/multi-cloud.json",
      "6:examples/registration.json",
      "6:examples/import/istio/",
    ]);
  });
});

describe("README.md and docs/", () => {
  it("are there to check", () => {
    expect(PAGES).toContain("README.md");
    expect(links(read("README.md")).length).toBeGreaterThan(0);
  });

  describe.each(PAGES)("%s", (page) => {
    it("every relative link resolves to a file or folder, and every #anchor to a heading", () => {
      expect(linkProblems(ROOT, page, read(page), read)).toEqual([]);
    });

    it("every npm script its code runs is in package.json", () => {
      const missing = npmScripts(scanMarkdown(read(page)).code)
        .filter((s) => !SCRIPTS.has(s.text))
        .map((s) => `${page}:${s.line}: \`${s.command}\`: no script "${s.text}" in package.json`);
      expect(missing).toEqual([]);
    });

    it("every examples/ path it names exists, and every config document there validates", () => {
      const problems = examplePaths(read(page)).flatMap(({ text, line }) =>
        exampleProblems(text).map((problem) => `${page}:${line}: ${text}: ${problem}`),
      );
      expect(problems).toEqual([]);
    });
  });
});

/** What the figures were measured on: the machine, the software versions, the code. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

export interface Machine {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly kernel: string;
  readonly node: string;
  readonly workerd: string;
  readonly nginx: string | undefined;
  readonly autocannon: string;
  readonly miniflare: string;
  readonly wrangler: string;
  /** The commit the run measured, and how many files under src/ differed from it. */
  readonly commit: string;
  readonly srcChanges: number;
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? os.type();
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function git(root: string, args: string[]): string {
  const out = spawnSync("git", args, { cwd: root, encoding: "utf8" });
  return out.status === 0 ? out.stdout.trim() : "";
}

export function describeMachine(root: string, versions: { workerd: string; nginx: string | undefined }): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: osName(),
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    workerd: versions.workerd,
    nginx: versions.nginx,
    autocannon: packageVersion(root, "autocannon"),
    miniflare: packageVersion(root, "miniflare"),
    wrangler: packageVersion(root, "wrangler"),
    commit: git(root, ["rev-parse", "--short", "HEAD"]) || "unknown",
    srcChanges: git(root, ["status", "--porcelain", "--", "src"])
      .split("\n")
      .filter((l) => l.trim() !== "").length,
  };
}

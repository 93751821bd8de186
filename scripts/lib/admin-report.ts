/**
 * How the config CLI prints the admin API's answers: a config diff as `+`/`-`/`~` lines,
 * the version history and the origins' status as terminal tables. Pure functions of the
 * parsed answers, a Paint and the clock, so they print the same thing for the same input.
 */
import type { Change, Health, History, OriginHealth, OriginView, Origins, Overrides } from "./admin-answers.ts";
import { renderTable } from "./table.ts";
import type { Paint } from "./table.ts";

/** A JSON value on one line: strings quoted, as in the document. */
function value(v: unknown): string {
  return v === undefined ? "(unset)" : JSON.stringify(v);
}

const isEntity = (v: unknown): boolean => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * One change: `~ origins.aws-use1.weight: 3 → 5`, `+ pools.eu2`, `- routes.old`. An added
 * or removed object (an origin, a pool, a route) is named by its path alone; anything
 * smaller shows its value.
 */
export function formatChange(change: Change, p: Paint): string {
  switch (change.op) {
    case "add":
      return p.green(`+ ${change.path}${isEntity(change.to) ? "" : `: ${value(change.to)}`}`);
    case "remove":
      return p.red(`- ${change.path}${isEntity(change.from) ? "" : `: ${value(change.from)}`}`);
    case "change":
      return p.yellow(`~ ${change.path}: ${value(change.from)} → ${value(change.to)}`);
  }
}

/**
 * A whole collection added or removed (`origins` against no config at all) as one line per
 * member (`+ origins.aws-use1`): the admin API keys collections by id, so its value is an
 * object of entities.
 */
export function expandCollections(diff: readonly Change[]): Change[] {
  return diff.flatMap((change) => {
    const value = change.op === "add" ? change.to : change.op === "remove" ? change.from : undefined;
    if (/[.[]/.test(change.path) || !isEntity(value)) return [change];
    const members = Object.entries(value as Record<string, unknown>);
    if (members.length === 0 || !members.every(([, member]) => isEntity(member))) return [change];
    return members.map(
      ([id, member]): Change =>
        change.op === "add"
          ? { op: "add", path: `${change.path}.${id}`, to: member }
          : { op: "remove", path: `${change.path}.${id}`, from: member },
    );
  });
}

/** The diff of FILE against the config in force, with a line saying what it is against. */
export function formatDiff(file: string, inForce: number | null, changes: readonly Change[], p: Paint): string {
  const against = inForce === null ? "no config in force yet" : `version ${inForce} (in force)`;
  const diff = expandCollections(changes);
  if (diff.length === 0) return `${file}: no changes against ${against}`;
  const counts = (["add", "remove", "change"] as const).map((op) => diff.filter((c) => c.op === op).length);
  const head = `${file} against ${against}: ${diff.length} change(s) (+${counts[0]} -${counts[1]} ~${counts[2]})`;
  return [head, ...diff.map((change) => `  ${formatChange(change, p)}`)].join("\n");
}

/** `2026-11-20 14:03:22 UTC` from an ISO timestamp (the text itself if it is not one). */
export function formatWhen(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** `5 min ago`, from epoch ms or ISO text. */
export function formatAgo(at: number | string | null | undefined, now: number): string {
  const ms = typeof at === "string" ? Date.parse(at) : at;
  if (ms === null || ms === undefined || Number.isNaN(ms)) return "";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}

/** The history table, newest first as the server sends it; `*` marks the version in force. */
export function formatHistory(history: History, p: Paint): string {
  if (history.versions.length === 0) return "no config versions stored yet";
  const rows = history.versions.map((v) => {
    const current = v.version === history.current;
    const c = v.changes;
    return [
      current ? p.green("*") : "",
      current ? p.green(String(v.version)) : String(v.version),
      formatWhen(v.updatedAt),
      v.actor ?? "",
      v.reason ?? "",
      c === null || c === undefined ? "" : `+${c.added} -${c.removed} ~${c.changed}`,
      v.rollbackOf === null || v.rollbackOf === undefined ? "" : String(v.rollbackOf),
    ];
  });
  const table = renderTable(["", "VERSION", "WHEN", "WHO", "REASON", "CHANGES", "ROLLBACK OF"], rows, p);
  const footer = history.current === null ? "no version is in force" : `* in force: version ${history.current}`;
  return `${table}\n${p.dim(footer)}`;
}

/** The overrides an origin holds, each with its reason and who set it how long ago. */
export function formatOverrides(overrides: Overrides, now: number): string {
  const parts: string[] = [];
  const why = (o: {
    reason?: string | null | undefined;
    actor?: string | null | undefined;
    at?: number | string | null | undefined;
  }): string => {
    const meta = [o.actor ?? "", formatAgo(o.at, now)].filter((s) => s !== "").join(", ");
    return `${o.reason ? `: ${o.reason}` : ""}${meta === "" ? "" : ` (${meta})`}`;
  };
  if (overrides.state !== undefined) parts.push(`${overrides.state.value}${why(overrides.state)}`);
  if (overrides.weight !== undefined) parts.push(`weight ${overrides.weight.value}${why(overrides.weight)}`);
  if (overrides.health !== undefined) parts.push(`forced ${overrides.health.value}${why(overrides.health)}`);
  return parts.join("; ");
}

/** drained / disabled by an operator, or as the document sets it. */
function stateOf(view: OriginView | undefined, health: OriginHealth | undefined): string {
  const override = view?.overrides.state?.value;
  if (override !== undefined) return override;
  const enabled = view?.configured.enabled ?? health?.enabled ?? true;
  return enabled ? "enabled" : "disabled";
}

/**
 * The origins table: pools, health and its reason, ejection, configured and effective
 * weight, state and overrides. Origins in the order the admin API lists them (config
 * order), then registered origins only /health knows.
 */
export function formatStatus(origins: Origins, health: Health, p: Paint, now: number): string {
  const ids = [...new Set([...Object.keys(origins.origins), ...Object.keys(health.origins)])];
  const head =
    `config version ${health.configVersion ?? "none"}` +
    (health.source === undefined ? "" : ` · health from ${health.source === "durable_object" ? "the Durable Object" : health.source}`) +
    (health.error === undefined ? "" : ` (${health.error})`);
  if (ids.length === 0) return `${head}\nno origins (no config in force and nothing registered)`;
  const rows = ids.map((id) => {
    const view = origins.origins[id];
    const h = health.origins[id];
    const healthy = view?.healthy ?? h?.healthy ?? false;
    const reason = h?.reason ?? "";
    const healthCell = `${healthy ? p.green("healthy") : p.red("unhealthy")}${reason === "" ? "" : ` (${reason})`}`;
    const state = stateOf(view, h);
    const configured = view?.configured.weight ?? h?.weight;
    const effective = view === undefined ? undefined : view.effective.enabled ? view.effective.weight : 0;
    const changed = effective !== undefined && effective !== configured;
    return [
      h?.registered === undefined
        ? id
        : `${id} (registered${typeof h.registered.registrant === "string" ? ` by ${h.registered.registrant}` : ""})`,
      (view?.pools ?? h?.pools ?? []).join(","),
      healthCell,
      h?.ejected === true ? p.red("yes") : "no",
      configured === undefined ? "?" : String(configured),
      effective === undefined ? "?" : changed ? p.yellow(String(effective)) : String(effective),
      state === "enabled" ? state : p.yellow(state),
      view === undefined ? "" : formatOverrides(view.overrides, now),
    ];
  });
  const table = `${head}\n${renderTable(["ORIGIN", "POOLS", "HEALTH", "EJECTED", "WEIGHT", "EFFECTIVE", "STATE", "OVERRIDES"], rows, p)}`;
  const page = health.registrations;
  const unseen = page === undefined ? 0 : page.total - Math.min(page.limit, Math.max(0, page.total - page.offset));
  return unseen > 0 && page !== undefined
    ? `${table}\n${page.total} registered origins in all, ${unseen} not shown (GET /_edgeway/register pages through them)`
    : table;
}

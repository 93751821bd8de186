/**
 * REGISTER_TOKENS: scoped registration tokens, a secret holding a JSON map of token name
 * to `{ "token": "…", "pools": ["web", …] | ["*"], "ratePerMinute": 600 }`. A token may
 * register only into the pools it names, and the token's name is what the audit trail,
 * the health API and the status page show as the registrant. Parsed once per value (the
 * secret changes only with a deploy); a malformed value is reported with what is wrong,
 * never with the secret's content, and leaves ADMIN_TOKEN and REGISTER_TOKEN working.
 */
import { z } from "zod";
import { Id } from "../config/schema.ts";
import { formatPath } from "../config/validate.ts";
import { DEFAULT_REGISTRATIONS_PER_MINUTE } from "../discovery/rate-limit.ts";

/** Names the built-in tokens go by; a scoped token may not take one. */
export const RESERVED_TOKEN_NAMES = ["admin-token", "read-token", "register-token"] as const;

/** Shortest accepted token: 16 characters (128 bits when random hex or base64). */
export const MIN_TOKEN_LENGTH = 16;

const ScopedTokenSchema = z.strictObject({
  token: z.string().min(MIN_TOKEN_LENGTH, `must be at least ${MIN_TOKEN_LENGTH} characters`).max(512),
  /** Pool ids the token may register into; "*" for every pool with a registration policy. */
  pools: z.array(z.union([z.literal("*"), Id])).min(1, 'name at least one pool, or "*"'),
  ratePerMinute: z.number().int().min(1).max(1_000_000).default(DEFAULT_REGISTRATIONS_PER_MINUTE),
});

/** A token's name, checked per key (zod's record keys report only "Invalid key"). */
const TokenName = Id.refine(
  (name) => !(RESERVED_TOKEN_NAMES as readonly string[]).includes(name),
  `is reserved (${RESERVED_TOKEN_NAMES.join(", ")})`,
);

const RegisterTokensSchema = z.record(z.string(), ScopedTokenSchema).superRefine((tokens, ctx) => {
  for (const name of Object.keys(tokens)) {
    const checked = TokenName.safeParse(name);
    if (!checked.success) ctx.addIssue({ code: "custom", path: [name], message: checked.error.issues[0]?.message ?? "bad name" });
  }
  if (new Set(Object.values(tokens).map((t) => t.token)).size !== Object.keys(tokens).length)
    ctx.addIssue({ code: "custom", message: "two names share one token: give each name its own" });
});

/** What a registration token may do. */
export interface RegisterScope {
  /** The token's name: the registrant an id is bound to. */
  readonly name: string;
  /** Pools it may register into; "*" for all. */
  readonly pools: readonly string[] | "*";
  readonly ratePerMinute: number;
}

export interface ScopedToken extends RegisterScope {
  readonly token: string;
}

export type ParsedTokens =
  | { readonly ok: true; readonly tokens: readonly ScopedToken[] }
  | { readonly ok: false; readonly problem: string };

let memo: { text: string; parsed: ParsedTokens } | undefined;

/** The scoped tokens in REGISTER_TOKENS (none when unset or empty), or what is wrong with it. */
export function parseRegisterTokens(text: string | undefined): ParsedTokens {
  if (text === undefined || text.trim() === "") return { ok: true, tokens: [] };
  if (memo?.text === text) return memo.parsed;
  let parsed: ParsedTokens;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the fault, which would be the secret itself.
    parsed = { ok: false, problem: "REGISTER_TOKENS is not valid JSON (its content is not shown: it holds tokens)" };
    memo = { text, parsed };
    return parsed;
  }
  const result = RegisterTokensSchema.safeParse(json);
  parsed = result.success
    ? {
        ok: true,
        tokens: Object.entries(result.data).map(([name, t]) => ({
          name,
          token: t.token,
          pools: t.pools.includes("*") ? "*" : t.pools,
          ratePerMinute: t.ratePerMinute,
        })),
      }
    : {
        ok: false,
        problem: `REGISTER_TOKENS is not a map of token name → { token, pools, ratePerMinute? }: ${result.error.issues
          .map((i) => `${formatPath(i.path)}: ${i.message}`)
          .join("; ")}`,
      };
  memo = { text, parsed };
  return parsed;
}

/** Whether `scope` lets its token register into `pool`. */
export function mayRegisterInto(scope: RegisterScope, pool: string): boolean {
  return scope.pools === "*" || scope.pools.includes(pool);
}

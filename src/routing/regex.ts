/**
 * Regular expressions in routing rules (path, header and query-parameter matches) run on
 * a linear-time engine: RE2's syntax and guarantees (re2js, a port of RE2/J), the engine
 * Envoy and Istio use for their `safe_regex`, so a pattern imported from them means the
 * same here. A match costs time proportional to the text whatever the pattern, so no
 * pattern can make a request slow; back-references and look-around, which no linear
 * engine can run, are refused at validation with the pattern named.
 *
 * A pattern matches the whole value (Envoy's and the Gateway API implementations' rule):
 * `/v[0-9]+/.*` matches "/v2/users", not "/api/v2/users".
 */
import { RE2JS } from "re2js";

/** Longest pattern accepted: ample for a route, and it bounds compile time and memory. */
export const MAX_PATTERN_LENGTH = 1_024;

/**
 * Largest compiled program accepted (RE2's program size, the measure Envoy bounds with
 * `max_program_size`, 100 by default). A linear engine's time is the text's length times
 * the program's size at worst: at 200, the worst pattern measured takes about 1.5 ms on an
 * 8 KB header value (`npm run bench -- --only rules`), where a usual route pattern
 * (`/v[0-9]+/(users|orders)/[0-9a-f-]{36}`) is under 80.
 */
export const MAX_PROGRAM_SIZE = 200;

/** A compiled pattern: `test` is a whole-value match. */
export interface SafeRegex {
  readonly source: string;
  test(value: string): boolean;
}

/** Why `pattern` cannot be used, or undefined when it can. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH) return `is ${pattern.length} characters long; at most ${MAX_PATTERN_LENGTH} are accepted`;
  let size: number;
  try {
    size = RE2JS.compile(pattern).programSize();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return `is not a regular expression Edgeway accepts (RE2 syntax, no back-references or look-around): ${message}`;
  }
  if (size > MAX_PROGRAM_SIZE)
    return `compiles to a program of ${size} instructions; at most ${MAX_PROGRAM_SIZE} are accepted (large counted repetitions such as {1,1000} cost the most)`;
  return undefined;
}

/** Compiles a pattern that regexProblem accepted. */
export function compileRegex(pattern: string): SafeRegex {
  const re = RE2JS.compile(pattern);
  return {
    source: pattern,
    test: (value) => re.matches(value),
  };
}

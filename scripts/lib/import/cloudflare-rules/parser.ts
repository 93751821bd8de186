/**
 * A parser for Cloudflare's Rules language, the condition of a load balancing rule:
 * the whole grammar, so any condition Cloudflare accepts is read into a syntax tree with
 * the place of every node; which parts Edgeway can carry is translate.ts's question.
 *
 *   expression := xor ( ("or" | "||") xor )*
 *   xor        := and ( ("xor" | "^^") and )*
 *   and        := simple ( ("and" | "&&") simple )*
 *   simple     := ("not" | "!") simple | "(" expression ")" | comparison
 *   comparison := operand [ operator value ]
 *   operand    := name [ "(" argument ( "," argument )* ")" ] ( "[" ( string | number | "*" ) "]" )*
 *   value      := string | word | "{" value* "}" | "$" name
 *
 * As in Cloudflare's engine (wirefilter), `not` binds tighter than `and`, `and` than
 * `xor`, `xor` than `or`, and keywords are lower case.
 */
import { RulesSyntaxError, tokenize } from "./lexer.ts";
import type { Span, Token } from "./lexer.ts";

export { RulesSyntaxError } from "./lexer.ts";
export type { Span } from "./lexer.ts";

export type Index = Span &
  ({ readonly kind: "key"; readonly key: string } | { readonly kind: "position"; readonly position: number } | { readonly kind: "each" });

/** A field (`http.request.uri.path`) or a function call (`lower(…)`), with any indexes after it. */
export type Operand = Span &
  (
    | { readonly kind: "field"; readonly name: string; readonly indexes: readonly Index[] }
    | { readonly kind: "call"; readonly name: string; readonly args: readonly Expression[]; readonly indexes: readonly Index[] }
  );

/** The right-hand side of a comparison. */
export type Value = Span &
  (
    | { readonly kind: "string"; readonly value: string; readonly raw: boolean }
    | { readonly kind: "word"; readonly text: string }
    | { readonly kind: "set"; readonly items: readonly Value[] }
    | { readonly kind: "list"; readonly name: string }
  );

export const OPERATORS = [
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "contains",
  "matches",
  "wildcard",
  "strict wildcard",
  "in",
  "bitwise_and",
] as const;
export type Operator = (typeof OPERATORS)[number];

/** C-like spellings of the operators. */
const SYMBOLS: Record<string, Operator> = {
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
  "~": "matches",
  "&": "bitwise_and",
};

export type Expression = Span &
  (
    | { readonly kind: "or" | "xor" | "and"; readonly items: readonly Expression[] }
    | { readonly kind: "not"; readonly arg: Expression }
    | { readonly kind: "compare"; readonly lhs: Operand; readonly op: Operator; readonly rhs: Value }
    /** An operand on its own: a boolean field (`ssl`) or a function that returns one (`starts_with(…)`). */
    | { readonly kind: "operand"; readonly operand: Operand }
    /** A bare literal, which can only be a function's argument. */
    | { readonly kind: "literal"; readonly value: Value }
  );

const LOGICAL: Record<string, "or" | "xor" | "and"> = { or: "or", "||": "or", xor: "xor", "^^": "xor", and: "and", "&&": "and" };
const LEVELS = ["or", "xor", "and"] as const;

const FIELD_NAME = /^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*$/;

/** Parses a condition; throws RulesSyntaxError naming the part that could not be read. */
export function parseCondition(source: string): Expression {
  const parser = new Parser(tokenize(source));
  const expression = parser.expression(0);
  const rest = parser.peek();
  if (rest.kind !== "end") throw new RulesSyntaxError("expected and, or, xor or the end of the condition", rest);
  return expression;
}

class Parser {
  readonly #tokens: readonly Token[];
  #at = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  peek(): Token {
    return this.#tokens[this.#at] ?? this.#tokens[this.#tokens.length - 1]!;
  }

  #next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.#at++;
    return token;
  }

  #isPunct(text: string): boolean {
    const token = this.peek();
    return token.kind === "punct" && token.text === text;
  }

  #expect(text: string, what: string): Token {
    const token = this.#next();
    if (token.kind !== "punct" || token.text !== text) throw new RulesSyntaxError(`expected ${what}`, token);
    return token;
  }

  /** One level of the logical operators: level 0 is `or`, 1 `xor`, 2 `and`. */
  expression(level: number): Expression {
    const kind = LEVELS[level];
    if (kind === undefined) return this.#simple();
    const first = this.expression(level + 1);
    const items = [first];
    while (true) {
      const token = this.peek();
      const op = token.kind === "word" || token.kind === "punct" ? LOGICAL[token.text] : undefined;
      if (op !== kind) break;
      this.#next();
      items.push(this.expression(level + 1));
    }
    if (items.length === 1) return first;
    return { kind, items, start: first.start, end: items[items.length - 1]!.end };
  }

  #simple(): Expression {
    const token = this.peek();
    if ((token.kind === "word" && token.text === "not") || (token.kind === "punct" && token.text === "!")) {
      this.#next();
      const arg = this.#simple();
      return { kind: "not", arg, start: token.start, end: arg.end };
    }
    if (token.kind === "punct" && token.text === "(") {
      this.#next();
      const inner = this.expression(0);
      this.#expect(")", "a closing parenthesis");
      return inner;
    }
    return this.#comparison();
  }

  #comparison(): Expression {
    const operand = this.#operand();
    const token = this.peek();
    let op: Operator | undefined;
    if (token.kind === "punct") op = SYMBOLS[token.text];
    else if (token.kind === "word") {
      if (token.text === "strict") {
        const after = this.#tokens[this.#at + 1];
        if (after?.kind !== "word" || after.text !== "wildcard") throw new RulesSyntaxError('expected "strict wildcard"', token);
        this.#at++;
        op = "strict wildcard";
      } else if ((OPERATORS as readonly string[]).includes(token.text)) op = token.text as Operator;
    }
    if (op === undefined) return { kind: "operand", operand, start: operand.start, end: operand.end };
    this.#next();
    const rhs = this.#value();
    return { kind: "compare", lhs: operand, op, rhs, start: operand.start, end: rhs.end };
  }

  #operand(): Operand {
    const token = this.#next();
    if (token.kind !== "word" || !FIELD_NAME.test(token.text))
      throw new RulesSyntaxError("expected a field or a function (lower-case names such as http.request.uri.path)", token);
    let end = token.end;
    let args: Expression[] | undefined;
    if (this.#isPunct("(")) {
      this.#next();
      args = [];
      if (!this.#isPunct(")")) {
        args.push(this.#argument());
        while (this.#isPunct(",")) {
          this.#next();
          args.push(this.#argument());
        }
      }
      end = this.#expect(")", "a comma or a closing parenthesis after the function's arguments").end;
    }
    const indexes: Index[] = [];
    while (this.#isPunct("[")) {
      const open = this.#next();
      const key = this.#next();
      let index: Index;
      if (key.kind === "string") index = { kind: "key", key: key.value, start: open.start, end: 0 };
      else if (key.kind === "punct" && key.text === "*") index = { kind: "each", start: open.start, end: 0 };
      else if (key.kind === "word" && /^\d+$/.test(key.text))
        index = { kind: "position", position: Number(key.text), start: open.start, end: 0 };
      else throw new RulesSyntaxError('expected a key ("name"), a position (0) or [*]', key);
      end = this.#expect("]", "a closing bracket").end;
      indexes.push({ ...index, end });
    }
    return args === undefined
      ? { kind: "field", name: token.text, indexes, start: token.start, end }
      : { kind: "call", name: token.text, args, indexes, start: token.start, end };
  }

  /** A function's argument: a literal, or an expression (a field, a call, or a comparison as in any(…[*] == "x")). */
  #argument(): Expression {
    const token = this.peek();
    const literal = token.kind === "string" || (token.kind === "word" && !FIELD_NAME.test(token.text));
    if (literal) {
      const value = this.#value();
      return { kind: "literal", value, start: value.start, end: value.end };
    }
    return this.expression(0);
  }

  #value(): Value {
    const token = this.#next();
    if (token.kind === "string") return { kind: "string", value: token.value, raw: token.raw, start: token.start, end: token.end };
    if (token.kind === "word") return { kind: "word", text: token.text, start: token.start, end: token.end };
    if (token.kind === "punct" && token.text === "$") {
      const name = this.#next();
      if (name.kind !== "word") throw new RulesSyntaxError("expected a list name after $", name);
      return { kind: "list", name: name.text, start: token.start, end: name.end };
    }
    if (token.kind === "punct" && token.text === "{") {
      const items: Value[] = [];
      while (!this.#isPunct("}")) {
        if (this.peek().kind === "end") throw new RulesSyntaxError("a set with no closing }", { start: token.start, end: this.peek().end });
        items.push(this.#value());
      }
      const close = this.#next();
      return { kind: "set", items, start: token.start, end: close.end };
    }
    throw new RulesSyntaxError("expected a value: a string, a number, an address or a set {…}", token);
  }
}

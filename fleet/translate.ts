/**
 * Run a zod schema on one entry and turn each zod issue into a fleet issue:
 * our codes, messages written for a person editing YAML, and positions from
 * the merged data (an unknown key points at the key, a missing one at the map).
 */
import { z } from "zod";
import type { FleetIssueCode } from "./errors";
import type { Issues } from "./issues";
import type { Path } from "./positions";
import { closest, didYouMean, quoteList } from "./suggest";
import { toPlain } from "./tree";

/** The parsed entry (maps in `data` may be Maps), or undefined after adding its issues to `issues`. */
export function validate<T extends z.ZodType>(
  schema: T,
  data: unknown,
  path: Path,
  issues: Issues,
): z.output<T> | undefined {
  const result = schema.safeParse(toPlain(data), { reportInput: true });
  if (result.success) return result.data;
  const typos = typoTargets(schema, result.error.issues);
  for (const issue of result.error.issues) {
    const relative = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p));
    // `memroy: unknown key (did you mean "memory"?)` already says that memory is missing.
    if (isMissing(issue) && typos.has(keyOf(relative))) continue;
    report(schema, issue, [...path, ...relative], issues);
  }
  return undefined;
}

const keyOf = (path: readonly PropertyKey[]) => JSON.stringify(path.map(String));

/** A required key that is absent (YAML has no undefined, so undefined input means missing). */
function isMissing(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "invalid_type") return issue.input === undefined;
  return issue.code === "custom" && issueCode(issue) === "missing_key";
}

function issueCode(issue: z.core.$ZodIssueCustom): FleetIssueCode {
  return (issue.params as { code?: FleetIssueCode } | undefined)?.code ?? "invalid_value";
}

/** Paths of the keys that unknown keys are probably misspellings of. */
function typoTargets(schema: z.ZodType, zodIssues: readonly z.core.$ZodIssue[]): Set<string> {
  const targets = new Set<string>();
  for (const issue of zodIssues) {
    if (issue.code !== "unrecognized_keys") continue;
    const known = keysAt(schema, issue.path);
    for (const key of issue.keys) {
      const match = closest(key, known);
      if (match !== undefined) targets.add(keyOf([...issue.path, match]));
    }
  }
  return targets;
}

function report(schema: z.ZodType, issue: z.core.$ZodIssue, path: Path, issues: Issues): void {
  const parent = path.slice(0, -1);
  const last = String(path.at(-1));
  if (isMissing(issue)) return issues.missing(parent, last);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = keysAt(schema, issue.path);
      for (const key of issue.keys) {
        issues.key([...path, key], "unknown_key", unknownKey(key, known));
      }
      return;
    }
    case "invalid_type":
      return issues.value(path, "invalid_type", expected(issue.expected, issue.input));
    case "invalid_value": {
      const wanted = issue.values.map((v) => JSON.stringify(v));
      const options = wanted.length === 1 ? wanted[0] : `one of ${wanted.join(", ")}`;
      const hint = didYouMean(String(issue.input), issue.values.map(String));
      const message = `expected ${options}, got ${describe(issue.input)}${hint}`;
      return issues.value(path, "invalid_value", message);
    }
    case "too_small":
      return issues.value(path, "too_small", `must be at least ${String(issue.minimum)}`);
    case "too_big":
      return issues.value(path, "too_big", `must be at most ${String(issue.maximum)}`);
    case "custom":
      return issues.value(path, issueCode(issue), issue.message);
    default:
      return issues.value(path, "invalid_value", issue.message);
  }
}

function unknownKey(key: string, known: readonly string[]): string {
  const hint = didYouMean(key, known);
  if (hint) return `unknown key ${JSON.stringify(key)}${hint}`;
  return `unknown key ${JSON.stringify(key)}; known keys: ${quoteList(known)}`;
}

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a map",
  record: "a map",
  array: "a list",
};

function expected(type: string, input: unknown): string {
  // YAML 1.1 booleans are plain text in YAML 1.2, which is what fleet files are.
  const yaml11 = typeof input === "string" && /^(yes|no|on|off|y|n)$/i.test(input);
  const hint = type === "boolean" && yaml11 ? " (in YAML 1.2, yes/no/on/off are text)" : "";
  return `expected ${EXPECTED[type] ?? type}, got ${describe(input)}${hint}`;
}

/** A short description of a value found in YAML, for "got …". */
function describe(value: unknown): string {
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (Array.isArray(value)) return "a list";
  if (value instanceof Uint8Array) return "binary data";
  if (typeof value === "object" && value !== null) return "a map";
  return String(value);
}

/** The keys an object schema allows at `path` inside `schema`, for "did you mean". */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: unknown = schema;
  for (const seg of [...path, undefined]) {
    while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
      current = current.unwrap();
    }
    if (!(current instanceof z.ZodObject)) return [];
    if (seg === undefined) return Object.keys(current.shape);
    current = (current.shape as Record<PropertyKey, unknown>)[seg];
  }
  return [];
}

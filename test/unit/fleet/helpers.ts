/** Helpers for the fleet file tests: YAML written line by line, and the issues a load throws. */
import type { FleetIssue } from "../../../fleet/errors";
import { FleetConfigError } from "../../../fleet/errors";
import type { ParseOptions } from "../../../fleet/load";
import { parseFleet } from "../../../fleet/load";
import type { FleetSpec } from "../../../fleet/spec";

/** Lines of YAML, so that a test can count line numbers: line N is argument N. */
export const yaml = (...lines: string[]): string => lines.join("\n") + "\n";

export const FILE = "stacks/fleet.yaml";
export const OPTIONS: ParseOptions = { cwd: "/proj", homeDir: "/home/me" };

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;

export function parseOne(text: string, options: ParseOptions = OPTIONS): FleetSpec {
  return parseFleet([{ file: FILE, text }], options);
}

/** The issues `load` throws; fails the test if it throws anything else or nothing. */
export function issuesOf(load: () => unknown): FleetIssue[] {
  try {
    load();
  } catch (err) {
    if (err instanceof FleetConfigError) return [...err.issues];
    throw err;
  }
  throw new Error("expected a FleetConfigError, but the fleet loaded");
}

/** An issue in FILE, for tables. */
export function at(
  line: number,
  col: number,
  path: string,
  code: FleetIssue["code"],
  message: string,
  file = FILE,
): FleetIssue {
  return { file, line, col, path, message, code };
}

/** [line, the text pointed at (or its column), path, code, message] */
export type ExpectedIssue = [number, string | number, string, FleetIssue["code"], string];

/** [test name, lines of FILE, the issues expected] */
export type IssueCase = [string, string[], ExpectedIssue[]];

function expectedIssue(lines: string[], [line, token, path, code, message]: ExpectedIssue) {
  const col = typeof token === "number" ? token : lines[line - 1].indexOf(token) + 1;
  if (col === 0) throw new Error(`test bug: ${JSON.stringify(token)} is not on line ${line}`);
  return at(line, col, path, code, message);
}

/** Parse `lines` as FILE and expect exactly `expected`, in order. */
export function expectIssues(_name: string, lines: string[], expected: ExpectedIssue[]): void {
  const text = yaml(...lines);
  expect(issuesOf(() => parseOne(text))).toEqual(expected.map((e) => expectedIssue(lines, e)));
}

/**
 * `deskfleet affected [--changed FILE] [PATH…] [--json]`: the stacks whose
 * fleet files a change touches, for the pull-request preview
 * (.github/workflows/deskfleet-preview.yml). A stack's files are its stack
 * config (`Pulumi.<stack>.yaml`) and every file its `deskfleet:fleet` lists;
 * paths are relative to the project root, as `git diff --name-only` prints them.
 */
import { readFileSync } from "node:fs";
import type { Io } from "../snapshots/commands";
import { Exit } from "../snapshots/commands";
import type { StackConfig } from "./stackConfigs";
import { normalizeFile, readStackConfigs } from "./stackConfigs";

/** The stacks (in the order given) that any of `changed` belongs to. */
export function affectedStacks(
  stacks: readonly StackConfig[],
  changed: readonly string[],
): string[] {
  const touched = new Set(changed.map(normalizeFile));
  return stacks
    .filter((s) => [s.file, ...s.fleet].some((f) => touched.has(normalizeFile(f))))
    .map((s) => s.stack);
}

/** Paths one per line (blank lines skipped), as `git diff --name-only` writes them. */
export function parsePathList(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line.trim() !== "");
}

export interface AffectedOptions {
  root: string;
  /** Changed paths given as arguments. */
  paths: readonly string[];
  /** A file listing changed paths, one per line ("-": standard input). */
  changedFile?: string;
  json: boolean;
}

export function affectedCommand(
  options: AffectedOptions,
  io: Io,
  readFile: (file: string | 0) => string = (f) => readFileSync(f, "utf8"),
): number {
  try {
    const listed =
      options.changedFile === undefined
        ? []
        : parsePathList(readFile(options.changedFile === "-" ? 0 : options.changedFile));
    const stacks = affectedStacks(readStackConfigs(options.root), [...options.paths, ...listed]);
    io.out(options.json ? `${JSON.stringify(stacks)}\n` : stacks.map((s) => `${s}\n`).join(""));
    return Exit.Ok;
  } catch (err) {
    io.err(`deskfleet affected: ${err instanceof Error ? err.message : String(err)}\n`);
    return Exit.Failed;
  }
}

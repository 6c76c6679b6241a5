/**
 * Fleet files → FleetSpec: read, parse (positions kept), merge in order,
 * validate each entry's shape, then check across entries. Every issue is
 * collected and thrown once as a FleetConfigError; the format is described in
 * stacks/FORMAT.md.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import type { InspectImage } from "./images";
import { inspectImageFile } from "./images";
import { Issues } from "./issues";
import { mergeTrees } from "./merge";
import { resolveFleet } from "./resolve";
import type { Path, Positions } from "./positions";
import type { FleetSpec } from "./spec";
import type { FleetSource, Tree } from "./tree";
import { readTree } from "./tree";
import { shapeFleet } from "./validate";

export type { FleetSource } from "./tree";
export type { ImageFile, InspectImage } from "./images";

export interface ParseOptions {
  /** The directory fleet file names are relative to: the project root (default: process.cwd()). */
  cwd?: string;
  /** What `~` means in an image's `source` (default: os.homedir()). */
  homeDir?: string;
  /** Checks image files (existence, format, size) with this; absent = files are not looked at. */
  inspectImage?: InspectImage;
}

export interface LoadOptions extends ParseOptions {
  /** Reads a fleet file given its absolute path (default: the file system, UTF-8). */
  readFile?: (file: string) => string;
  /** Check that image files exist and match their `format` (default: true). */
  checkImages?: boolean;
}

/**
 * Parse and validate fleet files given as text, merged in order. Pure unless
 * `inspectImage` is given. Throws FleetConfigError listing every issue.
 */
export function parseFleet(sources: readonly FleetSource[], options: ParseOptions = {}): FleetSpec {
  const files = sources.map((source) => source.file);
  const issues = new Issues(files);
  if (sources.length === 0) {
    const message = "no fleet files given (stack config deskfleet:fleet lists them)";
    issues.at({ file: "", line: 0, col: 0 }, [], "no_fleet_files", message);
  }
  const trees = sources.map((source) => readTree(source, issues));
  // Past a syntax error the data cannot be trusted: report only what the parser found.
  issues.throwIfAny();
  const merged = mergeTrees(
    trees.filter((tree): tree is Tree => tree !== undefined),
    { file: files[0], line: 1, col: 1 },
  );
  issues.positions = merged.positions;
  const spec = resolveFleet(shapeFleet(merged.data, issues), issues, {
    cwd: options.cwd ?? process.cwd(),
    homeDir: options.homeDir ?? homedir(),
    ...(options.inspectImage ? { inspectImage: options.inspectImage } : {}),
  });
  issues.throwIfAny();
  positionsOf.set(spec, merged.positions);
  return spec;
}

const positionsOf = new WeakMap<FleetSpec, Positions>();

/**
 * Where the value at `path` of a parsed fleet was written, as
 * `file:line:col: the.path`, for errors found only later (by the provider,
 * against the host); undefined for a spec not made by parseFleet.
 */
export function declaredAt(spec: FleetSpec, at: Path): string | undefined {
  const loc = positionsOf.get(spec)?.get(at)?.value;
  return loc ? `${loc.file}:${loc.line}:${loc.col}: ${at.join(".")}` : undefined;
}

/**
 * Read the fleet files named in stack config `deskfleet:fleet` (relative to
 * `cwd`, the project root) and parse them as `parseFleet` does, checking image
 * files unless `checkImages` is false.
 */
export function loadFleet(files: readonly string[], options: LoadOptions = {}): FleetSpec {
  const cwd = options.cwd ?? process.cwd();
  const readFile = options.readFile ?? ((file: string) => readFileSync(file, "utf8"));
  const issues = new Issues(files);
  const sources: FleetSource[] = [];
  for (const file of files) {
    const absolute = path.resolve(cwd, file);
    try {
      sources.push({ file, text: readFile(absolute) });
    } catch (err) {
      const reason =
        (err as NodeJS.ErrnoException).code === "ENOENT"
          ? "no such file"
          : err instanceof Error
            ? err.message
            : String(err);
      issues.at(
        { file, line: 0, col: 0 },
        [],
        "file_unreadable",
        `cannot read ${absolute}: ${reason}`,
      );
    }
  }
  issues.throwIfAny();
  const inspectImage =
    options.checkImages === false ? undefined : (options.inspectImage ?? inspectImageFile);
  return parseFleet(sources, {
    cwd,
    ...(options.homeDir !== undefined ? { homeDir: options.homeDir } : {}),
    ...(inspectImage ? { inspectImage } : {}),
  });
}

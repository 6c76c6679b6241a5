/**
 * The project's stacks as their config files say: where `Pulumi.yaml` puts
 * them (`stackConfigDir`), and for each stack its `deskfleet:uri` and the
 * fleet files its `deskfleet:fleet` lists. Used by `deskfleet init` (which
 * fleet files are shared) and `deskfleet affected` (which stacks a change
 * touches). Only reads files; nothing here talks to Pulumi.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";

/** A stack config file that cannot be read or does not say what deskfleet needs. */
export class StackConfigError extends Error {
  override readonly name = "StackConfigError";
  constructor(
    /** The file at fault, relative to the project root. */
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

export interface StackConfig {
  /** The stack's name: `<name>` of `Pulumi.<name>.yaml`. */
  stack: string;
  /** Its config file, relative to the project root, with `/` separators. */
  file: string;
  uri?: string;
  /** The fleet files of `deskfleet:fleet`, as written (relative to the project root). */
  fleet: string[];
}

/** The directory with `Pulumi.yaml`: `start` or the nearest one above it. */
export function findProjectRoot(start: string): string | undefined {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Where stack config files live, relative to `root` (Pulumi.yaml `stackConfigDir`, default "."). */
export function stackConfigDir(root: string): string {
  const project = parse(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as unknown;
  const dir = isRecord(project) ? project.stackConfigDir : undefined;
  return typeof dir === "string" && dir !== "" ? toPosix(path.posix.normalize(dir)) : ".";
}

const CONFIG_FILE = /^Pulumi\.(.+)\.yaml$/;

/** Every stack config of the project, by stack name. */
export function readStackConfigs(root: string): StackConfig[] {
  const dir = stackConfigDir(root);
  const names = existsSync(path.join(root, dir)) ? readdirSync(path.join(root, dir)).sort() : [];
  return names.flatMap((name) => {
    const stack = CONFIG_FILE.exec(name)?.[1];
    if (stack === undefined) return [];
    const file = toPosix(path.posix.join(dir, name));
    return [parseStackConfig(stack, file, readFileSync(path.join(root, file), "utf8"))];
  });
}

/** One stack config's deskfleet settings; throws StackConfigError when they are malformed. */
export function parseStackConfig(stack: string, file: string, text: string): StackConfig {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    throw new StackConfigError(file, `not valid YAML: ${(err as Error).message}`);
  }
  const config = isRecord(data) && isRecord(data.config) ? data.config : {};
  const uri = config["deskfleet:uri"];
  const fleet = config["deskfleet:fleet"] ?? [];
  if (uri !== undefined && typeof uri !== "string") {
    throw new StackConfigError(file, "deskfleet:uri must be a string");
  }
  if (!Array.isArray(fleet) || !fleet.every((f) => typeof f === "string")) {
    throw new StackConfigError(file, "deskfleet:fleet must be a list of file names");
  }
  return { stack, file, ...(uri !== undefined ? { uri } : {}), fleet };
}

/** A project-relative file name as git prints it: `/` separators, no `./`, no `a/../`. */
export function normalizeFile(file: string): string {
  return toPosix(path.posix.normalize(toPosix(file))).replace(/^\.\//, "");
}

function toPosix(file: string): string {
  return file.split(path.sep).join("/");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

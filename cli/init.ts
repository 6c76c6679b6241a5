/**
 * `deskfleet init <machine>`: a new machine's stack config
 * (`stacks/Pulumi.<machine>.yaml`: its host and the shared fleet files, then
 * its own) and its overrides file (`stacks/<machine>.yaml`, a commented
 * skeleton: cli/overrides.ts). Every check runs before anything is written,
 * and every problem is reported at once; then both files are written, and
 * the merged fleet is loaded from them with the project's loader.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { isMap, parseDocument, stringify } from "yaml";
import { FleetConfigError } from "../fleet/errors";
import { loadFleet } from "../fleet/load";
import type { FleetSpec } from "../fleet/spec";
import { parseUri } from "../libvirt/uri";
import { overridesText } from "./overrides";
import type { StackConfig } from "./stackConfigs";
import { normalizeFile, readStackConfigs, stackConfigDir } from "./stackConfigs";

export const INIT_ISSUE_CODES = [
  "invalid_stack_name",
  "invalid_uri",
  "file_exists",
  "fleet_not_found",
  "fleet_invalid",
  "no_shared_fleet",
  "overrides_is_shared",
  "stack_config_invalid",
] as const;
export type InitIssueCode = (typeof INIT_ISSUE_CODES)[number];

export interface InitIssue {
  code: InitIssueCode;
  message: string;
}

/** Everything that stops `init`, one problem per line; nothing has been written. */
export class InitError extends Error {
  override readonly name = "InitError";
  constructor(readonly issues: readonly InitIssue[]) {
    super(issues.map((i) => i.message).join("\n"));
  }
}

export interface InitOptions {
  /** The project root (the directory with Pulumi.yaml). */
  root: string;
  machine: string;
  /** The machine's libvirt URI (default qemu:///system, as Pulumi.yaml's default). */
  uri?: string;
  /** The shared fleet files, relative to the root (default: those every stack config names). */
  fleet?: readonly string[];
  /** Replace existing files (the stack config keeps its other settings). */
  force?: boolean;
}

export interface PlannedFile {
  /** Relative to the project root. */
  file: string;
  text: string;
  /** It exists and is replaced (--force). */
  replaces: boolean;
}

export interface InitPlan {
  machine: string;
  uri: string;
  shared: string[];
  /** Why these shared files, for the person: "--fleet" or which stacks name them. */
  sharedWhy: string;
  stackConfig: PlannedFile;
  overrides: PlannedFile;
}

export const DEFAULT_URI = "qemu:///system";

/** Pulumi's rule (sdk go/common/tokens/stack_name.go ParseStackName): 1-100 of [A-Za-z0-9_.-]. */
const PULUMI_STACK_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** Why `machine` cannot be a stack made by init, or undefined when it can. */
export function stackNameProblem(machine: string): string | undefined {
  if (!PULUMI_STACK_NAME.test(machine)) {
    const bad = [...machine].find((c) => !/[A-Za-z0-9_.-]/.test(c));
    const why =
      machine === ""
        ? "is empty"
        : machine.length > 100
          ? "is longer than 100 characters"
          : `has ${JSON.stringify(bad)}`;
    return `stack name ${JSON.stringify(machine)} ${why}: Pulumi takes 1 to 100 letters, digits, "_", "." or "-"`;
  }
  // deskfleet's own: its files would be hidden, or look like another stack's config.
  if (machine.startsWith(".")) {
    return `stack name ${JSON.stringify(machine)} starts with ".": its files would be hidden`;
  }
  if (/^pulumi\./i.test(machine)) {
    return `stack name ${JSON.stringify(machine)} starts with "Pulumi.": its overrides file would look like a stack config`;
  }
  return undefined;
}

/** Checks everything and decides both files; throws InitError listing every problem. */
export function planInit(options: InitOptions): InitPlan {
  const { root, machine } = options;
  const issues: InitIssue[] = [];
  const add = (code: InitIssueCode, message: string) => issues.push({ code, message });

  const nameProblem = stackNameProblem(machine);
  if (nameProblem) add("invalid_stack_name", nameProblem);
  const uri = options.uri ?? DEFAULT_URI;
  try {
    parseUri(uri);
  } catch (err) {
    add("invalid_uri", `--uri: ${(err as Error).message}`);
  }
  const dir = stackConfigDir(root);
  const configFile = normalizeFile(path.posix.join(dir, `Pulumi.${machine}.yaml`));
  const overridesFile = normalizeFile(path.posix.join(dir, `${machine}.yaml`));

  let stacks: StackConfig[] = [];
  try {
    stacks = readStackConfigs(root).filter((s) => s.stack !== machine);
  } catch (err) {
    if (options.fleet === undefined) add("stack_config_invalid", (err as Error).message);
  }
  const { shared, why } =
    options.fleet !== undefined
      ? { shared: options.fleet.map(normalizeFile), why: "given with --fleet" }
      : defaultShared(stacks, dir, add);

  for (const file of shared) {
    if (!existsSync(path.join(root, file))) {
      add("fleet_not_found", `shared fleet file ${file} does not exist`);
    }
  }
  if (!nameProblem && shared.includes(overridesFile)) {
    add(
      "overrides_is_shared",
      `${overridesFile} is a shared fleet file, so it cannot be machine "${machine}"'s overrides: pick another machine name`,
    );
  }
  if (!nameProblem && !options.force) {
    for (const file of [configFile, overridesFile]) {
      if (existsSync(path.join(root, file))) {
        add("file_exists", `${file} exists (--force replaces it)`);
      }
    }
  }
  if (issues.length > 0) throw new InitError(issues);

  const spec = loadOrIssue(root, shared, add, "the shared fleet does not load");
  if (spec === undefined) throw new InitError(issues);
  const overrides = overridesText({ machine, file: overridesFile, shared, spec });
  // The merged fleet, from the text about to be written: a skeleton that broke it would be a bug.
  loadOrIssue(root, [...shared, overridesFile], add, "the new overrides do not load", {
    [path.resolve(root, overridesFile)]: overrides,
  });
  if (issues.length > 0) throw new InitError(issues);

  const existing = path.join(root, configFile);
  const fleet = [...shared, overridesFile];
  return {
    machine,
    uri,
    shared,
    sharedWhy: why,
    stackConfig: {
      file: configFile,
      text: existsSync(existing)
        ? updatedStackConfig(readFileSync(existing, "utf8"), machine, uri, fleet)
        : newStackConfig(machine, uri, fleet),
      replaces: existsSync(existing),
    },
    overrides: {
      file: overridesFile,
      text: overrides,
      replaces: existsSync(path.join(root, overridesFile)),
    },
  };
}

/** The fleet files every other stack config names, in the first one's order. */
function defaultShared(
  stacks: readonly StackConfig[],
  dir: string,
  add: (code: InitIssueCode, message: string) => void,
): { shared: string[]; why: string } {
  if (stacks.length === 0) {
    add(
      "no_shared_fleet",
      `no stack config in ${dir}/ to take the shared fleet from: name it with --fleet FILE`,
    );
    return { shared: [], why: "" };
  }
  const named = stacks.map((s) => new Set(s.fleet.map(normalizeFile)));
  const shared = [...named[0]].filter((f) => named.every((set) => set.has(f)));
  if (shared.length === 0) {
    const each = stacks.map((s) => `${s.stack}: ${s.fleet.join(", ") || "none"}`).join("; ");
    add(
      "no_shared_fleet",
      `no fleet file is named by every stack config (${each}): name the shared ones with --fleet FILE`,
    );
  }
  return { shared, why: `named by every stack config (${stacks.map((s) => s.file).join(", ")})` };
}

function loadOrIssue(
  root: string,
  files: readonly string[],
  add: (code: InitIssueCode, message: string) => void,
  what: string,
  texts: Record<string, string> = {},
): FleetSpec | undefined {
  try {
    return loadFleet(files, {
      cwd: root,
      // Image files are where the machine runs Pulumi; a preview checks them.
      checkImages: false,
      readFile: (file) => texts[file] ?? readFileSync(file, "utf8"),
    });
  } catch (err) {
    if (!(err instanceof FleetConfigError)) throw err;
    add("fleet_invalid", `${what}:\n${err.message.replace(/^/gm, "  ")}`);
    return undefined;
  }
}

function newStackConfig(machine: string, uri: string, fleet: readonly string[]): string {
  const header =
    `# Stack "${machine}" (made by \`deskfleet init ${machine}\`): its host, and its fleet files\n` +
    "# merged in order: the shared fleet, then what differs on this machine.\n";
  return header + stringify({ config: { "deskfleet:uri": uri, "deskfleet:fleet": fleet } });
}

/** An existing stack config with its host and fleet files set, and every other setting kept. */
function updatedStackConfig(text: string, machine: string, uri: string, fleet: readonly string[]) {
  const doc = parseDocument(text);
  // One that cannot be edited (not YAML, not a map) is replaced whole: --force said so.
  const config: unknown = doc.errors.length > 0 ? undefined : doc.get("config");
  const editable =
    doc.contents === null || (isMap(doc.contents) && (config == null || isMap(config)));
  if (doc.errors.length > 0 || !editable) {
    return newStackConfig(machine, uri, fleet);
  }
  doc.setIn(["config", "deskfleet:uri"], uri);
  doc.setIn(["config", "deskfleet:fleet"], doc.createNode([...fleet]));
  return doc.toString();
}

/**
 * Writes both files, each to a temporary name first and then renamed into
 * place, so that a failure leaves neither half-written; if the second rename
 * fails, a stack config the first one created is removed again.
 */
export function writeInit(root: string, plan: InitPlan): void {
  const files = [plan.stackConfig, plan.overrides];
  const temps = files.map((f) => `${path.join(root, f.file)}.init-${process.pid}.tmp`);
  try {
    files.forEach((f, i) => writeFileSync(temps[i], f.text, { flag: "wx" }));
  } catch (err) {
    for (const t of temps) if (existsSync(t)) unlinkSync(t);
    throw err;
  }
  renameSync(temps[0], path.join(root, files[0].file));
  try {
    renameSync(temps[1], path.join(root, files[1].file));
  } catch (err) {
    if (!files[0].replaces) unlinkSync(path.join(root, files[0].file));
    if (existsSync(temps[1])) unlinkSync(temps[1]);
    throw err;
  }
}

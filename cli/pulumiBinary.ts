/**
 * Which `pulumi` the command runs: the one setup linked into the clone's
 * `.tools/bin` first (scripts/lib/env.sh puts that folder first on PATH for
 * every script), then any on PATH, then the official installer's
 * `~/.pulumi/bin` — the places setup itself looks (scripts/setup-pulumi.sh).
 */
import { accessSync, constants } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";

/** The clone's root, from cli/ or, compiled, from dist/cli/. */
export const PACKAGE_ROOT = [join(__dirname, ".."), join(__dirname, "..", "..")].find((d) =>
  isExecutable(join(d, "provider", "bin", "pulumi-resource-deskfleet")),
) as string;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export class PulumiNotFoundError extends Error {
  readonly code = "PULUMI_NOT_FOUND";
}

/** The pulumi binary's path, looked for in `root`/.tools/bin, `$PATH`, then `~/.pulumi/bin`. */
export function findPulumi(
  root: string | undefined = PACKAGE_ROOT,
  path: string = process.env.PATH ?? "",
  home: string = homedir(),
  executable: (p: string) => boolean = isExecutable,
): string {
  const candidates = [
    ...(root !== undefined ? [join(root, ".tools", "bin")] : []),
    ...path.split(delimiter).filter((d) => d !== ""),
    join(home, ".pulumi", "bin"),
  ].map((dir) => join(dir, "pulumi"));
  const found = candidates.find(executable);
  if (found === undefined) {
    throw new PulumiNotFoundError(
      "no pulumi CLI found (in .tools/bin, on PATH or in ~/.pulumi/bin): run `npm run up` or scripts/setup.sh once",
    );
  }
  return found;
}

/** PATH for a pulumi run: its own folder first, so it finds the language host beside it. */
export function pathFor(pulumi: string, path: string = process.env.PATH ?? ""): string {
  return [dirname(pulumi), ...path.split(delimiter).filter((d) => d !== "")].join(delimiter);
}

/**
 * Collects every issue found while loading a fleet, each placed with the
 * positions of the merged data, and throws them together at the end.
 */
import type { FleetIssue, FleetIssueCode } from "./errors";
import { FleetConfigError } from "./errors";
import type { Loc, Path } from "./positions";
import { Positions, formatPath } from "./positions";

export class Issues {
  private readonly list: FleetIssue[] = [];
  /** Positions of the merged fleet; set once the files are merged. */
  positions: Positions;

  /** `files`: the fleet files in merge order, which is also the order issues are reported in. */
  constructor(private readonly files: readonly string[]) {
    this.positions = new Positions({ file: files[0] ?? "", line: 0, col: 0 });
  }

  get size(): number {
    return this.list.length;
  }

  at(loc: Loc, path: Path, code: FleetIssueCode, message: string): void {
    this.list.push({ ...loc, path: formatPath(path), message, code });
  }

  /** A problem with the value at `path` (or, if it is absent, with the nearest map holding it). */
  value(path: Path, code: FleetIssueCode, message: string): void {
    this.at(this.positions.valueLoc(path), path, code, message);
  }

  /** A problem with the key naming the value at `path` (a bad name, an unknown key). */
  key(path: Path, code: FleetIssueCode, message: string): void {
    this.at(this.positions.keyLoc(path), path, code, message);
  }

  /** `map` lacks the required `key`: point at the map, since the key is nowhere. */
  missing(map: Path, key: string, why?: string): void {
    const message = `missing required key "${key}"${why ? ` (${why})` : ""}`;
    this.value(map, "missing_key", message);
  }

  /** Throw every issue at once, ordered by file (merge order), line and column. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const rank = (file: string) => this.files.indexOf(file);
    const sorted = [...this.list].sort(
      (a, b) => rank(a.file) - rank(b.file) || a.line - b.line || a.col - b.col,
    );
    throw new FleetConfigError(sorted);
  }
}

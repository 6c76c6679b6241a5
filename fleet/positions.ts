/**
 * Where each value of a (merged) fleet came from: a map from path to the
 * file:line:col of its key and of its value. Merging several files keeps this
 * map next to the merged data, so an error always points into the file that
 * wrote the offending value, not into the file that was read last.
 */

export interface Loc {
  file: string;
  /** 1-based; 0 = no position (the file as a whole). */
  line: number;
  col: number;
}

/** A path into the fleet data: map keys and list indices. */
export type Path = readonly (string | number)[];

export interface NodeLocs {
  /** Where the value starts. */
  value: Loc;
  /** Where the map key naming the value starts (absent for list items and the root). */
  key?: Loc;
}

// Names may contain "." so paths are keyed on a separator YAML text cannot hold.
const SEP = "\u0000";
const keyOf = (path: Path): string => path.map(String).join(SEP);

export class Positions {
  private readonly locs = new Map<string, NodeLocs>();

  /** `fallback` answers for paths with no known ancestor (an empty fleet). */
  constructor(private readonly fallback: Loc) {}

  set(path: Path, locs: NodeLocs): void {
    this.locs.set(keyOf(path), locs);
  }

  get(path: Path): NodeLocs | undefined {
    return this.locs.get(keyOf(path));
  }

  /** The value at `path`, or the nearest ancestor that has a position (a missing key's map). */
  valueLoc(path: Path): Loc {
    for (let n = path.length; n >= 0; n--) {
      const found = this.get(path.slice(0, n));
      if (found) return found.value;
    }
    return this.fallback;
  }

  /** The key naming the value at `path` (for unknown keys and bad names), else the value. */
  keyLoc(path: Path): Loc {
    return this.get(path)?.key ?? this.valueLoc(path);
  }

  /** Forget `path` and everything below it (a value replaced or deleted by a later file). */
  deleteUnder(path: Path): void {
    for (const key of [...this.locs.keys()]) {
      if (isUnder(key, keyOf(path), path.length)) this.locs.delete(key);
    }
  }

  /** Take the positions of `path` and everything below it from `other`. */
  copyUnder(other: Positions, path: Path): void {
    const prefix = keyOf(path);
    for (const [key, locs] of other.locs) {
      if (isUnder(key, prefix, path.length)) this.locs.set(key, locs);
    }
  }
}

function isUnder(key: string, prefix: string, depth: number): boolean {
  return depth === 0 || key === prefix || key.startsWith(prefix + SEP);
}

/** `guests.demo.disks.root.size`, `guests.demo.interfaces[0]`, `guests["web.1"].memory`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

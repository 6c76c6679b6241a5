/**
 * Helpers for checks across entries: references by name, the pool a volume
 * goes to when none is named, and volume names that must be unique per pool.
 */
import type { Issues } from "./issues";
import type { Path } from "./positions";
import { formatPath } from "./positions";
import { didYouMean, quoteList } from "./suggest";

/** The declared names of one kind of entry (valid or not: an invalid one is still declared). */
export class Names {
  constructor(
    private readonly kind:
      "host" | "pool" | "network" | "image" | "snapshot schedule" | "backup schedule",
    readonly all: readonly string[],
  ) {}

  /** Whether `name` is declared; if not, an `unknown_reference` issue at `path` lists the known ones. */
  check(name: string, path: Path, issues: Issues): boolean {
    if (this.all.includes(name)) return true;
    const known =
      this.all.length > 0
        ? `known ${this.kind}s: ${quoteList(this.all)}`
        : `the fleet declares no ${this.kind}s`;
    const message = `unknown ${this.kind} ${JSON.stringify(name)}${didYouMean(name, this.all)}; ${known}`;
    issues.value(path, "unknown_reference", message);
    return false;
  }
}

/**
 * The pool of an image or blank disk that names none: the fleet's only pool.
 * With none or several, `pool` is required (reported at the entry's map).
 */
export function defaultPool(pools: Names, entry: Path, issues: Issues): string | undefined {
  if (pools.all.length === 1) return pools.all[0];
  const why =
    pools.all.length === 0
      ? "the fleet declares no pools"
      : `the fleet has several pools: ${quoteList(pools.all)}`;
  issues.missing(entry, "pool", why);
  return undefined;
}

/**
 * Volume names claimed in each pool. Two entries mapping to one volume would
 * silently share (or overwrite) a disk, so the second is an error.
 * The names are those components/plan.ts gives volumes: `<image>.qcow2` or
 * `<image>.img` for a base image, `<guest>-<disk>.qcow2` for a guest's disk.
 */
export class Volumes {
  private readonly owners = new Map<string, Path>();

  constructor(private readonly issues: Issues) {}

  /** Claim `volume` in `pool` for the entry at `path` (reported at its name if taken). */
  claim(pool: string, volume: string, path: Path): void {
    const key = `${pool}/${volume}`;
    const owner = this.owners.get(key);
    if (!owner) {
      this.owners.set(key, path);
      return;
    }
    const message = `its volume ${JSON.stringify(volume)} in pool ${JSON.stringify(pool)} is already the volume of ${formatPath(owner)}`;
    this.issues.key(path, "duplicate_volume", message);
  }
}

export function diskVolumeName(guest: string, disk: string): string {
  return `${guest}-${disk}.qcow2`;
}

/** A guest's cloud-init seed: `<guest>-cidata.iso`. */
export function seedVolumeName(guest: string): string {
  return `${guest}-cidata.iso`;
}

export function imageVolumeName(image: string, format: "qcow2" | "raw"): string {
  return `${image}.${format === "raw" ? "img" : "qcow2"}`;
}

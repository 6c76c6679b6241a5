/**
 * Room for a backup, checked before it starts: a full disk found half way
 * would leave the guest's temporary image on the host and a store that ran
 * out mid-chunk. The bound is the data the guest's disks hold (overlay and
 * base): a backup writes at most that to the store, and the host's temporary
 * copy of a disk holds at most that (it is sparse).
 */

import { roughSize } from "../units/size";

/** Why there is not room for `need` bytes where `free` bytes are left, or undefined when there is. */
export function spaceProblem(where: string, free: number, need: number): string | undefined {
  if (free >= need) return undefined;
  return `${where} has ${roughSize(free)} free, and this backup may need up to ${roughSize(need)} (the data its disks hold): free some space there, or prune older backups`;
}

/**
 * Room for a backup, checked before it starts: a full disk found half way
 * would leave the guest's temporary image on the host and a store that ran
 * out mid-chunk. The bound is the data the guest's disks hold (overlay and
 * base): a backup writes at most that to the store, and the host's temporary
 * copy of a disk holds at most that (it is sparse).
 */

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const size = (n: number) =>
  n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : `${Math.ceil(n / MiB)} MiB`;

/** Why there is not room for `need` bytes where `free` bytes are left, or undefined when there is. */
export function spaceProblem(where: string, free: number, need: number): string | undefined {
  if (free >= need) return undefined;
  return `${where} has ${size(free)} free, and this backup may need up to ${size(need)} (the data its disks hold): free some space there, or prune older backups`;
}

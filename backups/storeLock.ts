/**
 * One deskfleet process at a time in a backup store: the host timer's
 * `backup run` and a `backup now` or `restore` by hand must not both use it,
 * and a sweep must never delete the chunks another backup has written but
 * not yet named in a manifest. The lock is snapshots/lock.ts's, as
 * `<store>/lock`.
 *
 * The store's id (`<store>/id`, made once, random) names the temporary images
 * a backup into this store makes on a host, so that a runner holding the lock
 * knows that leftovers bearing it are a dead runner's (take.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LockBusyError, acquireLock } from "../snapshots/lock";

/** Takes the store's lock for `command`; the function that releases it. */
export async function lockStore(root: string, command: string): Promise<() => void> {
  await mkdir(root, { recursive: true });
  try {
    return acquireLock(join(root, "lock"), command);
  } catch (err) {
    if (err instanceof LockBusyError) {
      throw new Error(`the backup store ${root} is in use: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

/** Runs `use` holding the store's lock. */
export async function withStoreLock<T>(
  root: string,
  command: string,
  use: () => Promise<T>,
): Promise<T> {
  const release = await lockStore(root, command);
  try {
    return await use();
  } finally {
    release();
  }
}

/** The store's id: 8 hex digits, made at its first use. */
export async function storeId(root: string): Promise<string> {
  const path = join(root, "id");
  const read = async () => (await readFile(path, "utf8").catch(() => "")).trim();
  const existing = await read();
  if (/^[0-9a-f]{8}$/.test(existing)) return existing;
  if (existing !== "") throw new Error(`${path} is damaged: it should hold 8 hex digits`);
  await mkdir(root, { recursive: true });
  await writeFile(path, `${randomBytes(4).toString("hex")}\n`, { flag: "wx" }).catch(
    (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err; // made meanwhile
    },
  );
  return read();
}

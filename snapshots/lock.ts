/**
 * One snapshot run at a time per host URI (sanoid's lock): a lock file made
 * with O_EXCL holding the owner's pid. A lock whose process is gone (a run
 * that was killed) is taken over. systemd never starts a timer's service
 * twice anyway; the lock is for cron, manual runs and overlapping timers.
 */
import { createHash } from "node:crypto";
import {
  accessSync,
  constants,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
  closeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export class LockBusyError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
  ) {
    super(`another snapshot run (pid ${pid}) holds ${path}`);
    this.name = "LockBusyError";
  }
}

/** Where the lock of `uri` lives: $DESKFLEET_LOCK_DIR, /run/lock when writable, else the temp dir. */
export function defaultLockPath(uri: string, env: NodeJS.ProcessEnv = process.env): string {
  const id = createHash("sha256").update(uri).digest("hex").slice(0, 12);
  const file = `deskfleet-snapshots-${id}.lock`;
  if (env.DESKFLEET_LOCK_DIR) return join(env.DESKFLEET_LOCK_DIR, file);
  try {
    accessSync("/run/lock", constants.W_OK);
    return join("/run/lock", file);
  } catch {
    return join(tmpdir(), `${process.getuid?.() ?? "user"}-${file}`);
  }
}

/** Takes the lock or throws LockBusyError; returns the function that releases it. */
export function acquireLock(path: string): () => void {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => release(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = ownerOf(path);
      if (pid !== undefined && isAlive(pid)) throw new LockBusyError(path, pid);
      if (attempt > 0) throw new LockBusyError(path, pid ?? 0);
      unlinkSync(path); // stale: its run is gone
    }
  }
}

function release(path: string): void {
  if (ownerOf(path) === process.pid) unlinkSync(path);
}

function ownerOf(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

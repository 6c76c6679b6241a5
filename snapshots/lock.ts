/**
 * One run at a time: a lock file made with O_EXCL (Node has no flock)
 * holding who made it. One snapshot run per host URI (sanoid's lock; systemd
 * never starts a timer's service twice anyway, the lock is for cron, manual
 * runs and overlapping timers), one process per backup store
 * (backups/storeLock.ts). A lock whose process is gone from this machine (a
 * run that was killed) is taken over; a lock made on another machine (a
 * backup store on a shared disk) cannot be checked, and the error says so.
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
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";

/** Who holds a lock: written into the lock file. */
export interface LockHolder {
  pid: number;
  host: string;
  since: string;
  /** What it is doing ("snapshots run", "backup now", …). */
  command: string;
}

export class LockBusyError extends Error {
  constructor(
    readonly path: string,
    /** Undefined when the lock file cannot be read. */
    readonly holder: LockHolder | undefined,
  ) {
    const who = holder
      ? `deskfleet (${holder.command}, process ${holder.pid} on ${holder.host}, since ${holder.since})`
      : "a lock file deskfleet cannot read";
    // Another machine's process (a lock on a shared disk) cannot be checked from here.
    const mine = holder !== undefined && holder.host === hostname();
    super(
      `${path} is held by ${who}: wait for it to finish${mine ? "" : ", or remove the file if that process is gone"}`,
    );
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

/**
 * Takes the lock for `command` or throws LockBusyError; returns the function
 * that releases it. A lock whose process is gone from this machine is taken
 * over; another machine's never is.
 */
export function acquireLock(path: string, command: string): () => void {
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    command,
  };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, "wx", 0o644);
      writeSync(fd, `${JSON.stringify(me)}\n`);
      closeSync(fd);
      return () => release(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const holder = holderOf(path);
      const stale = holder !== undefined && holder.host === me.host && !isAlive(holder.pid);
      if (!stale || attempt > 0) throw new LockBusyError(path, holder);
      unlinkSync(path); // its run is gone
    }
  }
}

function release(path: string): void {
  if (holderOf(path)?.pid === process.pid) unlinkSync(path);
}

/** The lock's holder; a bare pid (the format before holders were written) is this machine's. */
export function holderOf(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder> | number;
    if (typeof h === "number") {
      return Number.isInteger(h) && h > 0
        ? { pid: h, host: hostname(), since: "unknown", command: "snapshots run" }
        : undefined;
    }
    return typeof h.pid === "number" && typeof h.host === "string"
      ? { pid: h.pid, host: h.host, since: String(h.since), command: String(h.command) }
      : undefined;
  } catch {
    return undefined; // made but not yet written, or damaged
  }
}

/** Whether process `pid` exists on this machine. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

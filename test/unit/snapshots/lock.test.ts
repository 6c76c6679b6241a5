/** One run at a time: the lock file, its holder, and a dead holder's lock taken over. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { LockBusyError, acquireLock, defaultLockPath, isAlive } from "../../../snapshots/lock";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-lock-"));
  path = join(dir, "run.lock");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A pid that existed and is gone: a child that has exited. */
function deadPid(): number {
  const pid = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid;
  expect(isAlive(pid)).toBe(false);
  return pid;
}
const holder = (pid: number, host = hostname()) =>
  `${JSON.stringify({ pid, host, since: "2026-12-05T02:30:00.000Z", command: "backup run" })}\n`;

test("a second run is refused while the first holds the lock, naming it; released, it is free again", () => {
  const release = acquireLock(path, "snapshots run");
  const written = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  expect(written).toMatchObject({ pid: process.pid, host: hostname(), command: "snapshots run" });
  expect(written.since).toMatch(/^\d{4}-\d\d-\d\dT/);
  // The holder is alive (this very process): busy.
  expect(() => acquireLock(path, "backup now")).toThrow(LockBusyError);
  expect(() => acquireLock(path, "backup now")).toThrow(
    new RegExp(
      `^${path} is held by deskfleet \\(snapshots run, process ${process.pid} on ${hostname()}, since [0-9T:.Z-]+\\): wait for it to finish$`,
    ),
  );
  release();
  expect(existsSync(path)).toBe(false);
  acquireLock(path, "snapshots run")();
});

test("a lock left by a run that died on this machine is taken over", () => {
  writeFileSync(path, holder(deadPid()));
  const release = acquireLock(path, "snapshots run");
  expect((JSON.parse(readFileSync(path, "utf8")) as { pid: number }).pid).toBe(process.pid);
  release();
});

test("a lock in the format before holders (a bare pid) is read as this machine's", () => {
  writeFileSync(path, `${deadPid()}\n`);
  acquireLock(path, "snapshots run")();
  writeFileSync(path, `${process.pid}\n`);
  expect(() => acquireLock(path, "snapshots run")).toThrow(
    `held by deskfleet (snapshots run, process ${process.pid}`,
  );
});

test("another machine's lock is never taken over: the error says how to remove it", () => {
  writeFileSync(path, holder(deadPid(), "laptop.example"));
  expect(() => acquireLock(path, "backup run")).toThrow(
    `on laptop.example, since 2026-12-05T02:30:00.000Z): wait for it to finish, or remove the file if that process is gone`,
  );
});

test("a lock file that cannot be read is not taken over", () => {
  writeFileSync(path, "");
  expect(() => acquireLock(path, "backup run")).toThrow(
    `${path} is held by a lock file deskfleet cannot read: wait for it to finish, or remove the file`,
  );
});

test("one lock per host URI, in DESKFLEET_LOCK_DIR when set", () => {
  const a = defaultLockPath("qemu:///system", { DESKFLEET_LOCK_DIR: dir });
  const b = defaultLockPath("qemu+ssh://me@laptop/system", { DESKFLEET_LOCK_DIR: dir });
  expect(a).toMatch(new RegExp(`^${dir}/deskfleet-snapshots-[0-9a-f]{12}\\.lock$`));
  expect(a).not.toBe(b);
  expect(defaultLockPath("qemu:///system", { DESKFLEET_LOCK_DIR: dir })).toBe(a);
});

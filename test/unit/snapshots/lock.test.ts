/** One run at a time: the lock file. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LockBusyError, acquireLock, defaultLockPath } from "../../../snapshots/lock";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "deskfleet-lock-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test("a second run is refused while the first holds the lock; released, it is free again", () => {
  const path = join(dir, "run.lock");
  const release = acquireLock(path);
  expect(readFileSync(path, "utf8")).toBe(`${process.pid}\n`);
  // The holder is alive (this very process): busy.
  expect(() => acquireLock(path)).toThrow(LockBusyError);
  expect(() => acquireLock(path)).toThrow(
    `another snapshot run (pid ${process.pid}) holds ${path}`,
  );
  release();
  expect(existsSync(path)).toBe(false);
  acquireLock(path)();
});

test("a lock left by a run that died is taken over", () => {
  const path = join(dir, "run.lock");
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  writeFileSync(path, `${dead.stdout.toString()}\n`);
  const release = acquireLock(path);
  expect(readFileSync(path, "utf8")).toBe(`${process.pid}\n`);
  release();
});

test("one lock per host URI, in DESKFLEET_LOCK_DIR when set", () => {
  const a = defaultLockPath("qemu:///system", { DESKFLEET_LOCK_DIR: dir });
  const b = defaultLockPath("qemu+ssh://me@laptop/system", { DESKFLEET_LOCK_DIR: dir });
  expect(a).toMatch(new RegExp(`^${dir}/deskfleet-snapshots-[0-9a-f]{12}\\.lock$`));
  expect(a).not.toBe(b);
  expect(defaultLockPath("qemu:///system", { DESKFLEET_LOCK_DIR: dir })).toBe(a);
});

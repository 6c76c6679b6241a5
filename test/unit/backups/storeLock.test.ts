/** One process at a time in a backup store, and the store's id. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockStore, storeId, withStoreLock } from "../../../backups/storeLock";

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "deskfleet-store-"));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test("a store in use is refused, naming the store and what holds it", async () => {
  const release = await lockStore(root, "backup run");
  await expect(lockStore(root, "backup now")).rejects.toThrow(
    `the backup store ${root} is in use: ${join(root, "lock")} is held by deskfleet (backup run, process ${process.pid}`,
  );
  release();
  (await lockStore(root, "backup now"))();
});

test("a store that does not exist yet is made, then locked", async () => {
  const fresh = join(root, "new", "store");
  (await lockStore(fresh, "backup now"))();
  expect(existsSync(fresh)).toBe(true);
});

test("withStoreLock releases the lock when the work fails", async () => {
  await expect(
    withStoreLock(root, "backup now", () => Promise.reject(new Error("disk gone"))),
  ).rejects.toThrow("disk gone");
  expect(existsSync(join(root, "lock"))).toBe(false);
});

test("a store's id is made once and kept; each store has its own", async () => {
  const id = await storeId(root);
  expect(id).toMatch(/^[0-9a-f]{8}$/);
  expect(await storeId(root)).toBe(id);
  const other = mkdtempSync(join(tmpdir(), "deskfleet-store-"));
  try {
    expect(await storeId(other)).not.toBe(id);
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

test("a damaged id is an error, never replaced (the host's leftovers bear it)", async () => {
  writeFileSync(join(root, "id"), "garbage\n");
  await expect(storeId(root)).rejects.toThrow(`${join(root, "id")} is damaged`);
});

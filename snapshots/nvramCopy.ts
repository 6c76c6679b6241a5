/**
 * A UEFI guest's NVRAM kept beside each of its snapshots, by deskfleet.
 *
 * No snapshot libvirt takes of a guest with raw NVRAM holds its variables
 * (boot entries, Secure Boot keys, BitLocker's measured state): libvirt 9.0
 * snapshots pflash firmware not at all, and external snapshots (libvirt >= 9.9)
 * never. So each snapshot of a UEFI guest gets a copy of the NVRAM file as it
 * was, `<guest>_VARS.<snapshot>.fd` beside it (made by the host's libvirt, so a
 * remote host works the same); a revert writes it back while the guest is off,
 * and deleting the snapshot deletes it. The folder is reached through a
 * storage pool: the host's own over it if it has one, else a transient one
 * made for the moment (it leaves nothing defined behind).
 */
import { posix } from "node:path";
import type { DomainRef, LibvirtClient, StoragePoolRef, StorageVolRef } from "../libvirt";
import {
  DomainXmlFlags,
  ignoreNotFound,
  ListAllStoragePoolsFlags,
  StoragePoolCreateFlags,
} from "../libvirt";
import { parseDomainXml } from "../xml/domain";
import { defaultNvramPath } from "../xml/nvram";
import { parsePoolXml } from "../xml/pool";

/** The guest's NVRAM file: as its running or defined domain names it, else libvirt's default. */
async function nvramFile(conn: LibvirtClient, dom: DomainRef): Promise<string | undefined> {
  const live = parseDomainXml(await conn.domainGetXmlDesc(dom, 0));
  if (live.firmware !== "uefi") return undefined;
  const inactive = parseDomainXml(await conn.domainGetXmlDesc(dom, DomainXmlFlags.Inactive));
  return live.nvram ?? inactive.nvram ?? defaultNvramPath(conn.uri.path, dom.name);
}

/**
 * Runs `use` with a pool over the guest's NVRAM folder and the NVRAM file's
 * name in it; `orElse` for a guest that is not UEFI, or whose folder does not
 * exist yet.
 */
async function withNvramFolder<T>(
  conn: LibvirtClient,
  dom: DomainRef,
  use: (pool: StoragePoolRef, nvram: string) => Promise<T>,
  orElse: T,
): Promise<T> {
  const file = await nvramFile(conn, dom);
  if (file === undefined) return orElse;
  return withPoolOver(conn, posix.dirname(file), (pool) => use(pool, posix.basename(file)), orElse);
}

/** The copy's name for `snapshot`: `win11_VARS.fd` → `win11_VARS.<snapshot>.fd`. */
export function copyName(nvramBase: string, snapshot: string): string {
  const stem = nvramBase.endsWith(".fd") ? nvramBase.slice(0, -3) : nvramBase;
  return `${stem}.${snapshot}.fd`;
}

/**
 * The last use of each host's NVRAM folder in this process: uses of one folder
 * take turns, or one guest's transient pool would be found by another's use
 * and stopped under it (Pulumi deletes several guests at once).
 */
const folderTurns = new Map<string, Promise<unknown>>();

/**
 * Runs `use` with a started pool over `dir`: the host's own, else a transient
 * one. `orElse` when the folder does not exist (no UEFI guest ever started
 * there), unless `create`: then the folder is made (with its parents).
 * Also how a guest's firmware state reaches another host (provider's domainMove.ts).
 */
export function withPoolOver<T>(
  conn: LibvirtClient,
  dir: string,
  use: (pool: StoragePoolRef) => Promise<T>,
  orElse: T,
  create = false,
): Promise<T> {
  const key = `${conn.uri.uri} ${dir}`;
  const turn = (folderTurns.get(key) ?? Promise.resolve())
    .catch(() => undefined)
    .then(() => poolForTurn(conn, dir, use, orElse, create));
  folderTurns.set(key, turn);
  return turn;
}

async function poolForTurn<T>(
  conn: LibvirtClient,
  dir: string,
  use: (pool: StoragePoolRef) => Promise<T>,
  orElse: T,
  create: boolean,
): Promise<T> {
  const existing = await poolOver(conn, dir);
  if (existing) {
    await conn.storagePoolRefresh(existing);
    return use(existing);
  }
  const name = `deskfleet-nvram-${process.pid}-${Date.now().toString(36)}`;
  const xml = `<pool type='dir'><name>${name}</name><target><path>${dir}</path></target></pool>`;
  // Transient: nothing is defined, and it is gone once stopped (or with the daemon).
  let pool: StoragePoolRef;
  try {
    pool = await conn.storagePoolCreateXml(xml, create ? StoragePoolCreateFlags.WithBuild : 0);
  } catch (err) {
    if (/No such file or directory/.test(err instanceof Error ? err.message : "")) return orElse;
    throw err;
  }
  try {
    return await use(pool);
  } finally {
    await conn.storagePoolDestroy(pool).catch(() => undefined);
  }
}

async function poolOver(conn: LibvirtClient, dir: string): Promise<StoragePoolRef | undefined> {
  for (const pool of await conn.listAllStoragePools(ListAllStoragePoolsFlags.Active)) {
    const xml = await conn.storagePoolGetXmlDesc(pool, 0).catch(() => undefined);
    if (xml === undefined) continue;
    try {
      if (posix.normalize(parsePoolXml(xml).path) === posix.normalize(dir)) return pool;
    } catch {
      // Not a dir pool: not over a folder.
    }
  }
  return undefined;
}

function volumeIn(pool: StoragePoolRef, name: string, conn: LibvirtClient) {
  return conn.storageVolLookupByName(pool, name).catch(ignoreNotFound);
}

const rawVolume = (name: string, capacity: bigint) =>
  `<volume><name>${name}</name><capacity unit='bytes'>${capacity}</capacity>` +
  `<target><format type='raw'/></target></volume>`;

/** A copy of `source` named `name` in `pool`, replacing one of that name. */
async function copyVolume(
  conn: LibvirtClient,
  pool: StoragePoolRef,
  source: StorageVolRef,
  name: string,
): Promise<void> {
  const old = await volumeIn(pool, name, conn);
  if (old) await conn.storageVolDelete(old, 0);
  const { capacity } = await conn.storageVolGetInfo(source);
  await conn.storageVolCreateXmlFrom(pool, rawVolume(name, capacity), source, 0);
}

/**
 * Keeps the guest's NVRAM beside snapshot `snapshot`. False when it has none
 * to keep (not UEFI, or never started: no file yet).
 */
export function saveNvram(conn: LibvirtClient, dom: DomainRef, snapshot: string): Promise<boolean> {
  return withNvramFolder(
    conn,
    dom,
    async (pool, nvram) => {
      const file = await volumeIn(pool, nvram, conn);
      if (!file) return false;
      await copyVolume(conn, pool, file, copyName(nvram, snapshot));
      return true;
    },
    false,
  );
}

/**
 * Writes the NVRAM kept beside `snapshot` back over the guest's, after
 * `stop` has shut the guest off (QEMU holds the file while it runs). False,
 * and nothing stopped, when there is no such copy (a snapshot libvirt holds the
 * NVRAM of, or one taken before deskfleet kept them).
 */
export function restoreNvram(
  conn: LibvirtClient,
  dom: DomainRef,
  snapshot: string,
  stop: () => Promise<void>,
): Promise<boolean> {
  return withNvramFolder(
    conn,
    dom,
    async (pool, nvram) => {
      const copy = await volumeIn(pool, copyName(nvram, snapshot), conn);
      if (!copy) return false;
      await stop();
      await copyVolume(conn, pool, copy, nvram);
      return true;
    },
    false,
  );
}

/** Deletes the NVRAM kept beside each of `snapshots` that has one (one pool for all of them). */
export async function dropNvram(
  conn: LibvirtClient,
  dom: DomainRef,
  snapshots: readonly string[],
): Promise<void> {
  if (snapshots.length === 0) return;
  return withNvramFolder(
    conn,
    dom,
    async (pool, nvram) => {
      for (const snapshot of snapshots) {
        const copy = await volumeIn(pool, copyName(nvram, snapshot), conn);
        if (copy) await conn.storageVolDelete(copy, 0);
      }
    },
    undefined,
  );
}

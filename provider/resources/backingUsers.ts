/**
 * Which volumes of a pool are overlays of which base: asked before deleting a
 * volume ("is anything still built on it?"). libvirt keeps no such index, so
 * answering means reading every volume's XML. This reads each pool once per
 * provider process (one `pulumi up` or `destroy`) and then keeps the index up
 * to date with the creates and deletes this process makes, so a destroy of
 * n guests costs O(n) calls, not O(n²), and a sibling deleted in parallel
 * between the listing and its read is simply no longer there.
 */
import type { LibvirtClient, StoragePoolRef } from "../../libvirt";
import { isNotFound } from "../../libvirt";
import { parseVolumeXml } from "../../xml/volume";

/** pool name → backing path → names of the volumes built on it. */
type Index = Map<string, Set<string>>;

const indexes = new WeakMap<LibvirtClient, Map<string, Promise<Index>>>();

async function readIndex(conn: LibvirtClient, pool: StoragePoolRef): Promise<Index> {
  const index: Index = new Map();
  const vols = await conn.storagePoolListAllVolumes(pool, 0);
  await Promise.all(
    vols.map(async (vol) => {
      const xml = await conn.storageVolGetXmlDesc(vol, 0).catch((err: unknown) => {
        if (isNotFound(err)) return undefined; // deleted since the listing: not a user
        throw err;
      });
      const backing = xml !== undefined ? parseVolumeXml(xml).backingPath : undefined;
      if (backing !== undefined) usersIn(index, backing).add(vol.name);
    }),
  );
  return index;
}

function usersIn(index: Index, backingPath: string): Set<string> {
  let users = index.get(backingPath);
  if (!users) index.set(backingPath, (users = new Set()));
  return users;
}

function poolIndex(conn: LibvirtClient, pool: StoragePoolRef): Promise<Index> {
  let byPool = indexes.get(conn);
  if (!byPool) indexes.set(conn, (byPool = new Map<string, Promise<Index>>()));
  let index = byPool.get(pool.name);
  if (!index) {
    index = readIndex(conn, pool);
    // A failed read is not remembered: the next question reads again.
    index.catch(() => byPool.delete(pool.name));
    byPool.set(pool.name, index);
  }
  return index;
}

/**
 * Names of the volumes in `pool` whose backing file is `path`. Each name the
 * index holds is checked to still exist (a lookup each), so a volume deleted
 * by someone else is not reported.
 */
export async function overlaysOf(
  conn: LibvirtClient,
  pool: StoragePoolRef,
  path: string,
): Promise<string[]> {
  const users = (await poolIndex(conn, pool)).get(path);
  if (!users || users.size === 0) return [];
  const present = await Promise.all(
    [...users].map((name) =>
      conn.storageVolLookupByName(pool, name).then(
        () => name,
        (err: unknown) => {
          if (!isNotFound(err)) throw err;
          users.delete(name);
          return undefined;
        },
      ),
    ),
  );
  return present.filter((n): n is string => n !== undefined);
}

/** Records that this process made `name` on `backingPath` (or deleted it, with `present` false). */
export async function noteOverlay(
  conn: LibvirtClient,
  pool: StoragePoolRef,
  name: string,
  backingPath: string | undefined,
  present: boolean,
): Promise<void> {
  const byPool = indexes.get(conn);
  if (!byPool?.has(pool.name)) return; // not read yet: the first read will see it as it is
  const index = await poolIndex(conn, pool);
  if (present && backingPath !== undefined) usersIn(index, backingPath).add(name);
  if (!present) for (const users of index.values()) users.delete(name);
}

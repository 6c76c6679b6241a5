/**
 * Small files in a folder on a libvirt host, read and written through a
 * storage pool over the folder (nvramCopy.ts's withPoolOver), so a remote
 * host works the same: a guest's NVRAM and TPM state, which a move carries
 * to another host and a backup keeps.
 */
import type { LibvirtClient } from "../libvirt";
import { ignoreNotFound } from "../libvirt";
import { withPoolOver } from "./nvramCopy";

/** Where swtpm keeps a system daemon's guest's TPM 2.0 state, by the guest's UUID. */
export const tpmStateDir = (uuid: string) => `/var/lib/libvirt/swtpm/${uuid}/tpm2`;

export interface HostFile {
  name: string;
  bytes: Buffer;
}

/**
 * The files of `dir` that `wanted` keeps; none when the folder does not
 * exist. Empty files and dot files (swtpm's `.lock`, held only while it runs)
 * hold nothing to carry and are left out.
 */
export function readHostFolder(
  conn: LibvirtClient,
  dir: string,
  wanted: (name: string) => boolean = () => true,
): Promise<HostFile[]> {
  return withPoolOver(
    conn,
    dir,
    async (pool) => {
      const found: HostFile[] = [];
      for (const vol of await conn.storagePoolListAllVolumes(pool)) {
        if (!wanted(vol.name) || vol.name.startsWith(".")) continue;
        if ((await conn.storageVolGetInfo(vol)).capacity === 0n) continue;
        const chunks: Buffer[] = [];
        await conn.storageVolDownloadTo(vol, { data: (c) => void chunks.push(c), hole: () => {} });
        found.push({ name: vol.name, bytes: Buffer.concat(chunks) });
      }
      return found;
    },
    [],
  );
}

/**
 * Writes `files` into `dir` (made if missing), replacing files of the same
 * names; `written` hears of each, so a caller can undo.
 */
export async function writeHostFolder(
  conn: LibvirtClient,
  dir: string,
  files: readonly HostFile[],
  written: (name: string) => void = () => undefined,
): Promise<void> {
  if (files.length === 0) return;
  await withPoolOver(
    conn,
    dir,
    async (pool) => {
      for (const file of files) {
        const old = await conn.storageVolLookupByName(pool, file.name).catch(ignoreNotFound);
        if (old) await conn.storageVolDelete(old, 0);
        const xml =
          `<volume><name>${file.name}</name><capacity unit='bytes'>${file.bytes.length}</capacity>` +
          "<target><format type='raw'/></target></volume>";
        const vol = await conn.storageVolCreateXml(pool, xml, 0);
        written(file.name);
        await conn.storageVolUploadBytes(vol, file.bytes);
      }
    },
    undefined,
    true,
  );
}

/** Deletes the files `names` of `dir`, where they are. */
export function removeHostFiles(
  conn: LibvirtClient,
  dir: string,
  names: readonly string[],
): Promise<void> {
  return withPoolOver(
    conn,
    dir,
    async (pool) => {
      for (const name of names) {
        const vol = await conn.storageVolLookupByName(pool, name).catch(ignoreNotFound);
        if (vol) await conn.storageVolDelete(vol, 0);
      }
    },
    undefined,
  );
}

/**
 * Removes every libvirt object whose name starts with "test-" (leftovers of
 * interrupted test runs): domains (forced off, undefined), networks, volumes
 * in every pool, then pools (stopped and undefined; a pool directory under
 * /var/lib/libvirt/images/test-* is removed too, as tests create only those).
 * Never touches anything else. Usage: npm run sweep [-- --uri URI] [--dry-run]
 */
import { rmSync } from "node:fs";
import type { LibvirtClient, StorageVolRef } from "../libvirt";
import { LibvirtClient as Client } from "../libvirt";
import { undefineFlags } from "../provider/resources/domain";

const PREFIX = "test-";
const TEST_POOL_DIR = /^\/var\/lib\/libvirt\/images\/test-[^/]+$/;

async function sweep(conn: LibvirtClient, dryRun: boolean): Promise<string[]> {
  const removed: string[] = [];
  const act = async (what: string, action: () => Promise<unknown>) => {
    removed.push(what);
    if (!dryRun)
      await action().catch((err: Error) => console.error(`sweep: ${what}: ${err.message}`));
  };
  for (const dom of await conn.listAllDomains(0)) {
    if (!dom.name.startsWith(PREFIX)) continue;
    await act(`domain ${dom.name}`, async () => {
      if (await conn.domainIsActive(dom)) await conn.domainDestroy(dom, 0);
      // Test guests take their NVRAM and TPM state with them.
      await conn.domainUndefine(dom, undefineFlags(false));
    });
  }
  for (const net of await conn.listAllNetworks(0)) {
    if (!net.name.startsWith(PREFIX)) continue;
    await act(`network ${net.name}`, async () => {
      if (await conn.networkIsActive(net)) await conn.networkDestroy(net);
      await conn.networkUndefine(net);
    });
  }
  for (const pool of await conn.listAllStoragePools(0)) {
    if (!(await conn.storagePoolIsActive(pool))) continue;
    // Files libvirt made in it behind the pool's back (external snapshots' overlays) show after a refresh.
    await conn.storagePoolRefresh(pool, 0).catch(() => undefined);
    const vols = (await conn.storagePoolListAllVolumes(pool, 0)).filter(
      (v) => v.name.startsWith(PREFIX) || pool.name.startsWith(PREFIX),
    );
    removed.push(...vols.map((v) => `volume ${pool.name}/${v.name}`));
    if (!dryRun) await deleteVolumes(conn, vols);
  }
  for (const pool of await conn.listAllStoragePools(0)) {
    if (!pool.name.startsWith(PREFIX)) continue;
    await act(`pool ${pool.name}`, async () => {
      const path = /<path>([^<]+)<\/path>/.exec(await conn.storagePoolGetXmlDesc(pool, 0))?.[1];
      if (await conn.storagePoolIsActive(pool)) await conn.storagePoolDestroy(pool);
      await conn.storagePoolUndefine(pool);
      if (path && TEST_POOL_DIR.test(path)) rmSync(path, { recursive: true, force: true });
    });
  }
  return removed;
}

/**
 * Deletes volumes, overlays before their bases: libvirt lists them in no
 * particular order, so a base that is still in use is retried in a later pass.
 */
async function deleteVolumes(conn: LibvirtClient, vols: StorageVolRef[]): Promise<void> {
  let left = vols;
  for (let pass = 0; pass < 3 && left.length > 0; pass++) {
    const failed: StorageVolRef[] = [];
    for (const vol of left) await conn.storageVolDelete(vol, 0).catch(() => failed.push(vol));
    left = failed;
  }
  for (const vol of left) console.error(`sweep: could not delete volume ${vol.pool}/${vol.name}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const uriAt = args.indexOf("--uri");
  const uri = uriAt >= 0 ? args[uriAt + 1] : (process.env.DESKFLEET_TEST_URI ?? "qemu:///system");
  const dryRun = args.includes("--dry-run");
  const conn = await Client.connect(uri);
  try {
    const removed = await sweep(conn, dryRun);
    console.log(
      removed.length
        ? `${dryRun ? "would remove" : "removed"}:\n  ${removed.join("\n  ")}`
        : "nothing to sweep",
    );
  } finally {
    await conn.close();
  }
}

main().catch((err: Error) => {
  console.error(`sweep: ${err.message}`);
  process.exit(1);
});

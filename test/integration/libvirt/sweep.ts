/**
 * Removes every domain, network and storage pool (with its volumes) whose
 * name starts with `prefix`, on the real daemon. Each test file sweeps its
 * own prefix before and after running, so leftovers of a crashed run never
 * break the next one and parallel files never touch each other's objects.
 */
import { ErrorCode, LibvirtClient, hasCode, isNotFound } from "../../../libvirt";
import { expectQuickDaemon } from "../../support/daemonSpeed";

export const URI = process.env.DESKFLEET_TEST_URI ?? "qemu:///system";

async function quietly(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    // Gone already, or no longer running: both fine for a cleanup.
    if (!isNotFound(err) && !hasCode(err, ErrorCode.OperationInvalid)) throw err;
  }
}

export async function sweep(client: LibvirtClient, prefix: string): Promise<void> {
  for (const dom of await client.listAllDomains()) {
    if (!dom.name.startsWith(prefix)) continue;
    if (await client.domainIsActive(dom)) await quietly(client.domainDestroy(dom));
    await quietly(client.domainUndefine(dom));
  }
  for (const net of await client.listAllNetworks()) {
    if (!net.name.startsWith(prefix)) continue;
    if (await client.networkIsActive(net)) await quietly(client.networkDestroy(net));
    await quietly(client.networkUndefine(net));
  }
  for (const pool of await client.listAllStoragePools()) {
    if (!pool.name.startsWith(prefix)) continue;
    if (await client.storagePoolIsActive(pool)) {
      for (const vol of await client.storagePoolListAllVolumes(pool))
        await quietly(client.storageVolDelete(vol));
      await quietly(client.storagePoolDestroy(pool));
    }
    await quietly(client.storagePoolUndefine(pool));
  }
}

/** Connects, sweeps `prefix` first, and checks that the daemon is quick (support/daemonSpeed.ts). */
export async function connectClean(prefix: string): Promise<LibvirtClient> {
  const client = await LibvirtClient.connect(URI);
  try {
    await sweep(client, prefix);
    await expectQuickDaemon(client, prefix);
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}

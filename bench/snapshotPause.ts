/**
 * What one scheduled snapshot costs a running desktop guest: a guest of 2 GiB
 * whose appliance has written 1 GiB of its RAM (scripts/appliance: `filled=`),
 * snapshotted by the runner's own takeSnapshot as a schedule would. The pause
 * is timed between libvirt's own Suspended and Resumed events for the guest;
 * what is stored is the growth of its pool's volumes (an internal snapshot
 * keeps the RAM inside the qcow2 file; an external one adds overlay files).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { LibvirtClient, StoragePoolRef } from "../libvirt";
import { DomainEventType, getConnection } from "../libvirt";
import type { HostInputs, ResourceKind } from "../provider/kind";
import { domain } from "../provider/resources/domain";
import { storagePool } from "../provider/resources/storagePool";
import { volume } from "../provider/resources/volume";
import { autosnapDescription } from "../snapshots/names";
import { takeSnapshot } from "../snapshots/take";

export interface PauseFigures {
  /**
   * Seconds the guest was paused: between libvirt's Suspended and Resumed events when it
   * suspended the guest (a snapshot with memory); otherwise the whole snapshot call, an upper
   * bound on the I/O stall of switching to new overlays (the guest's CPUs never stop).
   */
  pauseS: number;
  /** MiB the pool's volumes grew by: the qcow2 file (internal) or the new overlays (external). */
  storedMiB: number;
  /** How the runner took it (snapshots/mode.ts kindWords). */
  mode: string;
}

const GIB = 1024 ** 3;

/**
 * Measures on `uri`, with its pool in `poolDir` and the guest's console log at
 * `consoleDir/<name>-console.log` (as that host's daemon writes it).
 */
export async function measurePause(
  uri: string,
  poolDir: string,
  consoleDir: string,
  appliance: string,
): Promise<PauseFigures> {
  const prefix = "test-pausebench-";
  const pool = `${prefix}pool`;
  const name = `${prefix}guest`;
  const made: { kind: ResourceKind<HostInputs>; id: string; outs: Record<string, unknown> }[] = [];
  const create = async <I extends HostInputs>(
    kind: ResourceKind<I>,
    news: Record<string, unknown>,
  ) => {
    const { inputs, failures } = kind.check({}, { uri, ...news });
    if (failures.length > 0) throw new Error(JSON.stringify(failures));
    const urn = `urn:pulumi:bench::deskfleet::${kind.token}::${String(news.name)}`;
    made.unshift({
      kind: kind,
      ...(await kind.create(inputs, urn)),
    });
  };
  const conn = await getConnection(uri);
  try {
    await create(storagePool, { name: pool, path: poolDir });
    await create(volume, { pool, name: `${prefix}base.qcow2`, source: appliance });
    await create(volume, {
      pool,
      name: `${prefix}root.qcow2`,
      backingVolume: `${prefix}base.qcow2`,
    });
    await create(domain, {
      name,
      type: "qemu",
      memory: 2 * GIB,
      disks: [{ pool, volume: `${prefix}root.qcow2` }],
      shutdownTimeout: 5,
    });
    const log = `${consoleDir}/${name}-console.log`;
    const deadline = Date.now() + 300_000;
    while (!/DESKFLEET-APPLIANCE filled=1024/.test(readConsole(log))) {
      if (Date.now() > deadline) throw new Error(`${name} on ${uri} did not fill its RAM in 300 s`);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const dom = await conn.domainLookupByName(name);
    const poolRef = await conn.storagePoolLookupByName(pool);
    const before = await poolAllocation(conn, poolRef);
    let suspended: number | undefined;
    let resumed: number | undefined;
    const events = await conn.domainEventLifecycleRegister(dom, (e) => {
      if (e.event === DomainEventType.Suspended) suspended ??= performance.now();
      if (e.event === DomainEventType.Resumed) resumed = performance.now();
    });
    const started = performance.now();
    const { mode } = await takeSnapshot(
      conn,
      dom,
      "autosnap_2030-01-01_04-30-00_hourly",
      autosnapDescription(["hourly"]),
      { memory: false },
    );
    const callS = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 500)); // the Resumed event follows the reply
    await events.deregister();
    const after = await poolAllocation(conn, poolRef);
    // Deleted through libvirt, which merges an external one's overlay back (a pool with an
    // overlay file left in it could not be removed).
    const snap = await conn.domainSnapshotLookupByName(
      dom,
      "autosnap_2030-01-01_04-30-00_hourly",
      0,
    );
    await conn.domainSnapshotDelete(snap, 0);
    return {
      pauseS:
        suspended !== undefined && resumed !== undefined ? (resumed - suspended) / 1000 : callS,
      storedMiB: Number(after - before) / 1024 ** 2,
      mode,
    };
  } finally {
    for (const { kind, id, outs } of made) await kind.delete(id, outs).catch(() => undefined);
  }
}

/** Bytes allocated by every volume of the pool, after a refresh shows files libvirt made in it. */
async function poolAllocation(conn: LibvirtClient, pool: StoragePoolRef): Promise<bigint> {
  await conn.storagePoolRefresh(pool, 0);
  let total = 0n;
  for (const vol of await conn.storagePoolListAllVolumes(pool, 0)) {
    total += (await conn.storageVolGetInfo(vol)).allocation;
  }
  return total;
}

function readConsole(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

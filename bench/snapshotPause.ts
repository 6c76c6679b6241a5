/**
 * What one scheduled snapshot costs a running desktop guest: a guest of 2 GiB
 * whose appliance has written 1 GiB of its RAM (scripts/appliance: `filled=`),
 * snapshotted by the runner's own takeSnapshot as a schedule would. The pause
 * is timed between libvirt's own Suspended and Resumed events for the guest;
 * what is stored is the growth of its disk image (an internal snapshot keeps
 * the RAM inside it).
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { DomainEventType, getConnection } from "../libvirt";
import type { HostInputs, ResourceKind } from "../provider/kind";
import { domain } from "../provider/resources/domain";
import { storagePool } from "../provider/resources/storagePool";
import { volume } from "../provider/resources/volume";
import { autosnapDescription } from "../snapshots/names";
import { takeSnapshot } from "../snapshots/take";

export interface PauseFigures {
  /** Seconds the guest was paused (Suspended → Resumed); 0 when it never was. */
  pauseS: number;
  /** MiB the guest's disk image grew by. */
  storedMiB: number;
  /** How the runner took it (MODE_WORDS). */
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
    const root = await conn.storageVolLookupByName(
      await conn.storagePoolLookupByName(pool),
      `${prefix}root.qcow2`,
    );
    const before = (await conn.storageVolGetInfo(root)).allocation;
    let suspended: number | undefined;
    let resumed: number | undefined;
    const events = await conn.domainEventLifecycleRegister(dom, (e) => {
      if (e.event === DomainEventType.Suspended) suspended ??= performance.now();
      if (e.event === DomainEventType.Resumed) resumed = performance.now();
    });
    const { mode } = await takeSnapshot(
      conn,
      dom,
      "autosnap_2030-01-01_04-30-00_hourly",
      autosnapDescription(["hourly"]),
    );
    await new Promise((r) => setTimeout(r, 500)); // the Resumed event follows the reply
    await events.deregister();
    const after = (await conn.storageVolGetInfo(root)).allocation;
    return {
      pauseS: suspended !== undefined && resumed !== undefined ? (resumed - suspended) / 1000 : 0,
      storedMiB: Number(after - before) / 1024 ** 2,
      mode,
    };
  } finally {
    for (const { kind, id, outs } of made) await kind.delete(id, outs).catch(() => undefined);
  }
}

function readConsole(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

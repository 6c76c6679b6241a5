/** Storage pool and volume procedures, and the upload stream, against the real daemon. */
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ErrorCode,
  ErrorDomain,
  ListAllStoragePoolsFlags,
  StoragePoolBuildFlags,
  StoragePoolState,
  StorageVolResizeFlags,
  StorageVolType,
  uuidToString,
} from "../../../libvirt";
import type { LibvirtClient, StoragePoolRef } from "../../../libvirt";
import { Procedure } from "../../../libvirt/protocol";
import { READ_CHUNK } from "../../../libvirt/fileSource";
import { uploadStream } from "../../../libvirt/transfer";
import { encodeStorageVolRef } from "../../../libvirt/types";
import type { XdrWriter } from "../../../libvirt/xdr";
import { connectClean, sweep } from "./sweep";

// Pools and volumes are made, uploaded (a few MiB) and removed: seconds at most.
jest.setTimeout(30_000);

const PREFIX = "test-libvirt-pool-";
const NAME = `${PREFIX}a`;
const MiB = 1024 * 1024;

let client: LibvirtClient;
let work: string;
let poolDir: string;

const volXml = (name: string, capacity: number, format = "raw") =>
  `<volume><name>${name}</name><capacity unit='bytes'>${capacity}</capacity>` +
  `<target><format type='${format}'/></target></volume>`;

beforeAll(async () => {
  client = await connectClean(PREFIX);
  work = mkdtempSync(join(tmpdir(), "test-libvirt-pool-"));
  poolDir = join(work, "pool"); // created by storagePoolBuild
});

afterAll(async () => {
  if (client !== undefined) {
    await sweep(client, PREFIX);
    await client.close();
  }
  rmSync(work, { recursive: true, force: true });
});

describe("a dir pool", () => {
  let pool: StoragePoolRef;

  test("define → build → create → refresh → info", async () => {
    pool = await client.storagePoolDefineXml(
      `<pool type='dir'><name>${NAME}</name><target><path>${poolDir}</path></target></pool>`,
    );
    expect(pool.name).toBe(NAME);
    expect(await client.storagePoolLookupByName(NAME)).toEqual(pool);
    expect(await client.storagePoolLookupByUuid(pool.uuid)).toEqual(pool);
    expect(uuidToString(pool.uuid)).toMatch(/^[0-9a-f-]{36}$/);
    expect(await client.storagePoolIsActive(pool)).toBe(false);
    expect(existsSync(poolDir)).toBe(false);

    await client.storagePoolBuild(pool, StoragePoolBuildFlags.New);
    expect(existsSync(poolDir)).toBe(true);
    await client.storagePoolCreate(pool);
    await client.storagePoolRefresh(pool);
    expect(await client.storagePoolIsActive(pool)).toBe(true);
    const info = await client.storagePoolGetInfo(pool);
    expect(info.state).toBe(StoragePoolState.Running);
    expect(info.capacity).toBeGreaterThan(0n);
    expect(info.capacity).toBeGreaterThanOrEqual(info.allocation + info.available);
    expect(await client.storagePoolGetXmlDesc(pool)).toContain(`<path>${poolDir}</path>`);
    const active = await client.listAllStoragePools(
      ListAllStoragePoolsFlags.Active | ListAllStoragePoolsFlags.Dir,
    );
    expect(active.find((p) => p.name === NAME)).toEqual(pool);
  });

  test("autostart round-trips", async () => {
    expect(await client.storagePoolGetAutostart(pool)).toBe(false);
    await client.storagePoolSetAutostart(pool, true);
    expect(await client.storagePoolGetAutostart(pool)).toBe(true);
    await client.storagePoolSetAutostart(pool, false);
  });

  test("volume: create, look up three ways, upload a multi-chunk file, verify on disk", async () => {
    const capacity = 3 * READ_CHUNK;
    const vol = await client.storageVolCreateXml(pool, volXml("disk.raw", capacity));
    const path = join(poolDir, "disk.raw");
    expect(vol).toEqual({ pool: NAME, name: "disk.raw", key: path });
    expect(await client.storageVolGetPath(vol)).toBe(path);
    expect(await client.storageVolLookupByName(pool, "disk.raw")).toEqual(vol);
    expect(await client.storageVolLookupByKey(path)).toEqual(vol);
    expect(await client.storageVolLookupByPath(path)).toEqual(vol);
    expect(await client.storagePoolListAllVolumes(pool)).toEqual([vol]);
    expect(await client.storageVolGetXmlDesc(vol)).toContain("<format type='raw'/>");

    // Three stream packets of READ_CHUNK bytes, the last partial.
    const data = randomBytes(2 * READ_CHUNK + READ_CHUNK / 2 + 123);
    const file = join(work, "upload.bin");
    writeFileSync(file, data);
    const progress: [number, number][] = [];
    await client.storageVolUpload(vol, file, { onProgress: (s, t) => progress.push([s, t]) });
    expect(progress.map(([s]) => s)).toEqual([READ_CHUNK, 2 * READ_CHUNK, data.length]);
    expect(progress.every(([, t]) => t === data.length)).toBe(true);

    const onDisk = readFileSync(path);
    expect(onDisk.length).toBe(capacity);
    expect(onDisk.subarray(0, data.length).equals(data)).toBe(true);
    expect(onDisk.subarray(data.length).every((b) => b === 0)).toBe(true);
    const info = await client.storageVolGetInfo(vol);
    expect(info).toMatchObject({ type: StorageVolType.File, capacity: BigInt(capacity) });
    expect(client.connection.pendingCount).toBe(0);
  }, 30_000);

  test("upload at an offset, part of a file", async () => {
    const vol = await client.storageVolLookupByName(pool, "disk.raw");
    const file = join(work, "patch.bin");
    writeFileSync(file, Buffer.from("deskfleet-patch-and-more"));
    await client.storageVolUpload(vol, file, { offset: MiB, length: 15 });
    const onDisk = readFileSync(join(poolDir, "disk.raw"));
    expect(onDisk.subarray(MiB, MiB + 16).toString("latin1")).toBe(
      `deskfleet-patch${onDisk.subarray(MiB + 15, MiB + 16).toString("latin1")}`,
    );
    expect(onDisk.subarray(MiB, MiB + 15).toString()).toBe("deskfleet-patch");
  });

  test("upload bytes held in memory, over several packets, at an offset", async () => {
    const vol = await client.storageVolLookupByName(pool, "disk.raw");
    const data = randomBytes(READ_CHUNK + 777);
    await client.storageVolUploadBytes(vol, data, 4096);
    const onDisk = readFileSync(join(poolDir, "disk.raw"));
    expect(onDisk.subarray(4096, 4096 + data.length).equals(data)).toBe(true);
    expect(client.connection.pendingCount).toBe(0);
  });

  test("an upload the daemon refuses is a LibvirtError and the connection carries on", async () => {
    const small = await client.storageVolCreateXml(pool, volXml("small.raw", 4096));
    const file = join(work, "small.bin");
    writeFileSync(file, Buffer.from("0123456789"));
    // An offset no file can have: the daemon's I/O helper cannot seek there.
    const err = await client
      .storageVolUpload(small, file, { offset: 1n << 62n })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: "LibvirtError",
      code: ErrorCode.SystemError,
      domain: ErrorDomain.Streams,
    });
    expect(client.connection.isOpen).toBe(true);
    expect(client.connection.pendingCount).toBe(0);
    expect(await client.storageVolGetInfo(small)).toMatchObject({ capacity: 4096n });
    await client.storageVolDelete(small);
  });

  test("aborting an upload (the source fails) leaves the connection clean", async () => {
    const vol = await client.storageVolCreateXml(pool, volXml("aborted.raw", 4 * MiB));
    function* failing(): Generator<Uint8Array> {
      yield Buffer.alloc(MiB, 1);
      yield Buffer.alloc(MiB, 2);
      throw new Error("source read failed");
    }
    const args = (w: XdrWriter): void => {
      encodeStorageVolRef(w, vol);
      w.writeUhyper(0n);
      w.writeUhyper(BigInt(4 * MiB));
      w.writeUint(0);
    };
    const err = await uploadStream(
      client.connection,
      Procedure.StorageVolUpload,
      args,
      failing(),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: "source read failed" });
    // libvirtd answers the abort with an error for that serial; it must be consumed,
    // not treated as a stray packet, so the next call round-trips and nothing is pending.
    expect((await client.storageVolGetInfo(vol)).capacity).toBe(BigInt(4 * MiB));
    await new Promise((r) => setTimeout(r, 100));
    expect(client.connection.pendingCount).toBe(0);
    expect(client.connection.isOpen).toBe(true);
    await client.storageVolDelete(vol);
  });

  test("clone, resize, delete", async () => {
    const src = await client.storageVolLookupByName(pool, "disk.raw");
    const size = Number((await client.storageVolGetInfo(src)).capacity);
    const clone = await client.storageVolCreateXmlFrom(pool, volXml("clone.raw", size), src);
    expect(clone.name).toBe("clone.raw");
    expect(readFileSync(clone.key).equals(readFileSync(src.key))).toBe(true);

    await client.storageVolResize(clone, BigInt(size + 4 * MiB));
    expect((await client.storageVolGetInfo(clone)).capacity).toBe(BigInt(size + 4 * MiB));
    // Shrinking needs the flag, and cannot go below what is allocated (the copied data).
    await client.storageVolResize(clone, BigInt(size + 2 * MiB), StorageVolResizeFlags.Shrink);
    expect((await client.storageVolGetInfo(clone)).capacity).toBe(BigInt(size + 2 * MiB));
    const below = await client
      .storageVolResize(clone, BigInt(MiB), StorageVolResizeFlags.Shrink)
      .catch((e: unknown) => e);
    expect(below).toMatchObject({ code: ErrorCode.InvalidArg });

    await client.storageVolDelete(clone);
    expect(existsSync(clone.key)).toBe(false);
    const err = await client.storageVolLookupByKey(clone.key).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.NoStorageVol });
  });

  test("a file created behind libvirt's back appears after refresh", async () => {
    writeFileSync(join(poolDir, "sideload.raw"), Buffer.alloc(4096));
    await client.storagePoolRefresh(pool);
    const names = (await client.storagePoolListAllVolumes(pool)).map((v) => v.name).sort();
    expect(names).toEqual(["disk.raw", "sideload.raw"]);
  });

  test("destroy → delete (removes the directory) → undefine", async () => {
    for (const v of await client.storagePoolListAllVolumes(pool)) await client.storageVolDelete(v);
    await client.storagePoolDestroy(pool);
    expect(await client.storagePoolIsActive(pool)).toBe(false);
    expect((await client.storagePoolGetInfo(pool)).state).toBe(StoragePoolState.Inactive);
    await client.storagePoolDelete(pool);
    expect(existsSync(poolDir)).toBe(false);
    await client.storagePoolUndefine(pool);
    const err = await client.storagePoolLookupByName(NAME).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.NoStoragePool });
  });
});

/**
 * Volumes copied host to host through this process (libvirt/volumeCopy.ts):
 * the system daemon and a second daemon of this test's own, each with a pool
 * at the same path as the daemon sees it (separate folders underneath, as on
 * two machines). A sparse raw image arrives byte for byte with its holes; a
 * qcow2 overlay arrives as an overlay on the target's copy of its base.
 * Objects: test-libvirt-copy-* on both.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LibvirtClient, StoragePoolBuildFlags, copyVolume, volumeDigest } from "../../../libvirt";
import type { StoragePoolRef } from "../../../libvirt";
import { secondHost } from "../../support/hosts";
import { GiB, makeSparseImage } from "../../support/sparseImage";
import { connectClean, sweep } from "./sweep";

jest.setTimeout(120_000);

const PREFIX = "test-libvirt-copy-";
const POOL = `${PREFIX}pool`;
const POOL_PATH = `/var/lib/libvirt/images/${POOL}`;
const HOST = secondHost("copy");
const MiB = 1024 * 1024;

let source: LibvirtClient;
let target: LibvirtClient;
let work: string;
const pools: StoragePoolRef[] = [];

async function poolOn(conn: LibvirtClient): Promise<StoragePoolRef> {
  const pool = await conn.storagePoolDefineXml(
    `<pool type='dir'><name>${POOL}</name><target><path>${POOL_PATH}</path></target></pool>`,
  );
  await conn.storagePoolBuild(pool, StoragePoolBuildFlags.New);
  await conn.storagePoolCreate(pool);
  return pool;
}

const volumeXml = (name: string, format: "raw" | "qcow2", capacity: number, backing?: string) =>
  `<volume><name>${name}</name><capacity unit='bytes'>${capacity}</capacity>` +
  `<target><format type='${format}'/></target>` +
  (backing !== undefined
    ? `<backingStore><path>${backing}</path><format type='qcow2'/></backingStore>`
    : "") +
  "</volume>";

beforeAll(async () => {
  source = await connectClean(PREFIX);
  target = await LibvirtClient.connect(HOST.start());
  await sweep(target, PREFIX);
  work = mkdtempSync(join(tmpdir(), PREFIX));
  pools.push(await poolOn(source), await poolOn(target));
}, 120_000);

afterAll(async () => {
  if (source !== undefined) {
    await sweep(source, PREFIX);
    await source.close();
  }
  if (target !== undefined) await target.close();
  HOST.stop();
  rmSync(work, { recursive: true, force: true });
  rmSync(POOL_PATH, { recursive: true, force: true });
});

test("a sparse 1 GiB raw volume arrives byte for byte, its holes kept", async () => {
  const image = join(work, "image.raw");
  const data = makeSparseImage(image);
  const [from, to] = pools;
  const original = await source.storageVolCreateXml(from, volumeXml("disk.raw", "raw", GiB));
  await source.storageVolUpload(original, image, { sparse: true });
  const copy = await target.storageVolCreateXml(to, volumeXml("disk.raw", "raw", GiB));

  const progress: number[] = [];
  const result = await copyVolume(
    { conn: source, vol: original },
    { conn: target, vol: copy },
    (done) => progress.push(done),
  );

  expect(result.bytes).toBe(GiB);
  expect(result.data).toBeGreaterThanOrEqual(data);
  // Holes did not travel as data (the daemon reports data in its filesystem's extents: some more).
  expect(result.data).toBeLessThan(data + 64 * MiB);
  expect(progress.at(-1)).toBe(GiB);
  const landed = HOST.hostFile(`${POOL_PATH}/disk.raw`);
  execFileSync("cmp", [image, landed]);
  expect(statSync(landed).blocks * 512).toBeLessThan(GiB / 4); // holes there too
  expect(await volumeDigest({ conn: target, vol: copy })).toBe(result.digest);
});

test("a qcow2 overlay arrives as an overlay on the target's base at the same path", async () => {
  const [from, to] = pools;
  const base = join(work, "base.raw");
  makeSparseImage(base, { size: 64 * MiB, extents: 4, extentBytes: MiB });
  const bases = [];
  for (const [conn, pool] of [
    [source, from],
    [target, to],
  ] as const) {
    const vol = await conn.storageVolCreateXml(pool, volumeXml("base.raw", "raw", 64 * MiB));
    await conn.storageVolUpload(vol, base, { sparse: true });
    bases.push(await conn.storageVolGetPath(vol));
  }
  expect(bases[0]).toBe(bases[1]);
  const overlay = volumeXml("top.qcow2", "qcow2", 64 * MiB, bases[0]).replace(
    "<format type='qcow2'/></backingStore>",
    "<format type='raw'/></backingStore>",
  );
  const original = await source.storageVolCreateXml(from, overlay);
  const copy = await target.storageVolCreateXml(to, overlay);

  await copyVolume({ conn: source, vol: original }, { conn: target, vol: copy });

  const info = JSON.parse(
    execFileSync("qemu-img", ["info", "--output=json", HOST.hostFile(`${POOL_PATH}/top.qcow2`)], {
      encoding: "utf8",
    }),
  ) as { format: string; "backing-filename"?: string; "virtual-size": number };
  expect(info).toMatchObject({
    format: "qcow2",
    "backing-filename": bases[0],
    "virtual-size": 64 * MiB,
  });
});

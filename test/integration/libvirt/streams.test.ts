/**
 * Volume streams against the real daemon: a sparse 1 GiB image up and back
 * down (sparse and dense), byte for byte, with the holes kept on the host
 * and locally; aborted transfers leave the connection usable.
 * Objects: test-libvirt-stream-*.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ErrorCode,
  LibvirtError,
  StoragePoolBuildFlags,
  StorageVolDownloadFlags,
} from "../../../libvirt";
import type { LibvirtClient, StoragePoolRef, StorageVolRef } from "../../../libvirt";
import { Procedure } from "../../../libvirt/protocol";
import { downloadStream } from "../../../libvirt/transfer";
import { encodeStorageVolRef } from "../../../libvirt/types";
import { waitFor } from "../../support/wait";
import { GiB, ONE_GIB_IMAGE, makeSparseImage } from "../../support/sparseImage";
import { connectClean, sweep } from "./sweep";

// 1 GiB sparse images move through the daemon (seconds each); those tests say their own bound.
jest.setTimeout(60_000);

const PREFIX = "test-libvirt-stream-";
const MiB = 1024 * 1024;
/** Allocation may exceed the data by filesystem metadata and partly-written 64 KiB blocks. */
const SLACK = 16 * MiB;

let client: LibvirtClient;
let work: string;
let pool: StoragePoolRef;
let vol: StorageVolRef;
let image: string;
let dataBytes: number;

const allocated = (path: string): number => statSync(path).blocks * 512;
const identical = (a: string, b: string): boolean => {
  try {
    execFileSync("cmp", ["-s", a, b]);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  client = await connectClean(PREFIX);
  work = mkdtempSync(join(tmpdir(), PREFIX));
  image = join(work, "image.raw");
  dataBytes = makeSparseImage(image);
  pool = await client.storagePoolDefineXml(
    `<pool type='dir'><name>${PREFIX}pool</name><target><path>${join(work, "pool")}</path></target></pool>`,
  );
  await client.storagePoolBuild(pool, StoragePoolBuildFlags.New);
  await client.storagePoolCreate(pool);
  vol = await client.storageVolCreateXml(
    pool,
    `<volume><name>disk.raw</name><capacity unit='bytes'>${GiB}</capacity>` +
      "<allocation>0</allocation><target><format type='raw'/></target></volume>",
  );
}, 60_000);

afterAll(async () => {
  if (client !== undefined) {
    await sweep(client, PREFIX);
    await client.close();
  }
  rmSync(work, { recursive: true, force: true });
});

test("a sparse 1 GiB image: upload keeps the holes on the host, the bytes are identical", async () => {
  expect(allocated(image)).toBeLessThan(dataBytes + SLACK); // the source really is sparse
  const progress: number[] = [];
  await client.storageVolUpload(vol, image, {
    sparse: true,
    onProgress: (sent, total) => {
      expect(total).toBe(GiB);
      progress.push(sent);
    },
  });
  expect(progress.at(-1)).toBe(GiB); // holes count as covered
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  expect(identical(image, vol.key)).toBe(true);
  expect(allocated(vol.key)).toBeLessThan(dataBytes + SLACK);
  const info = await client.storageVolGetInfo(vol);
  expect(info.capacity).toBe(BigInt(GiB));
  expect(Number(info.allocation)).toBeLessThan(dataBytes + SLACK);
  expect(client.connection.pendingCount).toBe(0);
}, 120_000);

test("sparse download: identical bytes, the local file keeps the holes", async () => {
  const back = join(work, "back-sparse.raw");
  const progress: [number, number | undefined][] = [];
  const n = await client.storageVolDownload(vol, back, {
    sparse: true,
    onProgress: (r, t) => progress.push([r, t]),
  });
  expect(n).toBe(GiB);
  expect(progress.at(-1)).toEqual([GiB, undefined]); // no length asked: total unknown
  expect(statSync(back).size).toBe(GiB);
  expect(identical(image, back)).toBe(true);
  expect(allocated(back)).toBeLessThan(dataBytes + SLACK);
  rmSync(back);
}, 120_000);

test("dense download of a range: exactly those bytes", async () => {
  const back = join(work, "back-range.raw");
  const offset = ONE_GIB_IMAGE.size / ONE_GIB_IMAGE.extents - MiB; // across a data run's start
  const n = await client.storageVolDownload(vol, back, { offset, length: 8 * MiB });
  expect(n).toBe(8 * MiB);
  const expected = join(work, "expected.raw");
  execFileSync(
    "dd",
    [`if=${image}`, `of=${expected}`, "bs=1M", `skip=${offset / MiB}`, "count=8"],
    {
      stdio: "ignore",
    },
  );
  expect(identical(expected, back)).toBe(true);
  rmSync(back);
}, 60_000);

test("a download aborted by its sink: the error, then the connection carries on", async () => {
  let chunks = 0;
  const args = (w: Parameters<typeof encodeStorageVolRef>[0]): void => {
    encodeStorageVolRef(w, vol);
    w.writeUhyper(0n);
    w.writeUhyper(0n);
    w.writeUint(StorageVolDownloadFlags.SparseStream);
  };
  const err = await downloadStream(client.connection, Procedure.StorageVolDownload, args, {
    data: () => {
      if (++chunks === 3) throw new Error("local disk full");
    },
    hole: () => undefined,
  }).catch((e: unknown) => e);
  expect(err).toMatchObject({ message: "local disk full" });
  expect(await client.storageVolGetPath(vol)).toBe(vol.key);
  // The daemon answers the abort from another thread, possibly after that reply.
  await waitFor(
    "the abort's answer",
    () => client.connection.pendingCount === 0 || undefined,
    5000,
    10,
  );
  expect(client.isOpen).toBe(true);
}, 60_000);

test("a download the daemon refuses (no such volume): LibvirtError; no file is left", async () => {
  const back = join(work, "refused.raw");
  const missing = { ...vol, name: "missing.raw", key: join(work, "pool", "missing.raw") };
  const err = await client.storageVolDownload(missing, back).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(LibvirtError);
  expect(err).toMatchObject({ code: ErrorCode.NoStorageVol });
  expect(existsSync(back)).toBe(false);
  expect(await client.storageVolGetPath(vol)).toBe(vol.key);
});

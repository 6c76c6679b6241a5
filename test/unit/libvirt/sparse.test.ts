/** Local files as stream sources (zero blocks → holes) and sinks (holes stay holes). */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { READ_CHUNK, readFileChunks } from "../../../libvirt/fileSource";
import { HOLE_BLOCK, fileSink } from "../../../libvirt/sparse";
import type { StreamHole } from "../../../libvirt/transfer";
import { rejection } from "./helpers";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lv-sparse-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Item = Buffer | StreamHole;

/** Every item, data copied (the reader reuses its buffers). */
async function collect(path: string, start: number, length: number, sparse: boolean) {
  const items: Item[] = [];
  for await (const item of readFileChunks(path, start, length, sparse)) {
    items.push("hole" in item ? item : Buffer.from(item));
  }
  return items;
}

/** The bytes the items describe (holes as zeros). */
function rebuild(items: Item[]): Buffer {
  return Buffer.concat(items.map((i) => ("hole" in i ? Buffer.alloc(Number(i.hole)) : i)));
}

/** A file of `blocks` HOLE_BLOCK-sized blocks: zero, or filled with a non-zero byte, plus a tail. */
function layout(blocks: boolean[], tail: number): Buffer {
  const parts = blocks.map((data, i) => Buffer.alloc(HOLE_BLOCK, data ? (i % 250) + 1 : 0));
  return Buffer.concat([...parts, Buffer.alloc(tail, 7)]);
}

test("any layout: the items rebuild the file, holes are whole zero blocks, never adjacent", async () => {
  const path = join(dir, "prop");
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.boolean(), { maxLength: 200 }), // up to 12.5 MiB: several READ_CHUNKs
      fc.nat({ max: HOLE_BLOCK - 1 }),
      async (blocks, tail) => {
        const bytes = layout(blocks, tail);
        writeFileSync(path, bytes);
        const items = await collect(path, 0, bytes.length, true);
        expect(rebuild(items).equals(bytes)).toBe(true);
        const zeroBlocks = blocks.filter((d) => !d).length;
        const holeBytes = items.reduce((n, i) => n + ("hole" in i ? Number(i.hole) : 0), 0);
        expect(holeBytes).toBe(zeroBlocks * HOLE_BLOCK);
        for (let i = 1; i < items.length; i++) {
          expect("hole" in items[i] && "hole" in items[i - 1]).toBe(false);
        }
        for (const i of items) if (!("hole" in i)) expect(i.length).toBeLessThanOrEqual(READ_CHUNK);
      },
    ),
    { numRuns: 30 },
  );
});

test("dense: data only, the exact bytes of a range", async () => {
  const path = join(dir, "dense");
  const bytes = layout([false, true, false], 100);
  writeFileSync(path, bytes);
  const items = await collect(path, 10, bytes.length - 20, false);
  expect(items.some((i) => "hole" in i)).toBe(false);
  expect(rebuild(items).equals(bytes.subarray(10, bytes.length - 10))).toBe(true);
});

test("a file that is shorter than asked: RangeError naming where it ended", async () => {
  const path = join(dir, "short");
  writeFileSync(path, Buffer.alloc(1000, 1));
  const err = await rejection(collect(path, 0, 5000, true));
  expect(err).toBeInstanceOf(RangeError);
  expect(err.message).toContain("ended at byte 1000");
});

test("an empty range yields nothing", async () => {
  const path = join(dir, "empty");
  writeFileSync(path, "");
  expect(await collect(path, 0, 0, true)).toEqual([]);
});

test("fileSink: data where it belongs, holes unallocated, a trailing hole sets the size", async () => {
  const path = join(dir, "sink");
  writeFileSync(path, "old contents are truncated");
  const sink = await fileSink(path);
  const MiB = 1024 * 1024;
  await sink.data(Buffer.from("head"));
  await sink.hole(BigInt(8 * MiB));
  await sink.data(Buffer.from("tail"));
  await sink.hole(BigInt(8 * MiB));
  await sink.close();
  await sink.close(); // idempotent
  const st = statSync(path);
  expect(st.size).toBe(16 * MiB + 8);
  expect(st.blocks * 512).toBeLessThan(MiB); // 16 MiB of holes took no space
  const back = readFileSync(path);
  expect(back.subarray(0, 4).toString()).toBe("head");
  expect(back.subarray(4 + 8 * MiB, 8 + 8 * MiB).toString()).toBe("tail");
  expect(back.subarray(4, 4 + 8 * MiB).equals(Buffer.alloc(8 * MiB))).toBe(true);
});

test("a consumer that stops early (an aborted upload) ends the reads cleanly", async () => {
  const path = join(dir, "early");
  writeFileSync(path, Buffer.alloc(8 * READ_CHUNK, 1));
  let taken = 0;
  for await (const item of readFileChunks(path, 0, 8 * READ_CHUNK, true)) {
    expect("hole" in item).toBe(false);
    if (++taken === 2) break;
  }
  expect(taken).toBe(2);
  // The handle was closed: the file can be removed and replaced at once.
  rmSync(path);
  writeFileSync(path, "");
});

test("data runs far apart: one hole per gap, however many chunks it spans", async () => {
  const path = join(dir, "gaps");
  const MiB = 1024 * 1024;
  const bytes = Buffer.alloc(100 * MiB);
  for (const at of [0, 40 * MiB, 99 * MiB]) bytes.fill(9, at, at + MiB);
  writeFileSync(path, bytes);
  const items = await collect(path, 0, bytes.length, true);
  expect(
    items.map((i) => ("hole" in i ? `hole:${Number(i.hole) / MiB}` : `data:${i.length / MiB}`)),
  ).toEqual(["data:1", "hole:39", "data:1", "hole:58", "data:1"]);
});

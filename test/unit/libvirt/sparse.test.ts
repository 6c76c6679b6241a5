/** Local files as stream sources: zero blocks become holes (the sink side: fileSink.test.ts). */
import {
  closeSync,
  mkdtempSync,
  openSync,
  rmSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { HoleCursor, findHoles, holesFromMap } from "../../../libvirt/fileHoles";
import type { HoleRange } from "../../../libvirt/fileHoles";
import { FileSource, READ_CHUNK, readFileChunks } from "../../../libvirt/fileSource";
import type { KnownHoles } from "../../../libvirt/fileSource";
import { HOLE_BLOCK, isZero, scanChunk } from "../../../libvirt/sparse";
import type { StreamHole } from "../../../libvirt/transfer";
import { rejection } from "./helpers";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lv-sparse-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Item = Buffer | StreamHole;

/** Every item, data copied (the reader reuses its buffers). */
async function collect(
  path: string,
  start: number,
  length: number,
  sparse: boolean,
  holes?: KnownHoles,
) {
  const items: Item[] = [];
  for await (const item of readFileChunks(path, start, length, sparse, holes)) {
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

test("FileSource.lend: the same items; a buffer is read into again only once released", async () => {
  const path = join(dir, "lent");
  const bytes = layout(
    Array.from({ length: 120 }, (_, i) => i % 7 !== 0),
    1234,
  ); // 7.5 MiB: more chunks than fit unreleased in a small file's buffers
  writeFileSync(path, bytes);
  const expected = await collect(path, 0, bytes.length, true);
  const held: { copy: Buffer; lent: Uint8Array; release(): void }[] = [];
  const items: Item[] = [];
  // As an upload uses it (api/volumeStreams.ts): opened, lent, closed.
  const source = await FileSource.open(path, 0, bytes.length, true, undefined);
  try {
    for await (const item of source.lend()) {
      if ("hole" in item) {
        items.push(item);
        continue;
      }
      const copy = Buffer.from(item.lent);
      items.push(copy);
      held.push({ copy, lent: item.lent, release: () => item.release() });
      // Hold up to 3 at once, released late: none may have been overwritten meanwhile.
      if (held.length > 3) {
        const h = held.shift();
        expect(Buffer.from(h?.lent ?? []).equals(h?.copy ?? Buffer.alloc(0))).toBe(true);
        h?.release();
      }
    }
    for (const h of held) h.release();
  } finally {
    await source.close();
  }
  const shape = (xs: Item[]) =>
    xs.map((i) => ("hole" in i ? `hole:${i.hole}` : `data:${i.length}`));
  expect(shape(items)).toEqual(shape(expected));
  expect(rebuild(items).equals(bytes)).toBe(true);
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

/** Runs of zero blocks in a layout, as byte ranges. */
function zeroRuns(blocks: boolean[]): HoleRange[] {
  const runs: HoleRange[] = [];
  blocks.forEach((data, i) => {
    if (data) return;
    const last = runs[runs.length - 1];
    if (last !== undefined && last.to === i * HOLE_BLOCK) last.to += HOLE_BLOCK;
    else runs.push({ from: i * HOLE_BLOCK, to: (i + 1) * HOLE_BLOCK });
  });
  return runs;
}

describe("known holes (fileHoles.ts)", () => {
  test("any layout, any subset of its zero runs known, any range: the same items as scanning", async () => {
    const path = join(dir, "known");
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { maxLength: 120 }),
        fc.nat({ max: HOLE_BLOCK - 1 }),
        fc.array(fc.boolean(), { maxLength: 120 }), // which runs are known
        fc.nat({ max: 3 * HOLE_BLOCK }), // skipped at the start
        fc.integer({ min: -1, max: 2 }), // the holes known from the start (-1), or after ms
        async (blocks, tail, knownMask, skip, lateMs) => {
          const bytes = layout(blocks, tail);
          writeFileSync(path, bytes);
          const start = Math.min(skip, bytes.length);
          // Known holes may also be only part of a zero run: shrink some.
          const known = zeroRuns(blocks)
            .filter((_, i) => knownMask[i] ?? true)
            .map((r, i) => (i % 3 === 2 ? { from: r.from + 512, to: r.to - 512 } : r));
          const scanned = await collect(path, start, bytes.length - start, true, []);
          // Reading does not wait for a search still running: what it reads meanwhile is scanned.
          const learnt =
            lateMs < 0
              ? known
              : new Promise<HoleRange[]>((r) => setTimeout(() => r(known), lateMs));
          const skipped = await collect(path, start, bytes.length - start, true, learnt);
          expect(rebuild(skipped).equals(bytes.subarray(start))).toBe(true);
          for (let i = 1; i < skipped.length; i++) {
            expect("hole" in skipped[i] && "hole" in skipped[i - 1]).toBe(false);
          }
          const holeBytes = (items: Item[]) =>
            items.reduce((n, i) => n + ("hole" in i ? Number(i.hole) : 0), 0);
          // Never fewer hole bytes than scanning finds; more only where a
          // known hole starts or ends inside a zero block the scan keeps.
          expect(holeBytes(skipped)).toBeGreaterThanOrEqual(holeBytes(scanned));
        },
      ),
      { numRuns: 40 },
    );
  });

  test("a known hole is not read: bytes there come out as a hole", async () => {
    // Only a wrong map could show this; it proves the range is skipped.
    const path = join(dir, "not-read");
    const bytes = Buffer.alloc(4 * HOLE_BLOCK, 5);
    writeFileSync(path, bytes);
    const items = await collect(path, 0, bytes.length, true, [
      { from: HOLE_BLOCK, to: 3 * HOLE_BLOCK },
    ]);
    expect(items.map((i) => ("hole" in i ? `hole:${i.hole}` : `data:${i.length}`))).toEqual([
      `data:${HOLE_BLOCK}`,
      `hole:${2 * HOLE_BLOCK}`,
      `data:${HOLE_BLOCK}`,
    ]);
  });

  test("holes learnt after reading began are skipped from then on; a failed search skips none", async () => {
    const path = join(dir, "late");
    const bytes = Buffer.alloc(8 * READ_CHUNK, 5); // not zeros: only a skip makes a hole
    writeFileSync(path, bytes);
    let learn: (h: HoleRange[]) => void = () => undefined;
    const late = new Promise<HoleRange[]>((r) => (learn = r));
    const items: string[] = [];
    for await (const item of readFileChunks(path, 0, bytes.length, true, late)) {
      items.push("hole" in item ? `hole:${item.hole}` : `data:${item.length}`);
      // After the first chunk: a "hole" over that chunk (read already) and over the last MiB.
      if (items.length === 1)
        learn([
          { from: 0, to: READ_CHUNK },
          { from: 7 * READ_CHUNK, to: 8 * READ_CHUNK },
        ]);
    }
    expect(items.at(-1)).toBe(`hole:${READ_CHUNK}`);
    expect(items.filter((i) => i.startsWith("hole"))).toHaveLength(1);
    const failed = Promise.reject(new Error("no qemu-img"));
    const all = await collect(path, 0, bytes.length, true, failed);
    expect(rebuild(all).equals(bytes)).toBe(true);
  });

  test("dense reads ignore known holes", async () => {
    const path = join(dir, "dense-known");
    const bytes = Buffer.alloc(2 * HOLE_BLOCK, 3);
    writeFileSync(path, bytes);
    const items = await collect(path, 0, bytes.length, false, [{ from: 0, to: HOLE_BLOCK }]);
    expect(rebuild(items).equals(bytes)).toBe(true);
  });

  test("a real sparse file: qemu-img maps its holes and the upload items match its layout", async () => {
    const path = join(dir, "real-sparse");
    const MiB = 1024 * 1024;
    writeFileSync(path, "");
    truncateSync(path, 64 * MiB);
    const fd = openSync(path, "r+");
    for (const at of [8 * MiB, 40 * MiB]) writeSync(fd, Buffer.alloc(MiB, 7), 0, MiB, at);
    closeSync(fd);
    const holes = await findHoles(path, 0, 64 * MiB);
    // qemu-utils is installed by setup; without it there would be no holes here.
    expect(holes).toEqual([
      { from: 0, to: 8 * MiB },
      { from: 9 * MiB, to: 40 * MiB },
      { from: 41 * MiB, to: 64 * MiB },
    ]);
    expect(await findHoles(path, 20 * MiB, 40 * MiB + 1)).toEqual([
      { from: 20 * MiB, to: 40 * MiB },
    ]);
    const items = await collect(path, 0, 64 * MiB, true);
    expect(
      items.map((i) => ("hole" in i ? `hole:${Number(i.hole) / MiB}` : `data:${i.length / MiB}`)),
    ).toEqual(["hole:8", "data:1", "hole:31", "data:1", "hole:23"]);
  });

  test("no map to be had (a missing file, a directory): no holes, never an error", async () => {
    expect(await findHoles(join(dir, "missing"), 0, 100)).toEqual([]);
    expect(await findHoles(dir, 0, 100)).toEqual([]);
  });

  test("holesFromMap: only no-data zero entries, clipped to the range, adjacent ones joined", () => {
    const entry = (start: number, length: number, data: boolean, zero: boolean) => ({
      start,
      length,
      depth: 0,
      present: true,
      data,
      zero,
      offset: start,
    });
    const map = JSON.stringify([
      entry(0, 100, false, true),
      entry(100, 50, false, true), // joins the one before
      entry(150, 50, true, false),
      entry(200, 30, true, true), // data that reads as zeros: read it anyway
      entry(230, 20, false, false), // unknown contents: read it
      entry(250, 100, false, true),
    ]);
    expect(holesFromMap(map, 0, 1000)).toEqual([
      { from: 0, to: 150 },
      { from: 250, to: 350 },
    ]);
    expect(holesFromMap(map, 120, 300)).toEqual([
      { from: 120, to: 150 },
      { from: 250, to: 300 },
    ]);
    expect(holesFromMap(map, 150, 250)).toEqual([]);
    for (const bad of [
      "",
      "not json",
      "{}",
      '[{"start": -1, "length": 5, "data": false, "zero": true}]',
      '[{"start": 0}]',
      "[null]",
    ]) {
      expect(holesFromMap(bad, 0, 1000)).toEqual([]);
    }
  });

  test("HoleCursor: the hole at a position and the next one, positions only increasing", () => {
    const c = new HoleCursor([
      { from: 10, to: 20 },
      { from: 30, to: 40 },
    ]);
    expect([c.holeAt(0), c.nextHole(0)]).toEqual([0, 10]);
    expect([c.holeAt(10), c.nextHole(10)]).toEqual([10, 10]);
    expect([c.holeAt(19), c.nextHole(19)]).toEqual([1, 19]);
    expect([c.holeAt(20), c.nextHole(20)]).toEqual([0, 30]);
    expect([c.holeAt(35), c.nextHole(35)]).toEqual([5, 35]);
    expect([c.holeAt(40), c.nextHole(40)]).toEqual([0, Infinity]);
    expect(new HoleCursor([]).nextHole(0)).toBe(Infinity);
  });
});

describe("isZero", () => {
  const lengths = [1, 7, 8, 9, HOLE_BLOCK - 1, HOLE_BLOCK, HOLE_BLOCK + 1, 3 * HOLE_BLOCK + 5];

  test("all zero, any length (blocks, a tail shorter than a block, empty)", () => {
    expect(isZero(Buffer.alloc(0))).toBe(true);
    for (const n of lengths) expect(isZero(Buffer.alloc(n))).toBe(true);
  });

  test("one non-zero byte anywhere is seen: ends, middle, either side of a block boundary", () => {
    for (const n of lengths) {
      const spots = [0, n - 1, n >> 1, 1, n - 2, HOLE_BLOCK - 1, HOLE_BLOCK, 2 * HOLE_BLOCK + 3];
      for (const at of spots.filter((i) => i >= 0 && i < n)) {
        const b = Buffer.alloc(n);
        b[at] = 0x80;
        expect([n, at, isZero(b)]).toEqual([n, at, false]);
      }
    }
  });

  test("no zero at all; and a subarray is judged on its own bytes", () => {
    expect(isZero(Buffer.alloc(HOLE_BLOCK, 0xff))).toBe(false);
    const b = Buffer.concat([Buffer.alloc(10, 1), Buffer.alloc(HOLE_BLOCK), Buffer.alloc(10, 1)]);
    expect(isZero(b.subarray(10, 10 + HOLE_BLOCK))).toBe(true);
    expect(isZero(b.subarray(9, 10 + HOLE_BLOCK))).toBe(false);
  });
});

describe("scanChunk", () => {
  test("a zero tail shorter than a block is a hole; zero runs carry over to the next chunk", () => {
    const holes = { pending: 0 };
    const chunk = Buffer.concat([Buffer.alloc(HOLE_BLOCK, 1), Buffer.alloc(100)]);
    const out = scanChunk(chunk, holes);
    expect(out.map((s) => ("hole" in s ? `hole:${s.hole}` : `data:${s.length}`))).toEqual([
      `data:${HOLE_BLOCK}`,
    ]);
    expect(holes.pending).toBe(100);
    expect(scanChunk(Buffer.alloc(2 * HOLE_BLOCK), holes)).toEqual([]); // all zero: pending only
    expect(holes.pending).toBe(100 + 2 * HOLE_BLOCK);
    const next = scanChunk(Buffer.alloc(5, 2), holes);
    expect(next.map((s) => ("hole" in s ? `hole:${s.hole}` : `data:${s.length}`))).toEqual([
      `hole:${100 + 2 * HOLE_BLOCK}`,
      "data:5",
    ]);
    expect(holes.pending).toBe(0);
  });

  test("data runs are the chunk's own bytes (subarrays, no copy), split at zero blocks", () => {
    const chunk = Buffer.concat([
      Buffer.alloc(HOLE_BLOCK),
      Buffer.alloc(HOLE_BLOCK, 3),
      Buffer.alloc(HOLE_BLOCK, 4),
      Buffer.alloc(HOLE_BLOCK),
      Buffer.alloc(7, 5),
    ]);
    const out = scanChunk(chunk, { pending: 0 });
    expect(out.map((s) => ("hole" in s ? `hole:${s.hole}` : `data:${s.length}`))).toEqual([
      `hole:${HOLE_BLOCK}`,
      `data:${2 * HOLE_BLOCK}`,
      `hole:${HOLE_BLOCK}`,
      "data:7",
    ]);
    const first = out[1] as Buffer;
    expect(first.buffer).toBe(chunk.buffer);
  });
});

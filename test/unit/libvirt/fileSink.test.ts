/** A download into a local file: bytes where they belong, holes kept, writes moved off a slow disk. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { fileSink } from "../../../libvirt/fileSink";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lv-filesink-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;

/** A clock that moves `step` ms each time it is read: every write then takes `step` ms. */
const ticking = (step: number): (() => number) => {
  let t = 0;
  return () => (t += step);
};

test("data where it belongs, holes unallocated, a trailing hole sets the size", async () => {
  const path = join(dir, "sink");
  writeFileSync(path, "old contents are truncated");
  const sink = await fileSink(path);
  await sink.data(Buffer.from("head"));
  await sink.data(Buffer.alloc(0)); // nothing, and no endless write of nothing
  await sink.hole(BigInt(8 * MiB));
  await sink.dataMany?.([Buffer.from("ta"), Buffer.alloc(0), Buffer.from("il")]);
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

test("quick writes stay on the calling thread; the first slow one moves the rest to the pool", async () => {
  const fast = await fileSink(join(dir, "fast"), { slowWriteMs: 10, now: ticking(9.9) });
  for (let i = 0; i < 5; i++) await fast.data(Buffer.from("quick"));
  expect(fast.writesOnPool()).toBe(false);
  await fast.close();

  const path = join(dir, "slow");
  const slow = await fileSink(path, { slowWriteMs: 10, now: ticking(10) });
  expect(slow.writesOnPool()).toBe(false);
  await slow.data(Buffer.from("first ")); // took 10 ms
  expect(slow.writesOnPool()).toBe(true);
  await slow.dataMany?.([Buffer.from("second"), Buffer.from(" third")]);
  await slow.close();
  expect(readFileSync(path, "utf8")).toBe("first second third");
});

test("property: the file holds the data and zeros for the holes, whichever way each write goes", async () => {
  const ways = new Set<boolean>(); // whether each run ended writing on the pool
  const item = fc.oneof(
    fc.array(fc.uint8Array({ minLength: 0, maxLength: 3000 }), { maxLength: 4 }), // data pieces
    fc.nat({ max: 70_000 }), // a hole
  );
  await fc.assert(
    fc.asyncProperty(
      fc.array(item, { maxLength: 20 }),
      fc.array(fc.nat({ max: 20 })),
      async (items, steps) => {
        // The clock jumps by the next of `steps` at each reading, so a write takes 0–20 ms:
        // some runs move the sink to the pool early, some late, some never.
        let reading = 0;
        let t = 0;
        const now = (): number => (t += steps.length === 0 ? 0 : steps[reading++ % steps.length]);
        const path = join(dir, "prop");
        const sink = await fileSink(path, { slowWriteMs: 10, now });
        const expected: Buffer[] = [];
        for (const it of items) {
          if (typeof it === "number") {
            await sink.hole(BigInt(it));
            expected.push(Buffer.alloc(it));
          } else {
            const pieces = it.map((p) => Buffer.from(p));
            await sink.dataMany?.(pieces);
            expected.push(...pieces);
          }
        }
        ways.add(sink.writesOnPool());
        await sink.close();
        expect(readFileSync(path).equals(Buffer.concat(expected))).toBe(true);
      },
    ),
    { numRuns: 200 },
  );
  expect(ways).toEqual(new Set([false, true])); // both ways were exercised
});

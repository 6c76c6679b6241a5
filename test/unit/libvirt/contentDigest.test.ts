/** ContentDigest: one digest per content, however a stream cuts it into data and holes. */
import { ContentDigest } from "../../../libvirt/contentDigest";

const KiB = 1024;

/** Content with data and zero runs at awkward offsets. */
function content(seed: number): Buffer {
  const buf = Buffer.alloc(700 * KiB);
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  for (const [from, to] of [
    [3, 5 * KiB],
    [64 * KiB - 7, 64 * KiB + 9],
    [200 * KiB, 333 * KiB],
    [699 * KiB, 700 * KiB - 1],
  ]) {
    for (let i = from; i < to; i++) buf[i] = next() & 0xff || 1;
  }
  return buf;
}

/** Feeds `buf` in pieces of the given sizes, each zero piece as a hole when `holes`. */
function digestOf(buf: Buffer, sizes: number[], holes: boolean): string {
  const d = new ContentDigest();
  let at = 0;
  let i = 0;
  while (at < buf.length) {
    const n = Math.min(sizes[i++ % sizes.length], buf.length - at);
    const piece = buf.subarray(at, at + n);
    if (holes && piece.every((b) => b === 0)) d.hole(BigInt(n));
    else d.data(piece);
    at += n;
  }
  expect(d.bytes).toBe(buf.length);
  return d.digest();
}

test.each([
  ["one chunk", [1 << 30]],
  ["64 KiB packets", [64 * KiB]],
  ["odd sizes", [1, 4095, 70_000, 13]],
  ["256 KiB packets", [256 * KiB]],
  ["tiny", [511]],
])("the same content gives the same digest cut as %s, with or without holes", (_n, sizes) => {
  const buf = content(1);
  const whole = digestOf(buf, [buf.length], false);
  expect(digestOf(buf, sizes, false)).toBe(whole);
  expect(digestOf(buf, sizes, true)).toBe(whole);
});

test("a hole reads as zeros: a trailing hole equals trailing zero data", () => {
  const a = new ContentDigest();
  a.data(Buffer.from("abc"));
  a.hole(200_000n);
  const b = new ContentDigest();
  b.data(Buffer.concat([Buffer.from("abc"), Buffer.alloc(200_000)]));
  expect(a.digest()).toBe(b.digest());
});

test("another byte, another place or another length gives another digest", () => {
  const buf = content(1);
  const base = digestOf(buf, [64 * KiB], true);
  const changed = Buffer.from(buf);
  changed[250 * KiB] ^= 1;
  expect(digestOf(changed, [64 * KiB], true)).not.toBe(base);
  // The same data one block later.
  const shifted = Buffer.concat([Buffer.alloc(64 * KiB), buf.subarray(0, buf.length - 64 * KiB)]);
  expect(digestOf(shifted, [64 * KiB], true)).not.toBe(digestOf(buf, [64 * KiB], true));
  // Longer by zeros only.
  expect(digestOf(Buffer.concat([buf, Buffer.alloc(1)]), [64 * KiB], true)).not.toBe(base);
  // All zeros of two lengths.
  expect(digestOf(Buffer.alloc(10), [10], true)).not.toBe(digestOf(Buffer.alloc(11), [11], true));
});

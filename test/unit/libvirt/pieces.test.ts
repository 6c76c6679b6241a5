import fc from "fast-check";
import { piecesLength, withoutFirst } from "../../../libvirt/pieces";
import { within } from "./helpers";

test("withoutFirst: the bytes after the first n, as views of the same pieces", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 20 }), { maxLength: 8 }),
      fc.nat(),
      (arrays, seed) => {
        const pieces = arrays.map((a) => Buffer.from(a));
        const all = Buffer.concat(pieces);
        const n = all.length === 0 ? 0 : seed % (all.length + 1);
        const rest = withoutFirst(pieces, n);
        expect(Buffer.concat(rest).equals(all.subarray(n))).toBe(true);
        expect(piecesLength(rest)).toBe(all.length - n);
        // Views of the pieces' own memory, not copies.
        for (const r of rest) expect(pieces.some((p) => within(r, p))).toBe(true);
      },
    ),
  );
});

test("withoutFirst: all of them, or more, leaves nothing; none leaves them as they were", () => {
  const pieces = [Buffer.from("ab"), Buffer.from("cde")];
  expect(withoutFirst(pieces, 5)).toEqual([]);
  expect(withoutFirst(pieces, 9)).toEqual([]);
  expect(withoutFirst(pieces, 0)).toEqual(pieces);
  expect(withoutFirst(pieces, 2)).toEqual([Buffer.from("cde")]);
});

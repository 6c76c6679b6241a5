import fc from "fast-check";
import { thrown } from "./helpers";
import { XdrError, XdrReader, XdrWriter, padding } from "../../../libvirt/xdr";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const write = (f: (w: XdrWriter) => void): string => {
  const w = new XdrWriter(1); // tiny initial size: every vector also exercises growth
  f(w);
  return w.finish().toString("hex");
};
const reader = (s: string): XdrReader => new XdrReader(hex(s));

describe("XdrWriter vectors (RFC 4506 big-endian, 4-byte aligned)", () => {
  test.each([
    ["int 1", (w: XdrWriter) => w.writeInt(1), "00000001"],
    ["int -1", (w: XdrWriter) => w.writeInt(-1), "ffffffff"],
    ["int min", (w: XdrWriter) => w.writeInt(-2147483648), "80000000"],
    ["uint max", (w: XdrWriter) => w.writeUint(0xffffffff), "ffffffff"],
    ["hyper -2", (w: XdrWriter) => w.writeHyper(-2n), "fffffffffffffffe"],
    ["uhyper 7002022", (w: XdrWriter) => w.writeUhyper(7002022n), "00000000006ad7a6"],
    ["uhyper max", (w: XdrWriter) => w.writeUhyper(2n ** 64n - 1n), "ffffffffffffffff"],
    ["double 1.5", (w: XdrWriter) => w.writeDouble(1.5), "3ff8000000000000"],
    ["bool true", (w: XdrWriter) => w.writeBool(true), "00000001"],
    ["bool false", (w: XdrWriter) => w.writeBool(false), "00000000"],
    ["string empty", (w: XdrWriter) => w.writeString(""), "00000000"],
    ["string 'abc' + 1 pad", (w: XdrWriter) => w.writeString("abc"), "00000003 61626300"],
    ["string 'abcd' no pad", (w: XdrWriter) => w.writeString("abcd"), "00000004 61626364"],
    ["string utf-8 'é'", (w: XdrWriter) => w.writeString("é"), "00000002 c3a90000"],
    [
      "opaque 5 bytes",
      (w: XdrWriter) => w.writeOpaque(hex("0102030405")),
      "00000005 0102030405000000",
    ],
    ["fixed opaque[3]", (w: XdrWriter) => w.writeFixedOpaque(hex("aabbcc"), 3), "aabbcc00"],
    [
      "optional absent",
      (w: XdrWriter) => w.writeOptional(null, (x, v: number) => x.writeInt(v)),
      "00000000",
    ],
    [
      "optional present",
      (w: XdrWriter) => w.writeOptional(7, (x, v) => x.writeInt(v)),
      "00000001 00000007",
    ],
    [
      "array of 2 ints",
      (w: XdrWriter) => w.writeArray([1, 2], (x, v) => x.writeInt(v)),
      "00000002 00000001 00000002",
    ],
    [
      // The reference's CONNECT_OPEN("qemu:///system", 0) payload.
      "remote_connect_open_args",
      (w: XdrWriter) => {
        w.writeOptional("qemu:///system", (x, s) => x.writeString(s));
        w.writeUint(0);
      },
      "00000001 0000000e 71656d753a2f2f2f73797374656d 0000 00000000",
    ],
  ])("%s", (_name, f, expected) => {
    expect(write(f)).toBe(expected.replace(/\s+/g, ""));
  });

  test.each([
    ["int above range", (w: XdrWriter) => w.writeInt(2 ** 31)],
    ["int not integer", (w: XdrWriter) => w.writeInt(1.5)],
    ["uint negative", (w: XdrWriter) => w.writeUint(-1)],
    ["hyper above range", (w: XdrWriter) => w.writeHyper(2n ** 63n)],
    ["uhyper negative", (w: XdrWriter) => w.writeUhyper(-1n)],
  ])("rejects %s with OUT_OF_RANGE", (_name, f) => {
    expect(thrown(() => f(new XdrWriter()))).toMatchObject({ code: "OUT_OF_RANGE" });
  });

  test("rejects a string longer than its maximum, counting bytes", () => {
    expect(thrown(() => new XdrWriter().writeString("éé", 3))).toMatchObject({
      name: "XdrError",
      code: "LIMIT_EXCEEDED",
    });
  });

  test("rejects a fixed opaque of the wrong size", () => {
    expect(thrown(() => new XdrWriter().writeFixedOpaque(Buffer.alloc(15), 16))).toMatchObject({
      code: "INVALID_VALUE",
    });
  });

  test("patchUint overwrites in place", () => {
    const w = new XdrWriter();
    w.writeUint(0);
    w.writeInt(5);
    w.patchUint(0, w.length);
    expect(w.finish().toString("hex")).toBe("0000000800000005");
  });
});

describe("XdrReader", () => {
  test("reads every type from one buffer, in order, to the end", () => {
    const r = reader(
      "ffffffff 00000002 fffffffffffffffe 00000000006ad7a6 3ff8000000000000 00000001" +
        "00000003 61626300 00000002 c3a90000 aabbcc00 00000000 00000001 00000007" +
        "00000002 00000001 00000002",
    );
    expect(r.readInt()).toBe(-1);
    expect(r.readUint()).toBe(2);
    expect(r.readHyper()).toBe(-2n);
    expect(r.readUhyper()).toBe(7002022n);
    expect(r.readDouble()).toBe(1.5);
    expect(r.readBool()).toBe(true);
    expect(r.readString()).toBe("abc");
    expect(r.readString()).toBe("é");
    expect(r.readFixedOpaque(3)).toEqual(hex("aabbcc"));
    expect(r.readOptional((x) => x.readInt())).toBeNull();
    expect(r.readOptional((x) => x.readInt())).toBe(7);
    expect(r.readArray((x) => x.readInt())).toEqual([1, 2]);
    expect(r.remaining).toBe(0);
    expect(() => r.expectEnd()).not.toThrow();
  });

  test.each([
    ["int from 3 bytes", "000000", (r: XdrReader) => r.readInt()],
    ["hyper from 4 bytes", "00000001", (r: XdrReader) => r.readHyper()],
    ["string body missing", "00000005 6162", (r: XdrReader) => r.readString()],
    ["string padding missing", "00000003 616263", (r: XdrReader) => r.readString()],
    ["fixed opaque short", "0102030405", (r: XdrReader) => r.readFixedOpaque(16)],
    ["optional body missing", "00000001", (r: XdrReader) => r.readOptional((x) => x.readInt())],
    [
      "array count beyond data",
      "00000003 00000001",
      (r: XdrReader) => r.readArray((x) => x.readInt()),
    ],
    ["empty input", "", (r: XdrReader) => r.readUint()],
  ])("throws TRUNCATED for %s", (_name, input, f) => {
    let caught: unknown;
    try {
      f(reader(input));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(XdrError);
    expect(caught).toMatchObject({ code: "TRUNCATED" });
  });

  test("rejects a length above the maximum before looking for the bytes", () => {
    // Claims 4 GiB: must fail on the limit, not try to read or allocate.
    expect(thrown(() => reader("fffffff0").readOpaque(1024))).toMatchObject({
      code: "LIMIT_EXCEEDED",
      offset: 0,
    });
    expect(thrown(() => reader("00004001").readArray((x) => x.readInt(), 16384))).toMatchObject({
      code: "LIMIT_EXCEEDED",
    });
  });

  test.each([
    ["bool 2", "00000002", (r: XdrReader) => r.readBool()],
    ["optional flag 2", "00000002", (r: XdrReader) => r.readOptional((x) => x.readInt())],
  ])("rejects %s as INVALID_VALUE", (_name, input, f) => {
    expect(thrown(() => f(reader(input)))).toMatchObject({ code: "INVALID_VALUE" });
  });

  test("expectEnd reports trailing bytes", () => {
    const r = reader("00000001 00000002");
    r.readInt();
    expect(thrown(() => r.expectEnd())).toMatchObject({ code: "INVALID_VALUE", offset: 4 });
  });

  test("honours a window inside a larger buffer", () => {
    const r = new XdrReader(hex("ffffffff 00000007 ffffffff"), 4, 8);
    expect(r.readInt()).toBe(7);
    expect(thrown(() => r.readInt())).toMatchObject({ code: "TRUNCATED" });
  });
});

describe("round trips", () => {
  const roundTrip = <T>(value: T, enc: (w: XdrWriter, v: T) => void, dec: (r: XdrReader) => T) => {
    const w = new XdrWriter(4);
    enc(w, value);
    const bytes = w.finish();
    expect(bytes.length % 4).toBe(0);
    const r = new XdrReader(bytes);
    const back = dec(r);
    r.expectEnd();
    return back;
  };

  test("int, uint, hyper, uhyper, double, bool", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.double({ noNaN: true }),
        fc.boolean(),
        (i, u, h, uh, d, b) => {
          expect(
            roundTrip(
              i,
              (w, v) => w.writeInt(v),
              (r) => r.readInt(),
            ),
          ).toBe(i);
          expect(
            roundTrip(
              u,
              (w, v) => w.writeUint(v),
              (r) => r.readUint(),
            ),
          ).toBe(u);
          expect(
            roundTrip(
              h,
              (w, v) => w.writeHyper(v),
              (r) => r.readHyper(),
            ),
          ).toBe(h);
          expect(
            roundTrip(
              uh,
              (w, v) => w.writeUhyper(v),
              (r) => r.readUhyper(),
            ),
          ).toBe(uh);
          expect(
            roundTrip(
              d,
              (w, v) => w.writeDouble(v),
              (r) => r.readDouble(),
            ),
          ).toBe(d);
          expect(
            roundTrip(
              b,
              (w, v) => w.writeBool(v),
              (r) => r.readBool(),
            ),
          ).toBe(b);
        },
      ),
    );
  });

  test("strings (any unicode), opaques, fixed opaques", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.uint8Array({ maxLength: 40 }),
        (s, bytes) => {
          expect(
            roundTrip(
              s,
              (w, v) => w.writeString(v),
              (r) => r.readString(),
            ),
          ).toBe(s);
          const buf: Buffer = Buffer.from(bytes);
          expect(
            roundTrip(
              buf,
              (w, v) => w.writeOpaque(v),
              (r) => r.readOpaque(),
            ),
          ).toEqual(buf);
          expect(
            roundTrip(
              buf,
              (w, v) => w.writeFixedOpaque(v, buf.length),
              (r) => r.readFixedOpaque(buf.length),
            ),
          ).toEqual(buf);
        },
      ),
    );
  });

  test("optional arrays of optional strings", () => {
    const value = fc.option(fc.array(fc.option(fc.string(), { nil: null }), { maxLength: 8 }), {
      nil: null,
    });
    fc.assert(
      fc.property(value, (v) => {
        const back = roundTrip(
          v,
          (w, x) =>
            w.writeOptional(x, (w2, arr) =>
              w2.writeArray(arr, (w3, s) => w3.writeOptional(s, (w4, t) => w4.writeString(t))),
            ),
          (r) =>
            r.readOptional((r2) => r2.readArray((r3) => r3.readOptional((r4) => r4.readString()))),
        );
        expect(back).toEqual(v);
      }),
    );
  });

  test("any strict prefix of an encoding is reported as truncated, never misread", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (s, n) => {
          const w = new XdrWriter();
          w.writeString(s);
          w.writeUhyper(n);
          const full = w.finish();
          for (let cut = 0; cut < full.length; cut++) {
            const r = new XdrReader(full.subarray(0, cut));
            expect(
              thrown(() => {
                r.readString();
                r.readUhyper();
              }),
            ).toMatchObject({ code: "TRUNCATED" });
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  test("padding() gives the bytes to the next multiple of 4", () => {
    expect([0, 1, 2, 3, 4, 5].map(padding)).toEqual([0, 3, 2, 1, 0, 3]);
  });
});

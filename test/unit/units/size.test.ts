import fc from "fast-check";
import { SizeError, formatBytes, formatSize, parseSize, roughSize } from "../../../units/size";

const KiB = 1024;
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe("parseSize", () => {
  test.each([
    ["0B", 0],
    ["1B", 1],
    ["512B", 512],
    ["1KiB", KiB],
    ["16MiB", 16 * MiB],
    ["256MiB", 256 * MiB],
    ["2GiB", 2 * GiB],
    ["1.5GiB", 1.5 * GiB],
    ["0.5KiB", 512],
    ["1.25MiB", 1.25 * MiB],
    ["3TiB", 3 * TiB],
    ["1KB", 1000],
    ["1kB", 1000],
    ["20GB", 20e9],
    ["1.5MB", 1.5e6],
    ["2TB", 2e12],
    ["0.001KB", 1],
    ["10 GiB", 10 * GiB],
    [" 8MiB ", 8 * MiB],
    ["007MiB", 7 * MiB],
    ["8191TiB", 8191 * TiB],
  ])("%j is %d bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test.each([
    ["", "syntax"],
    ["1024", "syntax"],
    ["GiB", "syntax"],
    ["1 GiB B", "syntax"],
    ["1gib", "syntax"],
    ["1Gb", "syntax"],
    ["1G", "syntax"],
    ["1 constructor", "syntax"],
    ["1toString", "syntax"],
    ["-1GiB", "syntax"],
    ["+1GiB", "syntax"],
    ["1e3MiB", "syntax"],
    [".5GiB", "syntax"],
    ["1.GiB", "syntax"],
    ["1,5GiB", "syntax"],
    ["1  GiB", "syntax"],
    ["0.5B", "fraction"],
    ["0.1KiB", "fraction"],
    ["1.0001KB", "fraction"],
    ["8192TiB", "too_large"],
    ["99999999999TB", "too_large"],
  ])("%j is rejected (%s)", (text, reason) => {
    let error: unknown;
    try {
      parseSize(text);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SizeError);
    expect((error as SizeError).reason).toBe(reason);
  });

  test("messages", () => {
    expect(() => parseSize("12")).toThrow('expected a size like "2GiB"');
    expect(() => parseSize("0.1KiB")).toThrow('"0.1KiB" is not a whole number of bytes');
    expect(() => parseSize("9000TiB")).toThrow('"9000TiB" is too large');
  });
});

describe("formatSize", () => {
  test.each([
    [0, "0B"],
    [1, "1B"],
    [999, "999B"],
    [1000, "1KB"],
    [1023, "1023B"],
    [KiB, "1KiB"],
    [1536, "1536B"],
    [1500, "1.5KB"],
    [1.5 * MiB, "1.5MiB"],
    [2000, "2KB"],
    [16 * MiB, "16MiB"],
    [1.5 * GiB, "1.5GiB"],
    [1.125 * GiB, "1152MiB"],
    [1.25 * TiB, "1.25TiB"],
    [GiB + MiB, "1025MiB"],
    [20e9, "20GB"],
    [TiB, "1TiB"],
    [2048 * TiB, "2048TiB"],
    [1001, "1001B"],
  ])("%d bytes is %j", (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });

  test.each([-1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1])("%d is refused", (bytes) => {
    expect(() => formatSize(bytes)).toThrow(RangeError);
  });

  test("parseSize(formatSize(n)) === n for every safe size", () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => parseSize(formatSize(n)) === n),
      { numRuns: 2000 },
    );
  });

  test("round-trips sizes people write (multiples of units)", () => {
    const unit = fc.constantFrom(1, 1000, KiB, 1e6, MiB, 1e9, GiB, TiB);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4096 }), unit, (n, u) => {
        const formatted = formatSize(n * u);
        return parseSize(formatted) === n * u && formatted.length <= 10;
      }),
    );
  });
});

test("roughSize: one decimal of GiB from 1 GiB up, else whole MiB rounded up", () => {
  const GiB = 1024 ** 3;
  expect(roughSize(14 * GiB)).toBe("14 GiB");
  expect(roughSize(14.5 * GiB)).toBe("14.5 GiB");
  expect(roughSize(GiB)).toBe("1 GiB");
  expect(roughSize(GiB - 1)).toBe("1024 MiB");
  expect(roughSize(512 * 1024 ** 2)).toBe("512 MiB");
  expect(roughSize(1)).toBe("1 MiB");
  expect(roughSize(0)).toBe("0 MiB");
});

test("formatBytes: exact, in the largest binary unit that divides the size, else bytes", () => {
  expect(formatBytes(1024 ** 3)).toBe("1 GiB");
  expect(formatBytes(1.5 * 1024 ** 3)).toBe("1536 MiB");
  expect(formatBytes(32 * 1024 ** 2)).toBe("32 MiB");
  expect(formatBytes(2 * 1024 ** 4)).toBe("2 TiB");
  expect(formatBytes(4096)).toBe("4 KiB");
  expect(formatBytes(1000)).toBe("1000 bytes");
  expect(formatBytes(0)).toBe("0 bytes");
});

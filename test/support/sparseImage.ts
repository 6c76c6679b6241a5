/**
 * A sparse raw disk image for stream tests and the benchmark: `size` bytes,
 * mostly holes, with `extents` runs of random data spread over it, like a
 * freshly installed small system. The runs start at offsets that are not
 * multiples of 64 KiB (so hole detection sees partly-zero blocks), and the
 * file ends in a hole.
 */
import { randomBytes } from "node:crypto";
import { closeSync, ftruncateSync, openSync, writeSync } from "node:fs";

export const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export interface SparseLayout {
  size: number;
  extents: number;
  extentBytes: number;
}

/** 1 GiB with 32 runs of 4 MiB: 128 MiB of data, 896 MiB of holes. */
export const ONE_GIB_IMAGE: SparseLayout = { size: GiB, extents: 32, extentBytes: 4 * MiB };

/** Writes the image; returns the data bytes written. */
export function makeSparseImage(path: string, layout: SparseLayout = ONE_GIB_IMAGE): number {
  const { size, extents, extentBytes } = layout;
  const stride = Math.floor(size / extents);
  if (extentBytes + extents * 7 * 4096 > stride) throw new RangeError("extents overlap");
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, size);
    for (let i = 0; i < extents; i++) {
      writeSync(fd, randomBytes(extentBytes), 0, extentBytes, i * stride + i * 7 * 4096);
    }
  } finally {
    closeSync(fd);
  }
  return extents * extentBytes;
}

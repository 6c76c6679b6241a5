/**
 * Images: where the local file is, which pool holds its base volume, and —
 * when files are checked — that the file exists and is in the declared format.
 * Checking at load time turns "upload failed" half-way through `pulumi up`
 * into an error in the preview, with the fleet file's line.
 * qcow2 header layout: https://github.com/qemu/qemu/blob/master/docs/interop/qcow2.txt
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import path from "node:path";
import type { Issues } from "./issues";
import type { Path } from "./positions";
import type { Names, Volumes } from "./refs";
import { defaultPool, imageVolumeName } from "./refs";
import type { ImageFields } from "./schema";
import type { ImageSpec } from "./spec";
import type { Entry } from "./validate";

/** What the checks need of a local image file. */
export interface ImageFile {
  /** The file's first bytes (up to HEADER_BYTES). */
  header: Uint8Array;
  /** File size in bytes. */
  size: number;
}

/** Reads an image file's facts; throws like node:fs (`code: "ENOENT"` when there is no file). */
export type InspectImage = (file: string) => ImageFile;

export const HEADER_BYTES = 32;

/** The real file system's answer. */
export function inspectImageFile(file: string): ImageFile {
  const fd = openSync(file, "r");
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error("not a regular file");
    const header = Buffer.alloc(HEADER_BYTES);
    const length = readSync(fd, header, 0, HEADER_BYTES, 0);
    return { header: header.subarray(0, length), size: stat.size };
  } finally {
    closeSync(fd);
  }
}

export interface ImageOptions {
  /** Directory the fleet files' names are relative to (the project root). */
  cwd: string;
  /** What `~` in an image source means. */
  homeDir: string;
  /** Check image files with this; absent = do not look at files. */
  inspectImage?: InspectImage;
}

export interface ResolvedImage {
  spec: ImageSpec;
  /** Virtual disk size, known when the file was inspected. */
  virtualSize?: number;
}

export function resolveImages(
  entries: Entry<ImageFields>[],
  pools: Names,
  volumes: Volumes,
  issues: Issues,
  options: ImageOptions,
): Map<string, ResolvedImage> {
  const resolved = new Map<string, ResolvedImage>();
  for (const { name, path: at, fields } of entries) {
    if (!fields) continue;
    const pool =
      fields.pool === undefined
        ? defaultPool(pools, at, issues)
        : pools.check(fields.pool, [...at, "pool"], issues)
          ? fields.pool
          : undefined;
    // Relative to the file that wrote `source`, which after merging may not be the last one.
    const writtenIn = issues.positions.valueLoc([...at, "source"]).file;
    const source = localPath(fields.source, writtenIn, options, [...at, "source"], issues);
    if (pool === undefined || source === undefined) continue;
    volumes.claim(pool, imageVolumeName(name, fields.format), at);
    const spec: ImageSpec = { name, source, pool, format: fields.format };
    const virtualSize = options.inspectImage
      ? checkFile(spec, options.inspectImage, at, issues)
      : undefined;
    resolved.set(name, { spec, ...(virtualSize !== undefined ? { virtualSize } : {}) });
  }
  return resolved;
}

/** `source` as an absolute path: `~/…` from the home directory, relative from `fleetFile`'s directory. */
function localPath(
  source: string,
  fleetFile: string,
  options: ImageOptions,
  at: Path,
  issues: Issues,
): string | undefined {
  if (source === "~" || source.startsWith("~/")) {
    return path.join(options.homeDir, source.slice(1));
  }
  if (source.startsWith("~")) {
    issues.value(at, "invalid_path", `"~user" paths are not supported; start with "~/" or "/"`);
    return undefined;
  }
  return path.resolve(options.cwd, path.dirname(fleetFile), source);
}

const QCOW2_MAGIC = [0x51, 0x46, 0x49, 0xfb]; // "QFI\xfb"

/** The image's virtual size, or undefined after reporting why the file is unusable. */
function checkFile(spec: ImageSpec, inspect: InspectImage, at: Path, issues: Issues) {
  let file: ImageFile;
  try {
    file = inspect(spec.source);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    const message = missing
      ? `image file not found: ${spec.source}`
      : `cannot read image file ${spec.source}: ${err instanceof Error ? err.message : String(err)}`;
    issues.value([...at, "source"], missing ? "image_not_found" : "image_unreadable", message);
    return undefined;
  }
  const { header } = file;
  const qcow2 = header.length >= HEADER_BYTES && QCOW2_MAGIC.every((b, i) => header[i] === b);
  if (qcow2 !== (spec.format === "qcow2")) {
    const message = qcow2
      ? `${spec.source} is a qcow2 image; write format: qcow2`
      : `${spec.source} is not a qcow2 image (no "QFI\\xfb" magic); if it is a raw image, write format: raw`;
    issues.value([...at, "format"], "image_format_mismatch", message);
    return undefined;
  }
  if (!qcow2) return file.size;
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  // Bytes 8..15: offset of the backing file's name; 0 = a standalone image.
  if (view.getBigUint64(8) !== 0n) {
    const message = `${spec.source} is an overlay on another file; upload a standalone image (qemu-img convert -O qcow2 in.qcow2 out.qcow2)`;
    issues.value([...at, "source"], "image_has_backing_file", message);
    return undefined;
  }
  // Bytes 24..31: virtual disk size.
  return Number(view.getBigUint64(24));
}

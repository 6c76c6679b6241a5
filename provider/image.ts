/**
 * Facts about local image files needed before uploading them: the virtual
 * size of a qcow2 image is in its header, a raw image's is its file size.
 * https://github.com/qemu/qemu/blob/master/docs/interop/qcow2.txt
 */
import { open, stat } from "node:fs/promises";

const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

export async function imageVirtualSize(path: string, format: "qcow2" | "raw"): Promise<number> {
  if (format === "raw") return (await stat(path)).size;
  const file = await open(path, "r");
  try {
    const header = Buffer.alloc(32);
    const { bytesRead } = await file.read(header, 0, 32, 0);
    if (bytesRead < 32 || header.readUInt32BE(0) !== QCOW2_MAGIC) {
      throw new Error(`${path} is not a qcow2 image`);
    }
    // Bytes 24..31: virtual disk size, big-endian.
    return Number(header.readBigUInt64BE(24));
  } finally {
    await file.close();
  }
}

/**
 * Volume upload and download through streams (see api/core.ts for the
 * class layout; stream.ts and transfer.ts for the protocol; sparse.ts for
 * local files and their holes).
 */
import { stat, unlink } from "node:fs/promises";
import type { Encoder } from "../connection";
import { Procedure, StorageVolDownloadFlags, StorageVolUploadFlags } from "../protocol";
import { FileSource, READ_CHUNK } from "../fileSource";
import { fileSink } from "../fileSink";
import { downloadStream, uploadStream } from "../transfer";
import { encodeStorageVolRef } from "../types";
import type { StorageVolRef } from "../types";
import { StorageVolMethods } from "./storageVols";

export interface VolUploadOptions {
  /** Where in the volume the data goes, in bytes. Default 0. */
  offset?: bigint | number;
  /** How many bytes of the file to send, from its start. Default: all of it. */
  length?: bigint | number;
  /**
   * Send all-zero blocks as holes (StorageVolUploadFlags.SparseStream): they
   * cost nothing on the wire and stay unallocated in the volume. Also implied
   * by that flag in `flags`.
   */
  sparse?: boolean;
  /** StorageVolUploadFlags. Default 0. */
  flags?: number;
  /** Called as data is handed to the transport: bytes covered so far (holes too), and the total. */
  onProgress?: (sent: number, total: number) => void;
}

export interface VolDownloadOptions {
  /** Where in the volume to start, in bytes. Default 0. */
  offset?: bigint | number;
  /** How many bytes to fetch. Default 0: up to the end of the volume. */
  length?: bigint | number;
  /** Ask the daemon for holes (StorageVolDownloadFlags.SparseStream); the local file keeps them. */
  sparse?: boolean;
  /** StorageVolDownloadFlags. Default 0. */
  flags?: number;
  /** Bytes covered so far (holes too), and the total when `length` was given. */
  onProgress?: (received: number, total: number | undefined) => void;
}

/** remote_storage_vol_{upload,download}_args. */
const transferArgs =
  (v: StorageVolRef, offset: bigint | number | undefined, length: number, flags: number): Encoder =>
  (w) => {
    encodeStorageVolRef(w, v);
    w.writeUhyper(BigInt(offset ?? 0));
    w.writeUhyper(BigInt(length));
    w.writeUint(flags);
  };

export class VolumeStreamMethods extends StorageVolMethods {
  /**
   * Writes a local file's bytes into the volume (STORAGE_VOL_UPLOAD and its
   * stream), at `offset` in the volume. Dense by default: every byte
   * travels. The file must not be larger than the volume's capacity.
   */
  async storageVolUpload(
    v: StorageVolRef,
    filePath: string,
    opts: VolUploadOptions = {},
  ): Promise<void> {
    const size = (await stat(filePath)).size;
    const length = opts.length === undefined ? size : Number(opts.length);
    if (!Number.isSafeInteger(length) || length < 0 || length > size) {
      throw new RangeError(`upload length ${length} is outside file ${filePath} of ${size} bytes`);
    }
    const sparse =
      opts.sparse === true || ((opts.flags ?? 0) & StorageVolUploadFlags.SparseStream) !== 0;
    const flags = (opts.flags ?? 0) | (sparse ? StorageVolUploadFlags.SparseStream : 0);
    const onProgress = opts.onProgress;
    // Reading starts, and the holes are looked for (qemu-img's 5–9 ms, fileHoles.ts), while
    // the stream opens; the reads do not wait for the holes either.
    const source = await FileSource.open(filePath, 0, length, sparse, undefined);
    try {
      await uploadStream(
        this.conn,
        Procedure.StorageVolUpload,
        transferArgs(v, opts.offset, length, flags),
        source.lend(),
        { sparse, ...(onProgress && { onProgress: (sent: number) => onProgress(sent, length) }) },
      );
    } finally {
      await source.close();
    }
  }

  /**
   * Writes bytes held in memory into the volume at `offset` (a seed image
   * built where Pulumi runs), in packets of at most READ_CHUNK bytes.
   */
  async storageVolUploadBytes(
    v: StorageVolRef,
    bytes: Uint8Array,
    offset: bigint | number = 0,
  ): Promise<void> {
    const chunks = function* () {
      for (let at = 0; at < bytes.length; at += READ_CHUNK) {
        yield bytes.subarray(at, Math.min(at + READ_CHUNK, bytes.length));
      }
    };
    await uploadStream(
      this.conn,
      Procedure.StorageVolUpload,
      transferArgs(v, offset, bytes.length, 0),
      chunks(),
    );
  }

  /**
   * Reads the volume into a local file (created or truncated), and resolves
   * with the bytes covered. With `sparse`, holes in the volume become holes in
   * the file. On failure the partial file is removed.
   */
  async storageVolDownload(
    v: StorageVolRef,
    filePath: string,
    opts: VolDownloadOptions = {},
  ): Promise<number> {
    const length = Number(opts.length ?? 0);
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`download length ${length} is not a byte count`);
    }
    const sparse =
      opts.sparse === true || ((opts.flags ?? 0) & StorageVolDownloadFlags.SparseStream) !== 0;
    const flags = (opts.flags ?? 0) | (sparse ? StorageVolDownloadFlags.SparseStream : 0);
    const total = length === 0 ? undefined : length;
    const onProgress = opts.onProgress;
    const sink = await fileSink(filePath);
    try {
      const received = await downloadStream(
        this.conn,
        Procedure.StorageVolDownload,
        transferArgs(v, opts.offset, length, flags),
        sink,
        onProgress ? { onProgress: (n: number) => onProgress(n, total) } : {},
      );
      await sink.close();
      return received;
    } catch (err) {
      await sink.close().catch(() => undefined);
      await unlink(filePath).catch(() => undefined);
      throw err;
    }
  }
}

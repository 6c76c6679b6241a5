/**
 * Volume streams to and from anything: a download into any sink, an upload
 * from any source of chunks and holes. Two connections joined by these copy
 * a volume from one host to another (volumeCopy.ts) without a local file.
 */
import type { Encoder } from "../connection";
import { Procedure, StorageVolDownloadFlags, StorageVolUploadFlags } from "../protocol";
import type { DownloadSink, UploadItem } from "../transfer";
import { downloadStream, uploadStream } from "../transfer";
import { encodeStorageVolRef } from "../types";
import type { StorageVolRef } from "../types";
import { VolumeStreamMethods } from "./volumeStreams";

export interface VolPipeOptions {
  /** Holes travel as holes (SPARSE_STREAM). */
  sparse?: boolean;
  /** Bytes covered so far, holes included. */
  onProgress?: (done: number) => void;
}

const pipeArgs =
  (v: StorageVolRef, length: number, flags: number): Encoder =>
  (w) => {
    encodeStorageVolRef(w, v);
    w.writeUhyper(0n);
    w.writeUhyper(BigInt(length));
    w.writeUint(flags);
  };

export class VolumePipeMethods extends VolumeStreamMethods {
  /** The whole volume into `sink`, in order; resolves with the bytes covered. */
  storageVolDownloadTo(
    v: StorageVolRef,
    sink: DownloadSink,
    opts: VolPipeOptions = {},
  ): Promise<number> {
    const flags = opts.sparse === true ? StorageVolDownloadFlags.SparseStream : 0;
    return downloadStream(this.conn, Procedure.StorageVolDownload, pipeArgs(v, 0, flags), sink, {
      ...(opts.onProgress && { onProgress: opts.onProgress }),
    });
  }

  /** `length` bytes from `source` into the volume from its start. */
  async storageVolUploadFrom(
    v: StorageVolRef,
    source: AsyncIterable<UploadItem>,
    length: number,
    opts: VolPipeOptions = {},
  ): Promise<void> {
    const sparse = opts.sparse === true;
    const flags = sparse ? StorageVolUploadFlags.SparseStream : 0;
    await uploadStream(this.conn, Procedure.StorageVolUpload, pipeArgs(v, length, flags), source, {
      sparse,
      ...(opts.onProgress && { onProgress: opts.onProgress }),
    });
  }
}

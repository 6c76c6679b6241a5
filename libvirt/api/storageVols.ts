/** Storage volume procedures of LibvirtClient (see api/core.ts for the class layout). */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Encoder } from "../connection";
import { MAX_LIST, Procedure } from "../protocol";
import { uploadStream } from "../stream";
import {
  decodeStorageVolRef,
  decodeString,
  decodeVolInfo,
  encodeStoragePoolRef,
  encodeStorageVolRef,
  encodeString,
} from "../types";
import type { StoragePoolRef, StorageVolRef, VolInfo } from "../types";
import { listArgs, listRet, withFlags } from "./core";
import { StoragePoolMethods } from "./storagePools";

/** Bytes per STREAM packet: large enough to amortise headers, far below the 32 MiB frame limit. */
export const UPLOAD_CHUNK_SIZE = 1024 * 1024;

export interface VolUploadOptions {
  /** Where in the volume the data goes, in bytes. Default 0. */
  offset?: bigint | number;
  /** How many bytes of the file to send, from its start. Default: all of it. */
  length?: bigint | number;
  /** StorageVolUploadFlags. Default 0 (dense). */
  flags?: number;
  /** Called as data is handed to the transport: bytes sent so far, and the total. */
  onProgress?: (sent: number, total: number) => void;
}

const vol =
  (v: StorageVolRef): Encoder =>
  (w) =>
    encodeStorageVolRef(w, v);

export class StorageVolMethods extends StoragePoolMethods {
  /** Creates a volume from XML. Flags: StorageVolCreateFlags. */
  storageVolCreateXml(pool: StoragePoolRef, xml: string, flags = 0): Promise<StorageVolRef> {
    return this.call(
      Procedure.StorageVolCreateXml,
      (w) => {
        encodeStoragePoolRef(w, pool);
        encodeString(w, xml);
        w.writeUint(flags);
      },
      decodeStorageVolRef,
    );
  }

  /** Creates a volume as a copy of `clone` (converted to the XML's format). */
  storageVolCreateXmlFrom(
    pool: StoragePoolRef,
    xml: string,
    clone: StorageVolRef,
    flags = 0,
  ): Promise<StorageVolRef> {
    return this.call(
      Procedure.StorageVolCreateXmlFrom,
      (w) => {
        encodeStoragePoolRef(w, pool);
        encodeString(w, xml);
        encodeStorageVolRef(w, clone);
        w.writeUint(flags);
      },
      decodeStorageVolRef,
    );
  }

  /** Deletes the volume and its data. Flags: StorageVolDeleteFlags. */
  storageVolDelete(v: StorageVolRef, flags = 0): Promise<void> {
    return this.call(Procedure.StorageVolDelete, withFlags(encodeStorageVolRef, v, flags));
  }

  storageVolLookupByName(pool: StoragePoolRef, name: string): Promise<StorageVolRef> {
    return this.call(
      Procedure.StorageVolLookupByName,
      (w) => {
        encodeStoragePoolRef(w, pool);
        encodeString(w, name);
      },
      decodeStorageVolRef,
    );
  }

  storageVolLookupByKey(key: string): Promise<StorageVolRef> {
    return this.call(
      Procedure.StorageVolLookupByKey,
      (w) => encodeString(w, key),
      decodeStorageVolRef,
    );
  }

  storageVolLookupByPath(path: string): Promise<StorageVolRef> {
    return this.call(
      Procedure.StorageVolLookupByPath,
      (w) => encodeString(w, path),
      decodeStorageVolRef,
    );
  }

  storageVolGetInfo(v: StorageVolRef): Promise<VolInfo> {
    return this.call(Procedure.StorageVolGetInfo, vol(v), decodeVolInfo);
  }

  storageVolGetXmlDesc(v: StorageVolRef, flags = 0): Promise<string> {
    return this.call(
      Procedure.StorageVolGetXmlDesc,
      withFlags(encodeStorageVolRef, v, flags),
      decodeString,
    );
  }

  storageVolGetPath(v: StorageVolRef): Promise<string> {
    return this.call(Procedure.StorageVolGetPath, vol(v), decodeString);
  }

  storagePoolListAllVolumes(pool: StoragePoolRef, flags = 0): Promise<StorageVolRef[]> {
    return this.call(
      Procedure.StoragePoolListAllVolumes,
      (w) => {
        encodeStoragePoolRef(w, pool);
        listArgs(flags)(w);
      },
      listRet(decodeStorageVolRef, MAX_LIST),
    );
  }

  /** New capacity in bytes. Flags: StorageVolResizeFlags (Shrink is needed to shrink). */
  storageVolResize(v: StorageVolRef, capacity: bigint, flags = 0): Promise<void> {
    return this.call(Procedure.StorageVolResize, (w) => {
      encodeStorageVolRef(w, v);
      w.writeUhyper(capacity);
      w.writeUint(flags);
    });
  }

  /**
   * Writes a local file's bytes into the volume (STORAGE_VOL_UPLOAD and its
   * stream), at `offset` in the volume. Dense: every byte travels, holes
   * included. The file must not be larger than the volume's capacity.
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
    const args: Encoder = (w) => {
      encodeStorageVolRef(w, v);
      w.writeUhyper(BigInt(opts.offset ?? 0));
      w.writeUhyper(BigInt(length));
      w.writeUint(opts.flags ?? 0);
    };
    // An empty range sends no data packets at all: createReadStream cannot express it.
    const source =
      length === 0
        ? []
        : createReadStream(filePath, {
            start: 0,
            end: length - 1,
            highWaterMark: UPLOAD_CHUNK_SIZE,
          });
    const onProgress = opts.onProgress;
    try {
      await uploadStream(this.conn, Procedure.StorageVolUpload, args, source, {
        ...(onProgress && { onProgress: (sent: number) => onProgress(sent, length) }),
      });
    } finally {
      if (!Array.isArray(source)) source.destroy();
    }
  }
}

/** Storage volume procedures of LibvirtClient (see api/core.ts for the class layout). */
import type { Encoder } from "../connection";
import { MAX_LIST, Procedure } from "../protocol";
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
}

/** Storage pool procedures of LibvirtClient (see api/core.ts for the class layout). */
import type { Encoder } from "../connection";
import { MAX_LIST, Procedure } from "../protocol";
import {
  decodePoolInfo,
  decodeStoragePoolRef,
  decodeString,
  encodeStoragePoolRef,
  encodeString,
  encodeUuid,
} from "../types";
import type { PoolInfo, StoragePoolRef } from "../types";
import { decodeIntBool, listArgs, listRet, withFlags } from "./core";
import { NetworkMethods } from "./networks";

const pool =
  (p: StoragePoolRef): Encoder =>
  (w) =>
    encodeStoragePoolRef(w, p);

export class StoragePoolMethods extends NetworkMethods {
  /** Defines a persistent pool; nothing is created on disk until storagePoolBuild. */
  storagePoolDefineXml(xml: string, flags = 0): Promise<StoragePoolRef> {
    return this.call(
      Procedure.StoragePoolDefineXml,
      withFlags(encodeString, xml, flags),
      decodeStoragePoolRef,
    );
  }

  /** Starts a transient pool: defined only while it runs, gone once stopped. */
  storagePoolCreateXml(xml: string, flags = 0): Promise<StoragePoolRef> {
    return this.call(
      Procedure.StoragePoolCreateXml,
      withFlags(encodeString, xml, flags),
      decodeStoragePoolRef,
    );
  }

  /** Starts (activates) the pool. Flags: StoragePoolCreateFlags. */
  storagePoolCreate(p: StoragePoolRef, flags = 0): Promise<void> {
    return this.call(Procedure.StoragePoolCreate, withFlags(encodeStoragePoolRef, p, flags));
  }

  /** Creates the pool's backing (for a dir pool: the directory). Flags: StoragePoolBuildFlags. */
  storagePoolBuild(p: StoragePoolRef, flags = 0): Promise<void> {
    return this.call(Procedure.StoragePoolBuild, withFlags(encodeStoragePoolRef, p, flags));
  }

  /** Deactivates the pool; its volumes stay on disk. */
  storagePoolDestroy(p: StoragePoolRef): Promise<void> {
    return this.call(Procedure.StoragePoolDestroy, pool(p));
  }

  storagePoolUndefine(p: StoragePoolRef): Promise<void> {
    return this.call(Procedure.StoragePoolUndefine, pool(p));
  }

  /**
   * Deletes the pool's backing (for a dir pool: removes the empty directory).
   * Flags: StoragePoolDeleteFlags. The pool must be inactive.
   */
  storagePoolDelete(p: StoragePoolRef, flags = 0): Promise<void> {
    return this.call(Procedure.StoragePoolDelete, withFlags(encodeStoragePoolRef, p, flags));
  }

  /** Rescans the pool for volumes created or removed behind libvirt's back. */
  storagePoolRefresh(p: StoragePoolRef, flags = 0): Promise<void> {
    return this.call(Procedure.StoragePoolRefresh, withFlags(encodeStoragePoolRef, p, flags));
  }

  storagePoolLookupByName(name: string): Promise<StoragePoolRef> {
    return this.call(
      Procedure.StoragePoolLookupByName,
      (w) => encodeString(w, name),
      decodeStoragePoolRef,
    );
  }

  storagePoolLookupByUuid(uuid: Buffer): Promise<StoragePoolRef> {
    return this.call(
      Procedure.StoragePoolLookupByUuid,
      (w) => encodeUuid(w, uuid),
      decodeStoragePoolRef,
    );
  }

  storagePoolGetInfo(p: StoragePoolRef): Promise<PoolInfo> {
    return this.call(Procedure.StoragePoolGetInfo, pool(p), decodePoolInfo);
  }

  /** Flags: StorageXmlFlags. */
  storagePoolGetXmlDesc(p: StoragePoolRef, flags = 0): Promise<string> {
    return this.call(
      Procedure.StoragePoolGetXmlDesc,
      withFlags(encodeStoragePoolRef, p, flags),
      decodeString,
    );
  }

  storagePoolGetAutostart(p: StoragePoolRef): Promise<boolean> {
    return this.call(Procedure.StoragePoolGetAutostart, pool(p), decodeIntBool);
  }

  storagePoolSetAutostart(p: StoragePoolRef, autostart: boolean): Promise<void> {
    return this.call(Procedure.StoragePoolSetAutostart, (w) => {
      encodeStoragePoolRef(w, p);
      w.writeInt(autostart ? 1 : 0);
    });
  }

  storagePoolIsActive(p: StoragePoolRef): Promise<boolean> {
    return this.call(Procedure.StoragePoolIsActive, pool(p), decodeIntBool);
  }

  /** Flags: ListAllStoragePoolsFlags filters; 0 lists every pool. */
  listAllStoragePools(flags = 0): Promise<StoragePoolRef[]> {
    return this.call(
      Procedure.ConnectListAllStoragePools,
      listArgs(flags),
      listRet(decodeStoragePoolRef, MAX_LIST),
    );
  }
}

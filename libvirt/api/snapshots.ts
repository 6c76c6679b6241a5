/** Domain snapshot procedures of LibvirtClient (see api/core.ts for the class layout). */
import type { Encoder } from "../connection";
import { MAX_LIST, Procedure } from "../protocol";
import {
  decodeDomainSnapshotRef,
  decodeString,
  encodeDomainRef,
  encodeDomainSnapshotRef,
  encodeString,
} from "../types";
import type { DomainRef, DomainSnapshotRef } from "../types";
import { decodeIntBool, withFlags } from "./core";
import { VolumePipeMethods } from "./volumePipes";

const snapshotArgs = (snap: DomainSnapshotRef, flags: number): Encoder =>
  withFlags(encodeDomainSnapshotRef, snap, flags);
const domainArgs = (dom: DomainRef, flags: number): Encoder =>
  withFlags(encodeDomainRef, dom, flags);

export class SnapshotMethods extends VolumePipeMethods {
  /**
   * Takes a snapshot described by `xml` (`<domainsnapshot>`; an empty one
   * lets libvirt name it). Flags: DomainSnapshotCreateFlags.
   */
  domainSnapshotCreateXml(dom: DomainRef, xml: string, flags = 0): Promise<DomainSnapshotRef> {
    return this.call(
      Procedure.DomainSnapshotCreateXml,
      (w) => {
        encodeDomainRef(w, dom);
        encodeString(w, xml);
        w.writeUint(flags);
      },
      decodeDomainSnapshotRef,
    );
  }

  /** Flags: DomainSnapshotXmlFlags. */
  domainSnapshotGetXmlDesc(snap: DomainSnapshotRef, flags = 0): Promise<string> {
    return this.call(Procedure.DomainSnapshotGetXmlDesc, snapshotArgs(snap, flags), decodeString);
  }

  /** Rejects with ErrorCode.NoDomainSnapshot when there is none of that name. */
  domainSnapshotLookupByName(dom: DomainRef, name: string, flags = 0): Promise<DomainSnapshotRef> {
    return this.call(
      Procedure.DomainSnapshotLookupByName,
      (w) => {
        encodeDomainRef(w, dom);
        encodeString(w, name);
        w.writeUint(flags);
      },
      decodeDomainSnapshotRef,
    );
  }

  domainHasCurrentSnapshot(dom: DomainRef, flags = 0): Promise<boolean> {
    return this.call(Procedure.DomainHasCurrentSnapshot, domainArgs(dom, flags), decodeIntBool);
  }

  /** The current snapshot; ErrorCode.NoDomainSnapshot when there is none. */
  domainSnapshotCurrent(dom: DomainRef, flags = 0): Promise<DomainSnapshotRef> {
    return this.call(
      Procedure.DomainSnapshotCurrent,
      domainArgs(dom, flags),
      decodeDomainSnapshotRef,
    );
  }

  /** Flags: DomainSnapshotRevertFlags (Running/Paused override the state saved with it). */
  domainRevertToSnapshot(snap: DomainSnapshotRef, flags = 0): Promise<void> {
    return this.call(Procedure.DomainRevertToSnapshot, snapshotArgs(snap, flags));
  }

  /** Flags: DomainSnapshotDeleteFlags. */
  domainSnapshotDelete(snap: DomainSnapshotRef, flags = 0): Promise<void> {
    return this.call(Procedure.DomainSnapshotDelete, snapshotArgs(snap, flags));
  }

  /** The parent; ErrorCode.NoDomainSnapshot for a root snapshot. */
  domainSnapshotGetParent(snap: DomainSnapshotRef, flags = 0): Promise<DomainSnapshotRef> {
    return this.call(
      Procedure.DomainSnapshotGetParent,
      snapshotArgs(snap, flags),
      decodeDomainSnapshotRef,
    );
  }

  /** Flags: DomainSnapshotListFlags filters; 0 lists every snapshot of the domain. */
  domainListAllSnapshots(dom: DomainRef, flags = 0): Promise<DomainSnapshotRef[]> {
    return this.call(
      Procedure.DomainListAllSnapshots,
      (w) => {
        encodeDomainRef(w, dom);
        w.writeInt(1); // need_results
        w.writeUint(flags);
      },
      (r) => {
        const snaps = r.readArray(decodeDomainSnapshotRef, MAX_LIST);
        r.readInt(); // ret: a signed count here, unlike the other list-all calls
        return snaps;
      },
    );
  }
}

/** Domain procedures of LibvirtClient (see api/core.ts for the class layout). */
import type { Encoder } from "../connection";
import { MAX_DOMAIN_INTERFACES, MAX_LIST, Procedure } from "../protocol";
import type { DomainMetadataType } from "../protocol";
import {
  decodeDomainInfo,
  decodeDomainInterface,
  decodeDomainRef,
  decodeDomainStateInfo,
  decodeString,
  encodeDomainRef,
  encodeOptString,
  encodeString,
  encodeUuid,
} from "../types";
import type { DomainInfo, DomainInterface, DomainRef, DomainStateInfo } from "../types";
import { ClientCore, decodeIntBool, listArgs, listRet, withFlags } from "./core";

/** remote_domain_{attach,detach,update}_device_flags_args. */
const deviceArgs =
  (dom: DomainRef, xml: string, flags: number): Encoder =>
  (w) => {
    encodeDomainRef(w, dom);
    encodeString(w, xml);
    w.writeUint(flags);
  };

export class DomainMethods extends ClientCore {
  /** Defines (or redefines, same name and UUID) a persistent domain. Flags: DomainDefineFlags. */
  domainDefineXml(xml: string, flags = 0): Promise<DomainRef> {
    return this.call(
      Procedure.DomainDefineXmlFlags,
      withFlags(encodeString, xml, flags),
      decodeDomainRef,
    );
  }

  /**
   * A running guest's interfaces and their addresses, as `source` knows them
   * (InterfaceAddressesSource: its networks' DHCP leases, its guest agent, the ARP table).
   */
  domainInterfaceAddresses(dom: DomainRef, source: number, flags = 0): Promise<DomainInterface[]> {
    return this.call(
      Procedure.DomainInterfaceAddresses,
      (w) => {
        encodeDomainRef(w, dom);
        w.writeUint(source);
        w.writeUint(flags);
      },
      (r) => r.readArray(decodeDomainInterface, MAX_DOMAIN_INTERFACES),
    );
  }

  /**
   * The host device of this name, as libvirt's node device driver names it
   * (`pci_0000_01_00_0`): a device a guest may be given. Its name, or not found.
   */
  nodeDeviceLookupByName(name: string): Promise<string> {
    return this.call(
      Procedure.NodeDeviceLookupByName,
      withFlags(encodeString, name, 0),
      decodeString,
    );
  }

  /** Removes the definition. Flags: DomainUndefineFlags (e.g. Nvram for UEFI guests). */
  domainUndefine(dom: DomainRef, flags = 0): Promise<void> {
    return this.call(Procedure.DomainUndefineFlags, withFlags(encodeDomainRef, dom, flags));
  }

  /** Starts a defined domain; returns the handle with its new id. Flags: DomainCreateFlags. */
  domainCreate(dom: DomainRef, flags = 0): Promise<DomainRef> {
    return this.call(
      Procedure.DomainCreateWithFlags,
      withFlags(encodeDomainRef, dom, flags),
      decodeDomainRef,
    );
  }

  /** Stops a domain at once (power cut). Flags: DomainDestroyFlags. */
  domainDestroy(dom: DomainRef, flags = 0): Promise<void> {
    return this.call(Procedure.DomainDestroyFlags, withFlags(encodeDomainRef, dom, flags));
  }

  /** Asks the guest to shut down; returns before it has. Flags: DomainShutdownFlags. */
  domainShutdown(dom: DomainRef, flags = 0): Promise<void> {
    return this.call(Procedure.DomainShutdownFlags, withFlags(encodeDomainRef, dom, flags));
  }

  /** Asks the guest to reboot. Flags: DomainRebootFlags. */
  domainReboot(dom: DomainRef, flags = 0): Promise<void> {
    return this.call(Procedure.DomainReboot, withFlags(encodeDomainRef, dom, flags));
  }

  domainLookupByName(name: string): Promise<DomainRef> {
    return this.call(Procedure.DomainLookupByName, (w) => encodeString(w, name), decodeDomainRef);
  }

  domainLookupByUuid(uuid: Buffer): Promise<DomainRef> {
    return this.call(Procedure.DomainLookupByUuid, (w) => encodeUuid(w, uuid), decodeDomainRef);
  }

  /** Flags: DomainXmlFlags (Inactive for the persistent definition of a running domain). */
  domainGetXmlDesc(dom: DomainRef, flags = 0): Promise<string> {
    return this.call(
      Procedure.DomainGetXmlDesc,
      withFlags(encodeDomainRef, dom, flags),
      decodeString,
    );
  }

  domainGetState(dom: DomainRef, flags = 0): Promise<DomainStateInfo> {
    return this.call(
      Procedure.DomainGetState,
      withFlags(encodeDomainRef, dom, flags),
      decodeDomainStateInfo,
    );
  }

  domainIsActive(dom: DomainRef): Promise<boolean> {
    return this.call(Procedure.DomainIsActive, (w) => encodeDomainRef(w, dom), decodeIntBool);
  }

  /** False for a transient domain: one that runs but has no definition (undefined while running). */
  domainIsPersistent(dom: DomainRef): Promise<boolean> {
    return this.call(Procedure.DomainIsPersistent, (w) => encodeDomainRef(w, dom), decodeIntBool);
  }

  domainGetAutostart(dom: DomainRef): Promise<boolean> {
    return this.call(Procedure.DomainGetAutostart, (w) => encodeDomainRef(w, dom), decodeIntBool);
  }

  domainSetAutostart(dom: DomainRef, autostart: boolean): Promise<void> {
    return this.call(Procedure.DomainSetAutostart, (w) => {
      encodeDomainRef(w, dom);
      w.writeInt(autostart ? 1 : 0);
    });
  }

  /**
   * Renames a shut-off domain in place: UUID, devices, snapshot metadata and
   * the files libvirt names after the UUID (TPM state) stay; libvirt refuses
   * a running domain.
   */
  async domainRename(dom: DomainRef, newName: string): Promise<void> {
    await this.call(
      Procedure.DomainRename,
      (w) => {
        encodeDomainRef(w, dom);
        encodeOptString(w, newName);
        w.writeUint(0);
      },
      (r) => r.readInt(),
    );
  }

  domainGetInfo(dom: DomainRef): Promise<DomainInfo> {
    return this.call(Procedure.DomainGetInfo, (w) => encodeDomainRef(w, dom), decodeDomainInfo);
  }

  /** Flags: ListAllDomainsFlags filters; 0 lists every domain. */
  listAllDomains(flags = 0): Promise<DomainRef[]> {
    return this.call(
      Procedure.ConnectListAllDomains,
      listArgs(flags),
      listRet(decodeDomainRef, MAX_LIST),
    );
  }

  /**
   * Memory in KiB. Flags: DomainMemoryFlags (Live balloons a running guest,
   * Config changes the definition, Maximum the ceiling).
   */
  domainSetMemoryFlags(dom: DomainRef, memoryKiB: bigint, flags = 0): Promise<void> {
    return this.call(Procedure.DomainSetMemoryFlags, (w) => {
      encodeDomainRef(w, dom);
      w.writeUhyper(memoryKiB);
      w.writeUint(flags);
    });
  }

  /** The vCPU count of the running domain (Live), the definition (Config) or the maximum. */
  domainGetVcpusFlags(dom: DomainRef, flags = 0): Promise<number> {
    return this.call(Procedure.DomainGetVcpusFlags, withFlags(encodeDomainRef, dom, flags), (r) =>
      r.readInt(),
    );
  }

  /** Hot-plugs (Live) and/or adds to the definition (Config). Flags: DomainDeviceModifyFlags. */
  domainAttachDevice(dom: DomainRef, xml: string, flags = 0): Promise<void> {
    return this.call(Procedure.DomainAttachDeviceFlags, deviceArgs(dom, xml, flags));
  }

  /** Unplugs the device matching `xml`; a Live detach returns before the guest has let go. */
  domainDetachDevice(dom: DomainRef, xml: string, flags = 0): Promise<void> {
    return this.call(Procedure.DomainDetachDeviceFlags, deviceArgs(dom, xml, flags));
  }

  /** Changes a device in place (e.g. the medium of a cdrom). Flags: DomainDeviceModifyFlags. */
  domainUpdateDevice(dom: DomainRef, xml: string, flags = 0): Promise<void> {
    return this.call(Procedure.DomainUpdateDeviceFlags, deviceArgs(dom, xml, flags));
  }

  /** Saves the running domain's memory and stops it; the next start resumes. Flags: DomainSaveFlags. */
  domainManagedSave(dom: DomainRef, flags = 0): Promise<void> {
    return this.call(Procedure.DomainManagedSave, withFlags(encodeDomainRef, dom, flags));
  }

  /**
   * Grows the image a running guest's disk `disk` (its target, `vdb`) writes to,
   * through QEMU, which holds the image's lock. Size in KiB, or in bytes with
   * DomainBlockResizeFlags.Bytes.
   */
  domainBlockResize(dom: DomainRef, disk: string, size: bigint, flags = 0): Promise<void> {
    return this.call(Procedure.DomainBlockResize, (w) => {
      encodeDomainRef(w, dom);
      encodeString(w, disk);
      w.writeUhyper(size);
      w.writeUint(flags);
    });
  }

  /** Flags: DomainVcpuFlags. */
  domainSetVcpusFlags(dom: DomainRef, nvcpus: number, flags = 0): Promise<void> {
    return this.call(Procedure.DomainSetVcpusFlags, (w) => {
      encodeDomainRef(w, dom);
      w.writeUint(nvcpus);
      w.writeUint(flags);
    });
  }

  /**
   * Sets (or with `metadata` null, removes) a metadata item. For
   * DomainMetadataType.Element, `key` is the XML prefix and `uri` the
   * namespace. Flags: DomainAffect.
   */
  domainSetMetadata(
    dom: DomainRef,
    type: DomainMetadataType,
    metadata: string | null,
    key: string | null = null,
    uri: string | null = null,
    flags = 0,
  ): Promise<void> {
    return this.call(Procedure.DomainSetMetadata, (w) => {
      encodeDomainRef(w, dom);
      w.writeInt(type);
      encodeOptString(w, metadata);
      encodeOptString(w, key);
      encodeOptString(w, uri);
      w.writeUint(flags);
    });
  }

  /** Rejects with ErrorCode.NoDomainMetadata when there is none. Flags: DomainAffect. */
  domainGetMetadata(
    dom: DomainRef,
    type: DomainMetadataType,
    uri: string | null = null,
    flags = 0,
  ): Promise<string> {
    return this.call(
      Procedure.DomainGetMetadata,
      (w) => {
        encodeDomainRef(w, dom);
        w.writeInt(type);
        encodeOptString(w, uri);
        w.writeUint(flags);
      },
      decodeString,
    );
  }
}

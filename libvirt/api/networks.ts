/** Network procedures of LibvirtClient (see api/core.ts for the class layout). */
import { DriverFeature, MAX_DHCP_LEASES, MAX_LIST, Procedure } from "../protocol";
import type { NetworkUpdateCommand, NetworkUpdateSection } from "../protocol";
import {
  decodeDhcpLease,
  decodeNetworkRef,
  decodeString,
  encodeNetworkRef,
  encodeOptString,
  encodeString,
  encodeUuid,
} from "../types";
import type { DhcpLease, NetworkRef } from "../types";
import type { Encoder } from "../connection";
import { decodeIntBool, listArgs, listRet, withFlags } from "./core";
import { DomainMigrateMethods } from "./domainMigrate";

const network =
  (net: NetworkRef): Encoder =>
  (w) =>
    encodeNetworkRef(w, net);

export class NetworkMethods extends DomainMigrateMethods {
  private updateOrder?: Promise<boolean>;

  /** Defines a persistent network (NETWORK_DEFINE_XML: no flags on this procedure). */
  networkDefineXml(xml: string): Promise<NetworkRef> {
    return this.call(Procedure.NetworkDefineXml, (w) => encodeString(w, xml), decodeNetworkRef);
  }

  networkUndefine(net: NetworkRef): Promise<void> {
    return this.call(Procedure.NetworkUndefine, network(net));
  }

  /** Starts the network (bridge, dnsmasq). */
  networkCreate(net: NetworkRef): Promise<void> {
    return this.call(Procedure.NetworkCreate, network(net));
  }

  networkDestroy(net: NetworkRef): Promise<void> {
    return this.call(Procedure.NetworkDestroy, network(net));
  }

  networkLookupByName(name: string): Promise<NetworkRef> {
    return this.call(Procedure.NetworkLookupByName, (w) => encodeString(w, name), decodeNetworkRef);
  }

  networkLookupByUuid(uuid: Buffer): Promise<NetworkRef> {
    return this.call(Procedure.NetworkLookupByUuid, (w) => encodeUuid(w, uuid), decodeNetworkRef);
  }

  /** Flags: NetworkXmlFlags. */
  networkGetXmlDesc(net: NetworkRef, flags = 0): Promise<string> {
    return this.call(
      Procedure.NetworkGetXmlDesc,
      withFlags(encodeNetworkRef, net, flags),
      decodeString,
    );
  }

  networkGetAutostart(net: NetworkRef): Promise<boolean> {
    return this.call(Procedure.NetworkGetAutostart, network(net), decodeIntBool);
  }

  networkSetAutostart(net: NetworkRef, autostart: boolean): Promise<void> {
    return this.call(Procedure.NetworkSetAutostart, (w) => {
      encodeNetworkRef(w, net);
      w.writeInt(autostart ? 1 : 0);
    });
  }

  networkIsActive(net: NetworkRef): Promise<boolean> {
    return this.call(Procedure.NetworkIsActive, network(net), decodeIntBool);
  }

  /** Flags: ListAllNetworksFlags filters; 0 lists every network. */
  listAllNetworks(flags = 0): Promise<NetworkRef[]> {
    return this.call(
      Procedure.ConnectListAllNetworks,
      listArgs(flags),
      listRet(decodeNetworkRef, MAX_LIST),
    );
  }

  /**
   * Edits one section of a network without redefining it, e.g. adds a DHCP
   * host (NetworkUpdateSection.IpDhcpHost, parentIndex -1 for the first <ip>).
   * Flags: NetworkUpdateFlags.
   *
   * Daemons before libvirt 1.2.6 read `command` and `section` swapped; like
   * libvirt's client we swap them for a daemon that does not announce
   * NETWORK_UPDATE_HAS_CORRECT_ORDER (asked once per connection).
   */
  async networkUpdate(
    net: NetworkRef,
    command: NetworkUpdateCommand,
    section: NetworkUpdateSection,
    parentIndex: number,
    xml: string,
    flags = 0,
  ): Promise<void> {
    this.updateOrder ??= this.supportsFeature(DriverFeature.NetworkUpdateHasCorrectOrder);
    const correct = await this.updateOrder;
    await this.call(Procedure.NetworkUpdate, (w) => {
      encodeNetworkRef(w, net);
      w.writeUint(correct ? command : section);
      w.writeUint(correct ? section : command);
      w.writeInt(parentIndex);
      encodeString(w, xml);
      w.writeUint(flags);
    });
  }

  /** Leases dnsmasq has handed out on the network, all of them or those of one MAC address. */
  networkGetDhcpLeases(
    net: NetworkRef,
    mac: string | null = null,
    flags = 0,
  ): Promise<DhcpLease[]> {
    return this.call(
      Procedure.NetworkGetDhcpLeases,
      (w) => {
        encodeNetworkRef(w, net);
        encodeOptString(w, mac);
        w.writeInt(1); // need_results
        w.writeUint(flags);
      },
      listRet(decodeDhcpLease, MAX_DHCP_LEASES),
    );
  }
}

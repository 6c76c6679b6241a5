/**
 * What the policies read of deskfleet's resources: their type tokens and the
 * inputs they look at (provider/resources/*.ts declares the whole of each).
 */
import type { PolicyResource } from "@pulumi/policy";

export const TYPES = {
  domain: "deskfleet:libvirt:Domain",
  volume: "deskfleet:libvirt:Volume",
  snapshot: "deskfleet:libvirt:Snapshot",
  snapshotSchedule: "deskfleet:libvirt:SnapshotSchedule",
} as const;

/** A guest, as the Domain kind's inputs say. */
export interface GuestProps {
  uri?: string;
  name?: string;
  /** Bytes. */
  memory?: number;
  running?: boolean;
  firmware?: "bios" | "uefi";
  secureBoot?: boolean;
  tpm?: boolean;
  hyperv?: boolean;
  graphics?: "none" | "vnc" | "spice";
  graphicsListen?: string;
  keepFirmwareState?: boolean;
  rebuild?: number;
  /** The URI of the host it leaves, as the fleet acknowledges a move. */
  movedFrom?: string;
  /**
   * What its update would do that the fleet must acknowledge, added by the provider's check
   * from the stored inputs (provider/resources/pendingChange.ts): policies see no old state.
   */
  pendingChange?: {
    move?: { from: string };
    rebuild?: { disks: string[]; raised: boolean };
  };
}

/** The defaults the Domain kind applies to what a program leaves out. */
export const GUEST_DEFAULTS = {
  running: true,
  firmware: "bios",
  graphics: "none",
  graphicsListen: "loopback",
  keepFirmwareState: true,
} as const;

/** A guest's name, and its host (the stack's deskfleet:uri when the resource names none). */
export function guestOf(props: GuestProps, fallbackName: string): { name: string; uri: string } {
  return { name: props.name ?? fallbackName, uri: props.uri ?? "the stack's host" };
}

/** The guests (Domain resources) of a stack, with their names and hosts. */
export function guestsOf(resources: readonly Pick<PolicyResource, "type" | "name" | "props">[]) {
  return resources
    .filter((r) => r.type === TYPES.domain)
    .map((r) => {
      const props = r.props as GuestProps;
      return { ...guestOf(props, r.name), props };
    });
}

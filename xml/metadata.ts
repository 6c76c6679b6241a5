/**
 * deskfleet's owner element in a domain's <metadata>. Each of deskfleet's
 * elements has a namespace of its own, so that each writer replaces only its
 * own element (libvirt keeps one element per namespace URI); the snapshot
 * schedule's and the last run's are snapshots/metadataXml.ts.
 * https://libvirt.org/formatdomain.html#general-metadata
 */
import type { XmlNode } from "./xml";
import { attr, parseXml } from "./xml";

/**
 * Written into a guest's first definition: the URN of the Pulumi resource
 * that made it, so an interrupted create can be told apart from a stranger
 * with the same name (and adopted) by the next `up`.
 */
export const OWNER_METADATA = {
  uri: "https://deskfleet.invalid/xmlns/owner/1",
  key: "deskfleet-owner",
} as const;

/** The <metadata> child naming `urn` as the owner (for a domain's first definition). */
export function ownerMetadataNode(urn: string): XmlNode {
  return {
    [`${OWNER_METADATA.key}:owner`]: {
      [`@_xmlns:${OWNER_METADATA.key}`]: OWNER_METADATA.uri,
      "@_urn": urn,
    },
  };
}

/** The owner's URN in what libvirt returns for OWNER_METADATA (`<owner urn="…"/>`). */
export function parseOwnerXml(xml: string): string | undefined {
  return attr(parseXml(xml, "owner"), "urn");
}

/**
 * On a running guest only (written to its live definition, never to the
 * persistent one): the changes its definition has that wait for its restart
 * (`restart: never`). Gone by itself when the guest restarts, however.
 */
export const RESTART_PENDING_METADATA = {
  uri: "https://deskfleet.invalid/xmlns/restart-pending/1",
  key: "deskfleet-restart",
} as const;

export function restartPendingXml(properties: readonly string[]): string {
  return `<pending properties="${properties.join(" ")}"/>`;
}

export function parseRestartPendingXml(xml: string): string[] {
  const list = attr(parseXml(xml, "pending"), "properties") ?? "";
  return list.split(/\s+/).filter((p) => p !== "");
}

/**
 * On a guest's old host, after a move (provider's domainMove.ts): the guest
 * runs on the host `to` now, and this definition is only left to remove. A
 * move cut short after this mark finishes by removing it; one cut before
 * starts over from this host's disks.
 */
export const MOVED_METADATA = {
  uri: "https://deskfleet.invalid/xmlns/moved/1",
  key: "deskfleet-moved",
} as const;

export function movedXml(to: string): string {
  return `<moved to="${to.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;")}"/>`;
}

export function parseMovedXml(xml: string): string | undefined {
  return attr(parseXml(xml, "moved"), "to");
}

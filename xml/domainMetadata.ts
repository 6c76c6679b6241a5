/**
 * deskfleet's own elements in a domain's <metadata>, one per namespace
 * (xml/metadata.ts builds and parses them): read from the persistent
 * definition, written to it and, while the guest runs, to the running one too;
 * a few live on the running guest alone.
 */
import type { DomainRef, LibvirtClient } from "../libvirt";
import { DomainAffect, DomainMetadataType, ErrorCode, hasCode } from "../libvirt";

/** A metadata namespace: its URI, and the prefix its element is written with. */
export interface MetadataNamespace {
  readonly uri: string;
  readonly key: string;
}

/** The element's XML, or undefined when the domain has none in this namespace. */
export async function readMetadataElement(
  conn: LibvirtClient,
  dom: DomainRef,
  ns: Pick<MetadataNamespace, "uri">,
  affect: number = DomainAffect.Config,
): Promise<string | undefined> {
  try {
    return await conn.domainGetMetadata(dom, DomainMetadataType.Element, ns.uri, affect);
  } catch (err) {
    if (hasCode(err, ErrorCode.NoDomainMetadata)) return undefined;
    throw err;
  }
}

/** Writes the element to the running guest only (null removes it): gone when it stops. */
export async function writeLiveMetadataElement(
  conn: LibvirtClient,
  dom: DomainRef,
  ns: MetadataNamespace,
  xml: string | null,
): Promise<void> {
  await conn.domainSetMetadata(
    dom,
    DomainMetadataType.Element,
    xml,
    ns.key,
    ns.uri,
    DomainAffect.Live,
  );
}

/** Writes the element (null removes it). */
export async function writeMetadataElement(
  conn: LibvirtClient,
  dom: DomainRef,
  ns: MetadataNamespace,
  xml: string | null,
): Promise<void> {
  const affect = DomainAffect.Config | ((await conn.domainIsActive(dom)) ? DomainAffect.Live : 0);
  await conn.domainSetMetadata(dom, DomainMetadataType.Element, xml, ns.key, ns.uri, affect);
}

/**
 * The running guests of a host, each with its live definition: what a change
 * to something under them (a network, a volume) has to find them by. A guest
 * that stops while they are listed is left out.
 */
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { ListAllDomainsFlags } from "../../libvirt";

export async function runningGuests(
  conn: LibvirtClient,
): Promise<{ dom: DomainRef; xml: string }[]> {
  const found: { dom: DomainRef; xml: string }[] = [];
  for (const dom of await conn.listAllDomains(ListAllDomainsFlags.Active)) {
    const xml = await conn.domainGetXmlDesc(dom, 0).catch(() => undefined);
    if (xml !== undefined) found.push({ dom, xml });
  }
  return found;
}

/**
 * A guest's addresses, and waiting until it is ready (`waitFor`): `ip` when
 * its networks' DHCP has leased it an address, `agent` when its guest agent
 * answers. Addresses come from the leases of its interfaces' MACs and, where
 * the guest agent answers, from the guest itself.
 */
import type { DomainRef, LibvirtClient } from "../libvirt";
import { InterfaceAddressesSource, LibvirtError, isNotFound } from "../libvirt";

/** How often readiness is asked while waiting. */
const POLL_MS = 500;

/** The addresses of a running guest's interfaces (none when it is shut off), sorted, no duplicates. */
export async function guestAddresses(
  conn: LibvirtClient,
  dom: DomainRef,
  macs: readonly string[],
  agent: boolean,
): Promise<string[]> {
  if (!(await conn.domainIsActive(dom))) return [];
  const wanted = new Set(macs.map((m) => m.toLowerCase()));
  const found = new Set<string>();
  const sources = [
    InterfaceAddressesSource.Lease,
    ...(agent ? [InterfaceAddressesSource.Agent] : []),
  ];
  for (const source of sources) {
    for (const iface of await interfaces(conn, dom, source)) {
      // The agent also reports the guest's loopback and interfaces of its own making.
      if (iface.hwaddr === null || !wanted.has(iface.hwaddr.toLowerCase())) continue;
      for (const a of iface.addrs) found.add(a.addr);
    }
  }
  return [...found].sort();
}

/** A source that cannot answer (no agent running yet, the guest just stopped) has no addresses. */
async function interfaces(conn: LibvirtClient, dom: DomainRef, source: number) {
  try {
    return await conn.domainInterfaceAddresses(dom, source, 0);
  } catch (err) {
    if (isNotFound(err) || err instanceof LibvirtError) return [];
    throw err;
  }
}

/** Whether the guest agent answers now. */
export async function agentAnswers(conn: LibvirtClient, dom: DomainRef): Promise<boolean> {
  try {
    await conn.domainInterfaceAddresses(dom, InterfaceAddressesSource.Agent, 0);
    return true;
  } catch (err) {
    if (err instanceof LibvirtError) return false;
    throw err;
  }
}

export interface Readiness {
  waitFor: "none" | "ip" | "agent";
  /** Seconds. */
  waitTimeout: number;
}

/**
 * Waits until the running guest is ready as `waitFor` says; an error naming
 * what it waited for, how long, and what to look at when it is not in time.
 */
export async function waitUntilReady(
  conn: LibvirtClient,
  dom: DomainRef,
  ready: Readiness,
  guest: { macs: readonly string[]; networks: readonly string[]; agent: boolean },
): Promise<void> {
  if (ready.waitFor === "none") return;
  const deadline = Date.now() + ready.waitTimeout * 1000;
  for (;;) {
    const done =
      ready.waitFor === "ip"
        ? (await guestAddresses(conn, dom, guest.macs, guest.agent)).length > 0
        : await agentAnswers(conn, dom);
    if (done) return;
    if (!(await conn.domainIsActive(dom))) {
      throw new Error(`the guest stopped while deskfleet waited for ${what(ready)}`);
    }
    if (Date.now() >= deadline) {
      const hint =
        ready.waitFor === "ip"
          ? `does it run a DHCP client, and does each of its networks (${guest.networks.join(", ")}) have a dhcp range?`
          : "does it run qemu-guest-agent?";
      throw new Error(
        `no ${what(ready)} after ${ready.waitTimeout} s (waitFor: ${ready.waitFor}): ${hint}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function what(ready: Readiness): string {
  return ready.waitFor === "ip" ? "an address from DHCP" : "an answer from the guest agent";
}

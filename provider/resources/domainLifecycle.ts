/**
 * Running-state chores of a guest: graceful shutdown with a forced fallback,
 * state names, and the addresses its interfaces leased from libvirt's DHCP.
 */
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { DomainShutdownFlags, DomainState, isNotFound, LibvirtError } from "../../libvirt";

const POLL_MS = 250;

/** How often the power-button press is repeated while waiting. */
const RESEND_MS = 2000;

/**
 * Asks the guest to shut down (ACPI power button), waits up to `timeoutSeconds`
 * for it to stop, then forces it off. A guest that is already off is fine.
 *
 * The press is repeated every couple of seconds: a guest that is still
 * booting has nothing listening to the button yet and would lose a single one.
 */
export async function shutDownGracefully(
  conn: LibvirtClient,
  dom: DomainRef,
  timeoutSeconds: number,
): Promise<void> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let nextPress = 0;
  while (Date.now() < deadline) {
    if (!(await conn.domainIsActive(dom))) return;
    if (Date.now() >= nextPress) {
      await pressPowerButton(conn, dom);
      nextPress = Date.now() + RESEND_MS;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (await conn.domainIsActive(dom)) await conn.domainDestroy(dom, 0);
}

async function pressPowerButton(conn: LibvirtClient, dom: DomainRef): Promise<void> {
  try {
    await conn.domainShutdown(dom, DomainShutdownFlags.AcpiPowerBtn);
  } catch (err) {
    // Gone or already stopping: the caller's polling sees it. A guest without
    // ACPI refuses the request: the caller forces it off at the deadline.
    if (isNotFound(err) || err instanceof LibvirtError) return;
    throw err;
  }
}

const STATE_NAMES: Record<DomainState, string> = {
  [DomainState.NoState]: "no state",
  [DomainState.Running]: "running",
  [DomainState.Blocked]: "blocked",
  [DomainState.Paused]: "paused",
  [DomainState.Shutdown]: "shutting down",
  [DomainState.Shutoff]: "shut off",
  [DomainState.Crashed]: "crashed",
  [DomainState.PmSuspended]: "suspended",
};

export function stateName(state: DomainState): string {
  return STATE_NAMES[state] ?? `unknown (${String(state)})`;
}

/** IPv4/IPv6 addresses leased to the given interfaces by their networks' DHCP. */
export async function guestAddresses(
  conn: LibvirtClient,
  interfaces: { network: string; mac: string }[],
): Promise<string[]> {
  const addresses: string[] = [];
  for (const n of interfaces) {
    const net = await conn.networkLookupByName(n.network).catch(() => undefined);
    if (!net) continue;
    const leases = await conn.networkGetDhcpLeases(net, n.mac).catch(() => []);
    addresses.push(...leases.map((l) => l.ipaddr));
  }
  return addresses.sort();
}

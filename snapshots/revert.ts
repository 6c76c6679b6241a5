/**
 * Reverting a guest to one of its snapshots, of any kind, and leaving it as
 * it was declared: its current definition (hardware, metadata such as its
 * snapshot schedule) is defined again afterwards — a revert also restores the
 * definition saved in the snapshot — and it ends up running only if it ran.
 * A running guest reverted to a disk-only snapshot boots from it. A UEFI
 * guest's NVRAM kept beside the snapshot (nvramCopy.ts) is written back first.
 *
 * An external snapshot's revert puts the disks on new overlays (libvirt
 * names them); the definition defined again takes those disks from libvirt's,
 * everything else from the one before.
 */
import type { DomainRef, LibvirtClient } from "../libvirt";
import { DomainSnapshotRevertFlags } from "../libvirt";
import { DEFINITION_WITH_SECRETS } from "../xml/domain";
import { withDisksOf } from "../xml/diskEdits";
import { parseSnapshotXml } from "../xml/snapshot";
import { restoreNvram } from "./nvramCopy";

export async function revertToSnapshot(
  conn: LibvirtClient,
  dom: DomainRef,
  name: string,
): Promise<void> {
  const snap = await conn.domainSnapshotLookupByName(dom, name, 0);
  const definition = await conn.domainGetXmlDesc(dom, DEFINITION_WITH_SECRETS);
  const wasRunning = await conn.domainIsActive(dom);
  const parsed = parseSnapshotXml(await conn.domainSnapshotGetXmlDesc(snap, 0));
  const withMemory = parsed.memory === "internal" || parsed.memory === "external";
  // Running: start from it. Shut off: a disk-only snapshot stays off; one with
  // memory would resume, so it comes back paused and is stopped below.
  const flags = wasRunning
    ? DomainSnapshotRevertFlags.Running
    : withMemory
      ? DomainSnapshotRevertFlags.Paused
      : 0;
  // A UEFI guest's NVRAM kept beside the snapshot goes back first, with the guest off.
  await restoreNvram(conn, dom, name, async () => {
    if (await conn.domainIsActive(dom)) await conn.domainDestroy(dom, 0);
  });
  await conn.domainRevertToSnapshot(snap, flags);
  if (!wasRunning && (await conn.domainIsActive(dom))) await conn.domainDestroy(dom, 0);
  const external = parsed.disks.some((d) => d.snapshot === "external");
  const restored = external
    ? withDisksOf(definition, await conn.domainGetXmlDesc(dom, DEFINITION_WITH_SECRETS))
    : definition;
  await conn.domainDefineXml(restored, 0);
}

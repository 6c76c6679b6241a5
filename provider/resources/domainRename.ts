/**
 * Renaming a guest in place (`formerly:` in the fleet file). libvirt renames
 * only a shut-off domain, and keeps its UUID (so its TPM state, which swtpm
 * keeps by UUID), its devices and its snapshots' metadata. The NVRAM is the
 * exception: libvirt names that file after the guest and, where the
 * definition does not name it (libvirt 9.0 picks firmware at start), finds it
 * by the new name after a rename — measured on 9.0: the renamed UEFI guest
 * booted with fresh variables from the template and the old file stayed
 * behind. So the renamed definition names the old file.
 */
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { parseUri } from "../../libvirt";
import type { ParsedDomain } from "../../xml/domain";
import { SYSTEM_NVRAM_DIR, defaultNvramPath } from "../../xml/nvram";

/** libvirt's own NVRAM file for guest `name` on host `uri` (already connected to), where deskfleet knows it. */
function defaultNvram(uri: string, name: string): string | undefined {
  return defaultNvramPath(parseUri(uri).path, name);
}

/**
 * The NVRAM file a definition must name to keep it: one libvirt would not name
 * itself for this guest (a renamed guest's), else nothing.
 */
export function nvramToKeep(uri: string, current: ParsedDomain): string | undefined {
  if (current.firmware !== "uefi" || current.nvram === undefined) return undefined;
  return current.nvram === defaultNvram(uri, current.name) ? undefined : current.nvram;
}

/**
 * Renames the shut-off guest `dom` (defined as `current`) to `name`, and
 * returns its definition as it now is, naming the NVRAM file it had.
 */
export async function renameGuest(
  conn: LibvirtClient,
  dom: DomainRef,
  uri: string,
  current: ParsedDomain,
  name: string,
): Promise<ParsedDomain> {
  const nvram =
    current.firmware === "uefi" ? (current.nvram ?? defaultNvram(uri, current.name)) : undefined;
  if (current.firmware === "uefi" && nvram === undefined) {
    throw new Error(
      `renaming UEFI guest "${current.name}" on ${uri}: deskfleet does not know where this host keeps its NVRAM ` +
        `(only a system daemon's ${SYSTEM_NVRAM_DIR}); it would boot with fresh UEFI variables. Keep its name, ` +
        `or name the file in its definition (<os><nvram>) first`,
    );
  }
  await conn.domainRename(dom, name);
  return { ...current, name, ...(nvram !== undefined ? { nvram } : {}) };
}

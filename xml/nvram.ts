/**
 * Where a UEFI guest's variables (its NVRAM file) are when its definition does
 * not name them (xml/domain.ts reads `<os><nvram>`): the file libvirt makes for
 * it itself, `<name>_VARS.fd` in the qemu driver's NVRAM folder (known here for
 * a system daemon). libvirt 9.0 names the file in a shut-off guest's
 * definition only once it picked firmware at a start.
 */

/** The qemu driver's NVRAM folder on a system daemon (`qemu:///system`). */
export const SYSTEM_NVRAM_DIR = "/var/lib/libvirt/qemu/nvram";

/** libvirt's own NVRAM file for guest `name` on a host whose URI path is `uriPath`. */
export function defaultNvramPath(uriPath: string, name: string): string | undefined {
  return uriPath === "/system" ? `${SYSTEM_NVRAM_DIR}/${name}_VARS.fd` : undefined;
}

/** Machine types as libvirt names them, and the ones it expands them to. */

/**
 * Whether libvirt's machine type is what was declared: libvirt expands the
 * aliases `pc` and `q35` to versioned names (`pc-i440fx-7.2`, `pc-q35-7.2`),
 * which must not show up as a change.
 */
export function machineMatches(declared: string, actual: string): boolean {
  if (declared === actual) return true;
  const expansions: Record<string, string> = { pc: "pc-i440fx-", q35: "pc-q35-" };
  const prefix = expansions[declared] ?? `${declared}-`;
  return actual.startsWith(prefix);
}

/** A q35 machine (SATA, PCIe, SMM), however libvirt spells it. */
export function isQ35(machine: string): boolean {
  return machineMatches("q35", machine);
}

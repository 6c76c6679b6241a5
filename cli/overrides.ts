/**
 * The overrides file `deskfleet init` writes for a machine: a header that
 * names what the shared fleet holds, then a commented skeleton with one entry
 * per guest, network and pool carrying the shared values. As written it
 * changes nothing (every line is a comment); uncommented as it is, it still
 * changes nothing (the values are the shared ones), so a person uncomments an
 * entry and edits the one value that differs. Merge rules: stacks/FORMAT.md
 * "Several files".
 */
import type { FleetSpec, GuestSpec } from "../fleet/spec";
import { formatSize } from "../units/size";

export interface OverridesContext {
  machine: string;
  /** This file, relative to the project root. */
  file: string;
  /** The shared fleet files, in order. */
  shared: readonly string[];
  /** The shared fleet, loaded. */
  spec: FleetSpec;
}

/** The line that starts the skeleton: everything after it is the commented YAML. */
export const SKELETON_MARKER = "# --- uncomment and edit what differs on this machine ---";

export function overridesText(ctx: OverridesContext): string {
  const { spec } = ctx;
  const lines = [
    `# ${ctx.file}: what differs on machine "${ctx.machine}" from the shared fleet`,
    `# (${ctx.shared.join(", ")}), merged after it in that order (stacks/Pulumi.${ctx.machine}.yaml).`,
    "# Only what differs belongs here: maps merge key by key, lists and plain values are replaced",
    "# whole, and `name: null` removes an entry (a guest this machine does not run).",
    "# As written, every line is a comment and this machine gets the shared fleet unchanged.",
    "# Format: stacks/FORMAT.md, sections Guests and Several files.",
    "#",
    "# The shared fleet has:",
    ...summary(spec).map((line) => `#   ${line}`),
    "#",
    "# For example, on this machine:",
    ...examples(spec).map((line) => `#   ${line}`),
    "",
    SKELETON_MARKER,
    ...skeleton(spec).map((line) => `# ${line}`.trimEnd()),
    "",
  ];
  return lines.join("\n");
}

function summary(spec: FleetSpec): string[] {
  const names = (items: readonly { name: string }[]) =>
    items.length === 0 ? "none" : items.map((i) => i.name).join(", ");
  return [
    ...(spec.hosts.length > 0
      ? [`hosts: ${spec.hosts.map((h) => `${h.name} (${h.uri})`).join(", ")}`]
      : []),
    `guests: ${spec.guests.length === 0 ? "none" : spec.guests.map(describeGuest).join(", ")}`,
    `networks: ${names(spec.networks)}`,
    `pools: ${names(spec.pools)}`,
    `images: ${names(spec.images)}`,
    `snapshot schedules: ${names(spec.snapshotSchedules)}`,
    `backup schedules: ${names(spec.backupSchedules)}`,
  ];
}

function describeGuest(g: GuestSpec): string {
  return `${g.name} (${formatSize(g.memory)}, ${g.vcpus} vcpu${g.vcpus === 1 ? "" : "s"})`;
}

/** Worked examples on the fleet's own first guest and network, or on made-up names. */
function examples(spec: FleetSpec): string[] {
  const guest = spec.guests[0];
  const network = spec.networks[0];
  const g = key(guest?.name ?? "demo");
  const memory = guest ? formatSize(guest.memory * 2) : "1GiB";
  const rows: [string, string][] = [
    ["more memory:", `guests: { ${g}: { memory: ${memory} } }`],
    ["not on this machine:", `guests: { ${g}: null }`],
    ["defined, not started:", `guests: { ${g}: { running: false } }`],
    ["one more disk:", `guests: { ${g}: { disks: { scratch: { size: 4GiB } } } }`],
    ["no DHCP:", `networks: { ${key(network?.name ?? "lan")}: { dhcp: null } }`],
  ];
  return rows.map(([what, yaml]) => `${what.padEnd(22)}${yaml}`);
}

/** Uncommented as it is, this YAML changes nothing: each value is the shared one. */
function skeleton(spec: FleetSpec): string[] {
  const out: string[] = [];
  if (spec.guests.length > 0) {
    out.push("guests:");
    for (const g of spec.guests) {
      out.push(`  ${key(g.name)}: # or \`${key(g.name)}: null\`: not on this machine`);
      out.push(`    memory: ${formatSize(g.memory)}`);
      out.push(`    vcpus: ${g.vcpus}`);
      out.push(`    running: ${g.running}`);
    }
  }
  if (spec.networks.length > 0) {
    out.push("networks:");
    for (const n of spec.networks) {
      out.push(`  ${key(n.name)}: # \`dhcp: null\`: no DHCP here`);
      out.push(`    mode: ${n.mode}`);
    }
  }
  if (spec.pools.length > 0) {
    out.push("pools:");
    for (const p of spec.pools) {
      out.push(`  ${key(p.name)}: # another directory on this machine`);
      out.push(`    path: ${JSON.stringify(p.path)}`);
    }
  }
  return out;
}

/**
 * A name as a YAML key that reads back as that text: fleet names may be
 * `007`, `true` or `null`, which plain YAML would read as a number, a boolean
 * or a null.
 */
export function key(name: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) && !/^(true|false|null|~)$/i.test(name);
  return plain ? name : JSON.stringify(name);
}

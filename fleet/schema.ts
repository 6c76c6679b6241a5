/**
 * The shape of each entry of a fleet file, in zod. Each pool, network, image,
 * guest, disk and interface is validated on its own (see validate.ts), so one
 * bad entry does not hide the problems of the others; checks that span
 * entries (references, overlaps, defaults that depend on other entries) come
 * after, in resolve.ts. Field formats raise issues with our own codes
 * (`params.code`), which translate.ts turns into fleet issues.
 */
import { cloudInitSchema } from "./cloudInit";
import { posix } from "node:path";
import { z } from "zod";
import type { FleetIssueCode } from "./errors";
import type { Cidr } from "./ipv4";
import { broadcastAddress, formatIpv4, networkAddress, parseCidr, parseIpv4 } from "./ipv4";
import { SizeError, formatSize, parseSize } from "../units/size";
import { AUTOSNAP_PREFIX } from "../snapshots/names";
import { guestSettingsFields } from "../xml/guestSettings";
import { PRESET_NAMES } from "./presets";

/** libvirt-safe object names (the provider applies the same rule: provider/names.ts). */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;
export const NAME_RULE =
  'use 1 to 63 letters, digits, "_", "." or "-", starting with a letter or digit';

/** Raise an issue with a fleet issue code from inside a schema. */
function fail(ctx: z.RefinementCtx, code: FleetIssueCode, message: string): never {
  ctx.addIssue({ code: "custom", message, params: { code } });
  return z.NEVER;
}

/** A size with a unit (size.ts) → bytes, at least `min` bytes. Required unless `.optional()`. */
function size(min: number, minText: string) {
  return z.unknown().transform((value, ctx): number => {
    if (value === undefined) return fail(ctx, "missing_key", "");
    if (typeof value !== "string") return fail(ctx, "invalid_size", 'expected a size like "2GiB"');
    let bytes: number;
    try {
      bytes = parseSize(value);
    } catch (err) {
      if (err instanceof SizeError) return fail(ctx, "invalid_size", err.message);
      throw err;
    }
    return bytes >= min ? bytes : fail(ctx, "too_small", `must be at least ${minText}`);
  });
}

const MIN_MEMORY = 16 * 1024 ** 2;

/** An absolute directory on the libvirt host, without a trailing "/" (libvirt strips it too). */
const hostPath = z.string().transform((path, ctx) => {
  if (!path.startsWith("/"))
    return fail(ctx, "invalid_path", "must be an absolute path on the host");
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/$/, "") : normal;
});

/** The host's address on a network, with the subnet's prefix: "10.77.0.1/24". */
const hostCidr = z.string().transform((text, ctx): Cidr => {
  const cidr = parseCidr(text.trim());
  if (!cidr) {
    return fail(
      ctx,
      "invalid_address",
      'expected an IPv4 address with a prefix, like "10.77.0.1/24"',
    );
  }
  if (cidr.prefix < 1 || cidr.prefix > 30) {
    // /31 and /32 leave no address for a guest; /0 would claim the whole internet.
    return fail(ctx, "invalid_address", `prefix /${cidr.prefix} must be between /1 and /30`);
  }
  const role =
    cidr.address === networkAddress(cidr)
      ? "network"
      : cidr.address === broadcastAddress(cidr)
        ? "broadcast"
        : undefined;
  if (role) {
    const ip = formatIpv4(cidr.address);
    return fail(
      ctx,
      "invalid_address",
      `${ip} is the subnet's ${role} address, not a host address`,
    );
  }
  return cidr;
});

const ipv4 = z.string().transform((text, ctx): number => {
  const ip = parseIpv4(text.trim());
  return ip ?? fail(ctx, "invalid_address", 'expected an IPv4 address like "10.77.0.100"');
});

/** Lower-case, as libvirt reports it, so a declared MAC never differs from the one read back. */
const mac = z.string().transform((text, ctx): string => {
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(text)) {
    return fail(ctx, "invalid_mac", 'expected a MAC address like "52:54:00:12:34:56"');
  }
  // libvirt refuses multicast MACs (lowest bit of the first octet set).
  if (parseInt(text.slice(0, 2), 16) & 1) {
    return fail(
      ctx,
      "invalid_mac",
      `${text} is a multicast address; use a unicast one (e.g. 52:54:00:…)`,
    );
  }
  return text.toLowerCase();
});

/** Linux interface names: at most 15 bytes (IFNAMSIZ − 1), no "/", ":" or spaces. */
const bridge = z.string().transform((name, ctx): string => {
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,14}$/.test(name)) return name;
  const rule = 'use 1 to 15 letters, digits, "_", "." or "-", starting with a letter or digit';
  return fail(ctx, "invalid_name", `invalid bridge name ${JSON.stringify(name)}: ${rule}`);
});

/** Machine types as libvirt names them: "pc", "q35", "pc-q35-7.2". */
const machine = z.string().transform((name, ctx): string => {
  if (/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) return name;
  return fail(ctx, "invalid_value", `invalid machine type ${JSON.stringify(name)}`);
});

/** A snapshot name a guest may declare as its baseline: a libvirt-safe name, not ours. */
const baselineName = z.string().transform((name, ctx): string => {
  if (!NAME_PATTERN.test(name)) {
    return fail(ctx, "invalid_name", `invalid snapshot name ${JSON.stringify(name)}: ${NAME_RULE}`);
  }
  if (name.startsWith(AUTOSNAP_PREFIX)) {
    const message = `snapshot names starting with "${AUTOSNAP_PREFIX}" belong to scheduled snapshots; choose another, e.g. "post-install"`;
    return fail(ctx, "invalid_name", message);
  }
  return name;
});

/** A map keyed by names whose values are validated one by one elsewhere. */
const section = z.record(z.string(), z.unknown()).optional();

/** The top level of a fleet file (keys starting with "x-" are removed before this). */
export const fleetSchema = z.strictObject({
  hosts: section,
  pools: section,
  networks: section,
  images: section,
  guests: section,
  snapshotSchedules: section,
  backupSchedules: section,
});

/**
 * A host's libvirt URI: "qemu:///system", "qemu+ssh://me@laptop/system".
 * Only its shape is checked here; the provider connects to it.
 */
export const hostSchema = z.string().transform((uri, ctx): string => {
  if (/^qemu(\+[a-z]+)?:\/\/[^\s]*\/(system|session)(\?[^\s]*)?$/.test(uri)) return uri;
  const example = 'like "qemu:///system" or "qemu+ssh://me@laptop/system"';
  return fail(ctx, "invalid_value", `expected a libvirt URI ${example}`);
});

/** Which of the fleet's `hosts` an entry is on; absent: all of them (an image: those whose guests use it). */
const onHosts = z.array(z.string()).min(1).optional();

export const poolSchema = z.strictObject({
  hosts: onHosts,
  type: z.enum(["dir"]).default("dir"),
  path: hostPath,
  autostart: z.boolean().default(true),
  /** Take over the object of this name that already exists on the host (Pulumi import). */
  adopt: z.boolean().default(false),
});

export const networkSchema = z.strictObject({
  hosts: onHosts,
  mode: z.enum(["isolated", "nat"]).default("isolated"),
  address: hostCidr,
  dhcp: z
    .strictObject({
      start: ipv4,
      end: ipv4,
      /** Fixed addresses by MAC, each under the host name dnsmasq gives it. */
      hosts: z.record(z.string(), z.strictObject({ mac, ip: ipv4 })).optional(),
    })
    .optional(),
  bridge: bridge.optional(),
  autostart: z.boolean().default(true),
  /** Take over the object of this name that already exists on the host (Pulumi import). */
  adopt: z.boolean().default(false),
});

export const imageSchema = z.strictObject({
  hosts: onHosts,
  /** Local file; resolved against the fleet file's directory in resolve.ts. */
  source: z.string().min(1),
  pool: z.string().optional(),
  format: z.enum(["qcow2", "raw"]).default("qcow2"),
});

/**
 * An entry's earlier names, oldest first (one name, or a list): the entry is
 * the same guest or disk under a new name, renamed in place, not replaced.
 */
const formerNames = z
  .union([z.string(), z.array(z.string()).min(1)])
  .transform((value, ctx): string[] => {
    const names = typeof value === "string" ? [value] : value;
    for (const name of names) {
      if (!NAME_PATTERN.test(name)) {
        return fail(ctx, "invalid_name", `invalid name ${JSON.stringify(name)}: ${NAME_RULE}`);
      }
    }
    if (new Set(names).size < names.length) {
      return fail(ctx, "invalid_value", "a name is listed twice");
    }
    return names;
  });

export const diskSchema = z.strictObject({
  /** Its earlier names within the guest: its volume keeps the first one's name. */
  formerly: formerNames.optional(),
  /** An image attached as it is, read-only, as a CD-ROM (install media): no overlay, no size. */
  cdrom: z.string().optional(),
  image: z.string().optional(),
  pool: z.string().optional(),
  size: size(1, formatSize(1)).optional(),
  keep: z.boolean().optional(),
  /** The volume's name in its pool, where it is not `<guest>-<disk>.qcow2` (an adopted disk). */
  volume: z
    .string()
    .regex(/^[^/]+$/, "expected a volume name (no '/')")
    .optional(),
});

export const interfaceSchema = z.strictObject({
  network: z.string(),
  mac: mac.optional(),
});

export const guestSchema = z.strictObject({
  /** Its earlier names, oldest first: renamed in place; its volumes keep the first one's names. */
  formerly: formerNames.optional(),
  /** Take over the object of this name that already exists on the host (Pulumi import). */
  adopt: z.boolean().default(false),
  /** The host it runs on, of the fleet's `hosts` (required when there are several). */
  host: z.string().optional(),
  /**
   * The host it leaves (a name of `hosts`, or a libvirt URI): says that a new host is meant.
   * The moves-are-acknowledged guardrail refuses a move from any other host (hosts.ts).
   */
  movedFrom: z.string().min(1).optional(),
  /** A set of defaults for the entry's other fields (presets.ts); the entry overrides any. */
  preset: z.enum(PRESET_NAMES).optional(),
  memory: size(MIN_MEMORY, formatSize(MIN_MEMORY)),
  /** The most memory the guest can be given while it runs (balloon); absent: `memory`. */
  maxMemory: size(MIN_MEMORY, formatSize(MIN_MEMORY)).optional(),
  machine: machine.default("pc"),
  disks: section,
  interfaces: z.array(z.unknown()).optional(),
  /** Short form of `interfaces`: network names only. */
  networks: z.array(z.string()).optional(),
  /**
   * The stack config secret holding the console's password (`pulumi config set --secret
   * deskfleet:<name> …`); checked in guests.ts.
   */
  consolePassword: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9_-]*$/,
      "expected the name of a stack config secret, like demoConsole",
    )
    .optional(),
  /** A schedule of `snapshotSchedules` (checked in guests.ts). */
  snapshotSchedule: z.string().optional(),
  /** A schedule of `backupSchedules` (checked in guests.ts). */
  backupSchedule: z.string().optional(),
  /** A snapshot taken once and kept: the guest's known-good state. */
  baseline: baselineName.optional(),
  /** Raising it reverts the guest to its baseline at the next `pulumi up`. */
  revertGeneration: z.number().int().min(0).optional(),
  /** A cloud-init NoCloud seed, attached as a CD-ROM (cloudInit.ts). */
  cloudInit: cloudInitSchema.optional(),
  /** type, vcpus, firmware, graphics, running, autostart, keepFirmwareState and the devices. */
  ...guestSettingsFields,
});

export type PoolFields = z.output<typeof poolSchema>;
export type NetworkFields = z.output<typeof networkSchema>;
export type ImageFields = z.output<typeof imageSchema>;
export type DiskFields = z.output<typeof diskSchema>;
export type InterfaceFields = z.output<typeof interfaceSchema>;
export type GuestFields = z.output<typeof guestSchema>;

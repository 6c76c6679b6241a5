/**
 * `deskfleet import DOMAIN…`: a fleet file for guests that already exist
 * (made by virt-manager or virt-install), with the pools and networks their
 * disks and interfaces use, each marked `adopt: true`. Every value is the
 * host's own, written exactly as the provider reads an object it imports
 * (provider/resources/*.ts read without state), so that `pulumi up` imports
 * them and changes nothing: exact sizes and machine types, MACs, the disks'
 * own volumes, and the devices deskfleet does not model as `xml.devices`
 * (xml/unmodeled.ts). What the fleet format cannot say is an error naming the
 * guest and the device, never a silent loss.
 */
import { stringify } from "yaml";
import type { LibvirtClient } from "../libvirt";
import { NetworkXmlFlags, isNotFound } from "../libvirt";
import { NAME_PATTERN, NAME_RULE } from "../fleet/schema";
import { formatSize } from "../units/size";
import { pickDevices } from "../xml/devices";
import type { Devices } from "../xml/devices";
import type { ParsedDomain } from "../xml/domain";
import { DEFINITION_WITH_SECRETS, byTarget, parseDomainXml } from "../xml/domain";
import { GUEST_SETTINGS_DEFAULTS } from "../xml/guestSettings";
import { parseNetworkXml } from "../xml/network";
import { parsePoolXml } from "../xml/pool";
import { unmodeledDevices } from "../xml/unmodeled";
import { parseVolumeXml } from "../xml/volume";
import { attr, child, children, parseXml } from "../xml/xml";

export class ImportError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ImportError";
  }
}

type Entry = Record<string, unknown>;

interface Fleet {
  pools: Record<string, Entry>;
  networks: Record<string, Entry>;
  guests: Record<string, Entry>;
}

export async function importFleet(
  conn: LibvirtClient,
  uri: string,
  names: readonly string[],
  today: string,
): Promise<string> {
  const fleet: Fleet = { pools: {}, networks: {}, guests: {} };
  const problems: string[] = [];
  for (const name of names) {
    try {
      fleet.guests[name] = await importGuest(conn, name, fleet);
    } catch (err) {
      if (!(err instanceof ImportError)) throw err;
      problems.push(...err.problems.map((p) => `guest "${name}": ${p}`));
    }
  }
  if (problems.length > 0) throw new ImportError(problems);
  const secrets = Object.entries(fleet.guests).filter(([, g]) => g.consolePassword !== undefined);
  const header = [
    `# Imported from ${uri} by \`deskfleet import\` on ${today}: every object as the host has it,`,
    "# marked adopt: true. The next `pulumi up` takes them over and changes nothing.",
    ...secrets.map(
      ([name, g]) =>
        `# ${name} has a console password: pulumi config set --secret deskfleet:${String(g.consolePassword)} '…'`,
    ),
  ];
  const sections = Object.fromEntries(
    Object.entries(fleet).filter(([, entries]) => Object.keys(entries as object).length > 0),
  );
  return `${header.join("\n")}\n${stringify(sections, { lineWidth: 0 })}`;
}

async function importGuest(conn: LibvirtClient, name: string, fleet: Fleet): Promise<Entry> {
  checkName(name, "guest");
  const dom = await conn.domainLookupByName(name).catch((err: unknown) => {
    if (isNotFound(err)) throw new ImportError(["there is no domain of this name"]);
    throw err;
  });
  const text = await conn.domainGetXmlDesc(dom, DEFINITION_WITH_SECRETS);
  const xml = parseDomainXml(text);
  const problems: string[] = [];
  const disks = await importDisks(conn, text, fleet, problems);
  const interfaces = [];
  for (const n of xml.interfaces) {
    if (!(n.network in fleet.networks))
      fleet.networks[n.network] = await importNetwork(conn, n.network, problems);
    interfaces.push({ network: n.network, mac: n.mac });
  }
  if (xml.cdroms.length > 0) {
    problems.push(
      "its CD-ROMs of pool volumes cannot be adopted yet; eject them (virsh change-media) first",
    );
  }
  if (problems.length > 0) throw new ImportError(problems);
  const devices = unmodeledDevices(text);
  return {
    adopt: true,
    type: xml.type,
    memory: formatSize(xml.memory),
    ...(xml.maxMemory > xml.memory ? { maxMemory: formatSize(xml.maxMemory) } : {}),
    vcpus: xml.vcpus,
    ...(xml.maxVcpus > xml.vcpus ? { maxVcpus: xml.maxVcpus } : {}),
    machine: xml.machine,
    firmware: xml.firmware,
    ...nonDefault({
      diskBus: xml.diskBus,
      nicModel: xml.nicModel,
      graphics: xml.graphics,
      graphicsListen: xml.graphicsListen,
    }),
    ...(xml.graphicsPassword !== undefined ? { consolePassword: `${camel(name)}Console` } : {}),
    running: await conn.domainIsActive(dom),
    autostart: await conn.domainGetAutostart(dom),
    ...deviceSettings(xml),
    disks,
    ...(interfaces.length > 0 ? { interfaces } : {}),
    ...(devices.length > 0 ? { xml: { devices } } : {}),
  };
}

/**
 * The devices that differ from a guest entry's defaults; video and cpu as
 * libvirt has them (its own choice included), as the provider reads them on import.
 */
function deviceSettings(xml: ParsedDomain): Partial<Devices> {
  return nonDefault({ ...pickDevices(xml) });
}

/** Only the values that are not the defaults of a guest entry. */
function nonDefault(values: Record<string, unknown>): Record<string, unknown> {
  const defaults = { ...GUEST_SETTINGS_DEFAULTS } as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(values).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(defaults[k])),
  );
}

/** Each disk as its pool's volume, at its exact size, kept when the guest leaves the fleet. */
async function importDisks(
  conn: LibvirtClient,
  text: string,
  fleet: Fleet,
  problems: string[],
): Promise<Record<string, Entry>> {
  const disks: Record<string, Entry> = {};
  const elements = children(child(parseXml(text, "domain"), "devices"), "disk")
    .filter((d) => attr(d, "device") === "disk")
    .sort(byTarget);
  const buses = new Set(elements.map((d) => attr(child(d, "target"), "bus")));
  if (buses.size > 1) {
    problems.push(
      `its disks are on several buses (${[...buses].join(", ")}); deskfleet puts a guest's disks on one`,
    );
  }
  for (const [i, d] of elements.entries()) {
    const target = attr(child(d, "target"), "dev") ?? `disk${i}`;
    const source = child(d, "source");
    const file = attr(source, "file") ?? attr(source, "dev");
    const vol =
      attr(d, "type") === "volume"
        ? await volumeOf(conn, attr(source, "pool") ?? "", attr(source, "volume") ?? "")
        : file !== undefined
          ? await conn.storageVolLookupByPath(file).catch(() => undefined)
          : undefined;
    if (!vol) {
      problems.push(
        `disk ${target} (${file ?? "no source"}) is in no storage pool; define one for its directory (virsh pool-define-as NAME dir --target DIR; virsh pool-start NAME) and import again`,
      );
      continue;
    }
    const volXml = parseVolumeXml(await conn.storageVolGetXmlDesc(vol, 0));
    if (volXml.format !== "qcow2") {
      problems.push(
        `disk ${target} (${vol.name}) is ${volXml.format}; deskfleet's disks are qcow2 (qemu-img convert -O qcow2)`,
      );
      continue;
    }
    if (volXml.backingPath !== undefined) {
      problems.push(
        `disk ${target} (${vol.name}) is an overlay on ${volXml.backingPath}; deskfleet adopts whole disks`,
      );
      continue;
    }
    if (!(vol.pool in fleet.pools))
      fleet.pools[vol.pool] = await importPool(conn, vol.pool, problems);
    disks[target] = {
      pool: vol.pool,
      volume: vol.name,
      size: formatSize(volXml.capacity),
      keep: true,
    };
  }
  return disks;
}

async function volumeOf(conn: LibvirtClient, pool: string, volume: string) {
  const p = await conn.storagePoolLookupByName(pool).catch(() => undefined);
  return p ? conn.storageVolLookupByName(p, volume).catch(() => undefined) : undefined;
}

async function importPool(conn: LibvirtClient, name: string, problems: string[]): Promise<Entry> {
  checkName(name, "pool", problems);
  const ref = await conn.storagePoolLookupByName(name);
  let pool;
  try {
    pool = parsePoolXml(await conn.storagePoolGetXmlDesc(ref, 0));
  } catch (err) {
    problems.push(`pool ${name}: ${(err as Error).message} (deskfleet manages directory pools)`);
    return {};
  }
  const autostart = await conn.storagePoolGetAutostart(ref);
  return { path: pool.path, ...(autostart ? {} : { autostart }), adopt: true };
}

async function importNetwork(
  conn: LibvirtClient,
  name: string,
  problems: string[],
): Promise<Entry> {
  checkName(name, "network", problems);
  const ref = await conn.networkLookupByName(name);
  const text = await conn.networkGetXmlDesc(ref, NetworkXmlFlags.Inactive);
  const forward = attr(child(parseXml(text, "network"), "forward"), "mode");
  if (forward !== undefined && forward !== "nat") {
    problems.push(
      `network ${name} forwards by ${forward}; deskfleet manages isolated and NAT networks`,
    );
  }
  const net = parseNetworkXml(text);
  const autostart = await conn.networkGetAutostart(ref);
  return {
    mode: net.mode,
    address: net.address,
    ...(net.dhcp ? { dhcp: net.dhcp } : {}),
    ...(autostart ? {} : { autostart }),
    adopt: true,
  };
}

function checkName(name: string, what: string, problems?: string[]): void {
  if (NAME_PATTERN.test(name)) return;
  const message = `the ${what} name ${JSON.stringify(name)} is not one a fleet file takes: ${NAME_RULE}; rename it (virsh domrename / net-define) first`;
  if (problems) problems.push(message);
  else throw new ImportError([message]);
}

/** "win-11" → "win11": a stack config key for the guest's console password. */
function camel(name: string): string {
  return name.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase());
}

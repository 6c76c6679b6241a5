/**
 * deskfleet:libvirt:Network — a libvirt virtual network, isolated (no
 * <forward>) or NAT, with an IPv4 address and an optional DHCP range.
 *
 * Changes other than the name are applied in place. A DHCP range or fixed
 * addresses added, changed or removed are applied live (libvirt's network update: dnsmasq
 * reloads; the bridge and the guests' links and leases stay). Anything else
 * redefines the network under the same UUID and, if it is running, restarts
 * it. libvirt plugs no tap into the new bridge (a live update of the
 * interface does not either), so each running guest's interface on it is
 * unplugged and plugged in again with its MAC and PCI address: its link drops
 * for a moment (0.3 s measured on 9.0). The preview names those guests.
 *
 * A network found stopped (`virsh net-destroy`) is read as `active: false` and
 * started again by the next `up`. One that already exists with this name and
 * exactly the declared mode, address, DHCP range and bridge (left by an
 * interrupted create, or from an earlier stack) is adopted; one that differs
 * is an error that says how.
 */
import { z } from "zod";
import type { LibvirtClient, NetworkRef } from "../../libvirt";
import type { DomainRef } from "../../libvirt";
import {
  DomainAffect,
  getConnection,
  NetworkUpdateCommand,
  NetworkUpdateFlags,
  NetworkUpdateSection,
  NetworkXmlFlags,
  uuidFromString,
  uuidToString,
} from "../../libvirt";
import { replugs } from "../../xml/hotplug";
import { runningGuests } from "./runningGuests";
import { defaultUri } from "../config";
import { changedProperties, diffInputs } from "../diff";
import { validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { allOrNothing, doing, ignoreNotFound, uriOf } from "../kind";
import { libvirtName } from "../names";
import { buildNetworkXml, dhcpHostXml, parseNetworkXml } from "../../xml/network";

export const NETWORK = "deskfleet:libvirt:Network";

const ipv4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, "expected an IPv4 address");

const schema = z.object({
  uri: z.string().min(1).default(defaultUri),
  name: libvirtName,
  mode: z.enum(["isolated", "nat"]).default("isolated"),
  bridge: z.string().min(1).max(15).optional(),
  address: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/, 'expected "address/prefix"'),
  dhcp: z
    .object({
      start: ipv4,
      end: ipv4,
      /** Fixed addresses: dnsmasq leases `ip` to `mac` only, under the host name `name`. */
      hosts: z
        .array(
          z.object({
            name: z.string().min(1),
            mac: z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, "expected a lower-case MAC"),
            ip: ipv4,
          }),
        )
        .optional(),
    })
    .optional(),
  autostart: z.boolean().default(true),
  /** Running. Always declared true; read says what is. */
  active: z.boolean().default(true),
});

export type NetworkInputs = z.infer<typeof schema> & HostInputs;
/** What a program passes (provider/sdk.ts): defaults may be left out. */
export type NetworkInputsDeclared = z.input<typeof schema>;

/** The input properties, the only ones diff and update compare. */
const INPUTS = Object.keys(schema.shape);

/** Properties that live in the network's XML (the rest is autostart). */
const XML_PROPERTIES = ["mode", "bridge", "address", "dhcp"];

export const network: ResourceKind<NetworkInputs> = {
  token: NETWORK,

  check(_olds, news) {
    const result = validateInputs(schema, news);
    // No fixed addresses is written as none at all, as libvirt's XML reads back.
    const { dhcp } = result.inputs;
    if (dhcp?.hosts?.length === 0) {
      const { hosts: _none, ...range } = dhcp;
      return { ...result, inputs: { ...result.inputs, dhcp: range } };
    }
    return result;
  },

  diff: (_id, olds, news) =>
    diffInputs(olds, news, {
      inputs: INPUTS,
      replaceOn: ["uri", "name"],
      deleteBeforeReplace: true,
    }),

  async create(inputs) {
    const conn = await getConnection(inputs.uri);
    const what = `create network "${inputs.name}"`;
    const net = await doing(what, async () => {
      const existing = await conn.networkLookupByName(inputs.name).catch(ignoreNotFound);
      if (existing) return adopt(conn, existing, inputs);
      return allOrNothing(async (onUndo) => {
        const defined = await conn.networkDefineXml(buildNetworkXml(inputs));
        onUndo(() => conn.networkUndefine(defined));
        await conn.networkCreate(defined);
        onUndo(() => conn.networkDestroy(defined));
        await conn.networkSetAutostart(defined, inputs.autostart);
        return defined;
      });
    });
    return { id: uuidToString(net.uuid), outs: await outputs(conn, net, inputs) };
  },

  async read(id, state) {
    const conn = await getConnection(uriOf(state));
    const net = await conn.networkLookupByUuid(uuidFromString(id)).catch(ignoreNotFound);
    if (!net) return undefined;
    const xml = parseNetworkXml(await conn.networkGetXmlDesc(net, NetworkXmlFlags.Inactive));
    const inputs: NetworkInputs = {
      uri: uriOf(state),
      name: xml.name,
      mode: xml.mode,
      address: xml.address,
      autostart: await conn.networkGetAutostart(net),
      active: await conn.networkIsActive(net),
      // libvirt names a bridge when none was declared; only a declared one is compared.
      ...(state.bridge !== undefined ? { bridge: xml.bridge } : {}),
      ...(xml.dhcp ? { dhcp: xml.dhcp } : {}),
    };
    return { props: await outputs(conn, net, inputs), inputs };
  },

  // What a change does to the guests on the network, in the preview.
  async explain(olds, news) {
    if (typeof olds.name !== "string") return undefined;
    const before = olds as unknown as NetworkInputs;
    const changed = changedProperties(before, news, XML_PROPERTIES);
    if (changed.length === 0) return undefined;
    const what = changed.map((p) =>
      p === "dhcp"
        ? describeDhcp(before.dhcp, news.dhcp)
        : `${p} ${describe(before, p)} → ${describe(news, p)}`,
    );
    if (changed.length === 1 && changed[0] === "dhcp") {
      return `network ${news.name}: ${what.join(", ")} (live: dnsmasq reloads; links and leases stay)`;
    }
    const conn = await getConnection(news.uri);
    const guests = await guestsOn(conn, olds.name);
    const cut =
      guests.length > 0
        ? `; its running guests (${guests.map((g) => g.dom.name).join(", ")}) are unplugged and plugged in again: their link drops for a moment`
        : "";
    return `network ${news.name}: ${what.join(", ")} (restart: the network stops and starts again${cut})`;
  },

  async update(id, olds, news) {
    const conn = await getConnection(news.uri);
    const net = await conn.networkLookupByUuid(uuidFromString(id));
    const changed = changedProperties(olds, news, INPUTS).filter((p) => XML_PROPERTIES.includes(p));
    if (changed.length > 0) {
      await doing(`update network "${news.name}"`, async () => {
        const active = await conn.networkIsActive(net);
        const live = active && changed.length === 1 && changed[0] === "dhcp";
        if (live && (await updateDhcpLive(conn, net, olds.dhcp, news.dhcp))) return;
        // The bridge libvirt named keeps its name (a new definition without one gets the next).
        const current = parseNetworkXml(
          await conn.networkGetXmlDesc(net, NetworkXmlFlags.Inactive),
        );
        const bridge = news.bridge ?? (current.bridge || undefined);
        await conn.networkDefineXml(
          buildNetworkXml({ ...news, uuid: id, ...(bridge !== undefined ? { bridge } : {}) }),
        );
        if (active) {
          const guests = await guestsOn(conn, olds.name);
          await conn.networkDestroy(net);
          await conn.networkCreate(net);
          await replugGuests(conn, news.name, guests);
        }
      });
    }
    if (changedProperties(olds, news, ["autostart"]).length > 0) {
      await conn.networkSetAutostart(net, news.autostart);
    }
    if (news.active && !(await conn.networkIsActive(net))) {
      await doing(`start network "${news.name}"`, () => conn.networkCreate(net));
    }
    return outputs(conn, net, news);
  },

  async delete(id, state) {
    const conn = await getConnection(uriOf(state));
    await doing(`delete network "${String(state.name)}"`, async () => {
      const net = await conn.networkLookupByUuid(uuidFromString(id)).catch(ignoreNotFound);
      if (!net) return;
      if (await conn.networkIsActive(net)) await conn.networkDestroy(net);
      await conn.networkUndefine(net);
    });
  },
};

/**
 * An existing network is adopted when it is exactly what create would make;
 * otherwise the error names what differs and how to resolve it.
 */
async function adopt(
  conn: LibvirtClient,
  net: NetworkRef,
  inputs: NetworkInputs,
): Promise<NetworkRef> {
  const xml = parseNetworkXml(await conn.networkGetXmlDesc(net, NetworkXmlFlags.Inactive));
  const found = {
    mode: xml.mode,
    address: xml.address,
    dhcp: xml.dhcp,
    ...(inputs.bridge !== undefined ? { bridge: xml.bridge } : {}),
  };
  const declared = {
    mode: inputs.mode,
    address: inputs.address,
    dhcp: inputs.dhcp,
    ...(inputs.bridge !== undefined ? { bridge: inputs.bridge } : {}),
  };
  const differs = changedProperties(found, declared);
  if (differs.length > 0) {
    throw new Error(
      `a network with this name already exists on ${inputs.uri} and differs in ${differs.join(", ")}; ` +
        `declare it as it is to adopt it, or remove it (virsh net-destroy ${inputs.name}; virsh net-undefine ${inputs.name})`,
    );
  }
  if (!(await conn.networkIsActive(net))) await conn.networkCreate(net);
  await conn.networkSetAutostart(net, inputs.autostart);
  return net;
}

type Dhcp = NetworkInputs["dhcp"];

function describe(inputs: Partial<NetworkInputs>, property: string): string {
  const value = (inputs as Record<string, unknown>)[property];
  if (value === undefined) return "none";
  return typeof value === "string" ? value : JSON.stringify(value);
}

const rangeXml = (r: NonNullable<Dhcp>) => `<range start='${r.start}' end='${r.end}'/>`;

type Host = NonNullable<NonNullable<Dhcp>["hosts"]>[number];
const sameHost = (a: Host) => (b: Host) => a.name === b.name && a.mac === b.mac && a.ip === b.ip;
const sameRange = (a: Dhcp, b: Dhcp) => a?.start === b?.start && a?.end === b?.end;

/** The fixed addresses `after` has and `before` has not, and the other way round. */
function hostChanges(before: Dhcp, after: Dhcp): { added: Host[]; removed: Host[] } {
  const [b, a] = [before?.hosts ?? [], after?.hosts ?? []];
  return {
    added: a.filter((h) => !b.some(sameHost(h))),
    removed: b.filter((h) => !a.some(sameHost(h))),
  };
}

/** `dhcp 10.0.0.100-10.0.0.200 → …, fixed address mail 52:54:00:…:10 → 10.0.0.10 added`. */
function describeDhcp(before: Dhcp, after: Dhcp): string {
  const range = (d: Dhcp) => (d ? `${d.start}-${d.end}` : "none");
  const host = (h: Host) => `fixed address ${h.name} ${h.mac} → ${h.ip}`;
  const { added, removed } = hostChanges(before, after);
  return [
    ...(sameRange(before, after) ? [] : [`dhcp ${range(before)} → ${range(after)}`]),
    ...added.map((h) => `${host(h)} added`),
    ...removed.map((h) => `${host(h)} removed`),
  ].join(", ");
}

/**
 * Changes the running network's DHCP range and fixed addresses through
 * libvirt's network update, live and in its definition: a new range in
 * before the old one goes, so dnsmasq always serves one; fixed addresses that
 * go out before new ones come in (one MAC or address may move between them).
 * False when libvirt refuses (the caller then restarts the network).
 */
async function updateDhcpLive(
  conn: LibvirtClient,
  net: NetworkRef,
  before: Dhcp,
  after: Dhcp,
): Promise<boolean> {
  const flags = NetworkUpdateFlags.AffectLive | NetworkUpdateFlags.AffectConfig;
  const edit = (command: NetworkUpdateCommand, section: NetworkUpdateSection, xml: string) =>
    conn.networkUpdate(net, command, section, -1, xml, flags);
  const { AddLast, Delete } = NetworkUpdateCommand;
  const { IpDhcpRange, IpDhcpHost } = NetworkUpdateSection;
  const { added, removed } = hostChanges(before, after);
  const rangeChanges = !sameRange(before, after);
  try {
    if (rangeChanges && after !== undefined) await edit(AddLast, IpDhcpRange, rangeXml(after));
    for (const h of removed) await edit(Delete, IpDhcpHost, dhcpHostXml(h));
    for (const h of added) await edit(AddLast, IpDhcpHost, dhcpHostXml(h));
    if (rangeChanges && before !== undefined) await edit(Delete, IpDhcpRange, rangeXml(before));
    return true;
  } catch {
    return false;
  }
}

/** The running guests with an interface on the network, and those interfaces. */
async function guestsOn(
  conn: LibvirtClient,
  name: string,
): Promise<{ dom: DomainRef; replugs: ReturnType<typeof replugs> }[]> {
  const running = await runningGuests(conn);
  return running
    .map(({ dom, xml }) => ({ dom, replugs: replugs(xml, name) }))
    .filter((g) => g.replugs.length > 0);
}

/**
 * Plugs the guests' interfaces into the restarted network (libvirt plugs no
 * tap into the new bridge by itself): each is unplugged and plugged in again
 * with its MAC and address. Throws, naming them, for guests that refused.
 */
async function replugGuests(
  conn: LibvirtClient,
  network: string,
  guests: Awaited<ReturnType<typeof guestsOn>>,
): Promise<void> {
  const refused: string[] = [];
  for (const { dom, replugs } of guests) {
    for (const nic of replugs) {
      try {
        await conn.domainDetachDevice(dom, nic.unplug, DomainAffect.Live);
        await conn.domainAttachDevice(dom, nic.plug, DomainAffect.Live);
      } catch (err) {
        refused.push(`${dom.name} (${err instanceof Error ? err.message : String(err)})`);
      }
    }
  }
  if (refused.length > 0) {
    throw new Error(
      `network "${network}" restarted, but these running guests could not be plugged in again and ` +
        `have no link until they restart: ${refused.join(", ")}`,
    );
  }
}

async function outputs(conn: LibvirtClient, net: NetworkRef, inputs: NetworkInputs) {
  const live = parseNetworkXml(await conn.networkGetXmlDesc(net, 0));
  return { ...inputs, uuid: uuidToString(net.uuid), bridgeName: live.bridge };
}

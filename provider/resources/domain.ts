/**
 * deskfleet:libvirt:Domain — a guest: memory, vcpus, machine, firmware,
 * disks (pool volumes), interfaces, a logged serial console, loopback-only
 * graphics, autostart and whether it runs.
 *
 * Config changes are applied in place by redefining the domain under the same
 * UUID (a new name renames it in place: domainRename.ts). A running guest
 * takes what it can live (memory up to maxMemory, vCPUs up to maxVcpus, disks
 * and interfaces plugged in or out); what needs a restart waits for one under `restart: never`
 * (recorded on the running guest, shown in previews and outputs) or restarts
 * it gracefully under `restart: allowed` (domainChanges.ts decides). MACs
 * libvirt assigned are kept across redefinitions so a guest keeps its DHCP
 * address.
 *
 * A new guest's UUID and undeclared MACs are derived from its Pulumi URN, so
 * a guest that is undefined behind deskfleet's back (or destroyed and brought
 * back) comes back with the same MACs, DHCP address and kept TPM state. Its first definition
 * records that URN (OWNER_METADATA): a domain of that name found at create
 * is adopted only when it carries this resource's URN (left by an interrupted
 * create), and is otherwise an error that says what to do.
 */
import { z } from "zod";
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { createHash } from "node:crypto";
import {
  DomainAffect,
  DomainDeviceModifyFlags,
  DomainMemoryFlags,
  DomainUndefineFlags,
  DomainVcpuFlags,
  DomainXmlFlags,
  getConnection,
  uuidFromString,
  uuidToString,
} from "../../libvirt";
import { defaultUri } from "../config";
import { changedProperties, diffInputs } from "../diff";
import type { CheckFailure } from "../inputs";
import { deepEqual, validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { allOrNothing, doing, ignoreNotFound, uriOf } from "../kind";
import { libvirtName } from "../names";
import { pickDevices } from "../../xml/devices";
import { guestSettingsFields, settingsConflicts } from "../../xml/guestSettings";
import type { ParsedDomain } from "../../xml/domain";
import {
  DEFINITION_WITH_SECRETS,
  buildDomainXml,
  cdromMediaUpdates,
  fragmentsIn,
  machineMatches,
  memoryMatches,
  parseDomainXml,
  sameVolume,
} from "../../xml/domain";
import { dropNvram } from "../../snapshots/nvramCopy";
import { undeclaredDevices, unmodeledDevices } from "../../xml/unmodeled";
import {
  OWNER_METADATA,
  RESTART_PENDING_METADATA,
  ownerMetadataNode,
  parseOwnerXml,
  parseRestartPendingXml,
  restartPendingXml,
} from "../../xml/metadata";
import { readMetadataElement, writeLiveMetadataElement } from "../../xml/domainMetadata";
import type { ChangePlan } from "./domainChanges";
import { changeNote, planGuestChange, REPLACED_ON } from "./domainChanges";
import type { DomainDevices } from "../../xml/hotplug";
import { hotplugs } from "../../xml/hotplug";
import { nvramToKeep, renameGuest } from "./domainRename";
import { resolveDisks } from "./diskChains";
import { shutDownGracefully, startGuest, stateName } from "../../guests/lifecycle";
import { moveGuest, moveNote, surveyMove } from "./domainMove";
import { liveMoveFigures, liveMoveNote, liveMoveRefusal, moveGuestLive } from "./liveMove";
import type { LiveGuest } from "./liveMove";
import { disksToRebuild, mergeExternalSnapshots, rebuildDisks, rebuildNote } from "./domainRebuild";
import { pendingChange } from "./pendingChange";
import type { PendingChange } from "./pendingChange";
import { noteOnResource, statusOnResource } from "../engineLog";
import { guestAddresses, waitUntilReady } from "../../guests/readiness";

export const DOMAIN = "deskfleet:libvirt:Domain";

const schema = z.object({
  uri: z.string().min(1).default(defaultUri),
  name: libvirtName,
  memory: z
    .number()
    .int()
    .min(16 * 1024 * 1024, "must be at least 16 MiB (in bytes)"),
  /** The balloon's ceiling in bytes: memory can be raised to it while the guest runs. */
  maxMemory: z.number().int().optional(),
  machine: z.string().min(1).default("pc"),
  disks: z
    .array(
      z.object({
        pool: libvirtName,
        volume: z.string().min(1),
        format: z.enum(["qcow2", "raw"]).default("qcow2"),
        /**
         * Whether its volume stays when the disk leaves the fleet (the Volume's retainOnDelete):
         * only what the preview says of a removal, never a change to the guest itself.
         */
        keep: z.boolean().optional(),
        /**
         * The base volume (in the same pool) an overlay disk was made on: a new one rebuilds the
         * disk on it (domainRebuild.ts). As deskfleet last made it, not read from the host.
         */
        base: z.string().min(1).optional(),
      }),
    )
    .max(26)
    .default([]),
  /** Install media: pool volumes attached read-only as CD-ROMs, booted after the disks. */
  cdroms: z
    .array(z.object({ pool: libvirtName, volume: z.string().min(1) }))
    .max(4)
    .default([]),
  interfaces: z
    .array(
      z.object({
        network: libvirtName,
        mac: z
          .string()
          .regex(
            /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/,
            "expected a lower-case MAC like 52:54:00:12:34:56",
          )
          .optional(),
      }),
    )
    .default([]),
  /** The console's password; without one, only the console's loopback address guards it. */
  graphicsPassword: z.string().min(1).optional(),
  /**
   * The URI of the host the guest leaves (the fleet's `movedFrom`): the acknowledgement the
   * moves-are-acknowledged policy asks of a move. Changes nothing on the guest.
   */
  movedFrom: z.string().min(1).optional(),
  ...guestSettingsFields,
  /**
   * Has a definition. Always declared true; read says what is: a running guest undefined
   * behind deskfleet's back goes on running as a transient domain, and would vanish at its next
   * shutdown, so the next `up` defines it again.
   */
  persistent: z.boolean().default(true),
});

export type DomainInputs = z.infer<typeof schema> &
  HostInputs & {
    /** Added by check for the policies, never declared (pendingChange.ts). */
    pendingChange?: PendingChange;
  };
/** What a program passes (provider/sdk.ts): defaults may be left out. */
export type DomainInputsDeclared = z.input<typeof schema>;

/** VNC's authentication uses at most 8 characters of a password; QEMU would drop the rest silently. */
const VNC_PASSWORD_MAX = 8;

/** The input properties, the only ones diff and update compare. */
const INPUTS = Object.keys(schema.shape);

/** The persistent config rather than the running one. */
const XML_INACTIVE = DomainXmlFlags.Inactive;
/**
 * Undefine drops managed save and snapshot metadata (internal snapshots stay
 * in the qcow2 files) with the definition; disks are volumes of their own.
 * NVRAM and TPM state go too only when the guest does not keep them.
 */
export function undefineFlags(keepFirmwareState: boolean): number {
  const base = DomainUndefineFlags.ManagedSave | DomainUndefineFlags.SnapshotsMetadata;
  return keepFirmwareState
    ? base | DomainUndefineFlags.KeepNvram | DomainUndefineFlags.KeepTpm
    : base | DomainUndefineFlags.Nvram | DomainUndefineFlags.Tpm;
}

export const domain: ResourceKind<DomainInputs> = {
  token: DOMAIN,
  secrets: ["graphicsPassword"],

  check(olds, news) {
    const result: { inputs: DomainInputs; failures: CheckFailure[] } = validateInputs(schema, news);
    const { graphics, graphicsPassword } = result.inputs;
    if (graphicsPassword !== undefined && graphics === "none") {
      result.failures.push({
        property: "graphicsPassword",
        reason: "a console password needs graphics vnc or spice",
      });
    }
    if (graphics === "vnc" && (graphicsPassword?.length ?? 0) > VNC_PASSWORD_MAX) {
      result.failures.push({
        property: "graphicsPassword",
        reason: `VNC uses at most ${VNC_PASSWORD_MAX} characters of a password; choose a shorter one or graphics spice`,
      });
    }
    const { memory, maxMemory } = result.inputs;
    if (maxMemory !== undefined && maxMemory < memory) {
      result.failures.push({ property: "maxMemory", reason: "must not be below memory" });
    }
    if (result.failures.length === 0) {
      const interfaceCount = result.inputs.interfaces.length;
      result.failures.push(...settingsConflicts({ ...result.inputs, interfaceCount }));
    }
    const pending = result.failures.length === 0 ? pendingChange(olds, result.inputs) : undefined;
    if (pending !== undefined) result.inputs.pendingChange = pending;
    return result;
  },

  diff(_id, olds, news) {
    const result = diffInputs(olds, sameDiskOrder(olds, news), {
      inputs: INPUTS,
      replaceOn: REPLACED_ON,
      deleteBeforeReplace: true,
    });
    // A disk on a new base is no change to the definition, but a rebuild to do.
    return disksToRebuild(olds, news).length > 0 ? { ...result, changes: true } : result;
  },

  async validate(inputs, olds) {
    const failures: CheckFailure[] = [];
    const before = olds as Partial<DomainInputs>;
    if (inputs.move === "live" && typeof before.uri === "string" && before.uri !== inputs.uri) {
      const refusal = await liveRefusalFromHosts(before as DomainInputs, inputs);
      if (refusal !== undefined) failures.push({ property: "move", reason: refusal });
    }
    if (inputs.pciDevices.length === 0) return failures;
    const conn = await getConnection(inputs.uri);
    for (const address of inputs.pciDevices) {
      const name = `pci_${address.replace(/[:.]/g, "_")}`;
      const found = await conn.nodeDeviceLookupByName(name).catch(ignoreNotFound);
      if (found === undefined) {
        failures.push({
          property: "pciDevices",
          reason: `${inputs.uri} has no PCI device ${address} (lspci -D on the host lists its devices)`,
        });
      }
    }
    return failures;
  },

  // How each change lands on the guest, and what a removal or replacement would do to the
  // state that lives beside the disks.
  async explain(olds, news) {
    const before = olds as unknown as DomainInputs;
    const moving = typeof olds.uri === "string" && olds.uri !== news.uri;
    const notes = [
      moving ? await moveNoteFromHosts(before, news) : undefined,
      typeof olds.name === "string" && !moving
        ? await rebuildNoteFromHost(before, news)
        : undefined,
      typeof olds.name === "string" ? await changeNoteFromHost(before, news) : undefined,
      firmwareStateNote(news),
    ];
    return notes.filter((n) => n !== undefined).join("\n") || undefined;
  },

  async create(inputs, urn) {
    const conn = await getConnection(inputs.uri);
    const dom = await doing(`create guest "${inputs.name}"`, async () => {
      const existing = await conn.domainLookupByName(inputs.name).catch(ignoreNotFound);
      if (existing) return adopt(conn, existing, inputs, urn);
      return allOrNothing(async (onUndo) => {
        const defined = await conn.domainDefineXml(
          buildDomainXml(model(inputs, undefined, urn)),
          0,
        );
        onUndo(() => conn.domainUndefine(defined, undefineFlags(false)));
        await conn.domainSetAutostart(defined, inputs.autostart);
        if (inputs.running) {
          await startGuest(conn, defined);
          onUndo(() => conn.domainDestroy(defined, 0));
          await untilReady(conn, defined, inputs);
        }
        return defined;
      });
    });
    return { id: uuidToString(dom.uuid), outs: await outputs(conn, dom, inputs) };
  },

  async read(id, state) {
    const conn = await getConnection(uriOf(state));
    const dom = await conn.domainLookupByUuid(uuidFromString(id)).catch(ignoreNotFound);
    if (!dom) return undefined;
    const declared = state as Partial<DomainInputs>;
    // Pulumi's import reads with no state: the guest as it is, all of it, is what is declared
    // (what `deskfleet import` writes into the fleet file, so that the two agree).
    const importing = declared.name === undefined;
    const text = await conn.domainGetXmlDesc(dom, DEFINITION_WITH_SECRETS);
    const xml = await resolvedDefinition(conn, text, declared.disks ?? []);
    const inputs: DomainInputs = {
      uri: uriOf(state),
      name: xml.name,
      type: xml.type,
      memory:
        declared.memory !== undefined && memoryMatches(declared.memory, xml.memory)
          ? declared.memory
          : xml.memory,
      ...ceilings(declared, xml),
      vcpus: xml.vcpus,
      machine:
        declared.machine && machineMatches(declared.machine, xml.machine)
          ? declared.machine
          : xml.machine,
      firmware: xml.firmware,
      // Seen only on a disk or an interface: a guest with none has what it declared.
      diskBus: xml.disks.length > 0 ? xml.diskBus : (declared.diskBus ?? "virtio"),
      nicModel: xml.interfaces.length > 0 ? xml.nicModel : (declared.nicModel ?? "virtio"),
      // Overlays of external snapshots are the declared volume: no change to show.
      disks: inDeclaredOrder(
        xml.disks.map(({ pool, volume, format }) => ({
          pool,
          volume,
          format,
          ...keepOf({ pool, volume }, declared.disks ?? []),
          ...baseOf({ pool, volume }, declared.disks ?? []),
        })),
        declared.disks ?? [],
      ),
      cdroms: xml.cdroms,
      interfaces: declaredInterfaces(xml, declared.interfaces ?? (importing ? xml.interfaces : [])),
      graphics: xml.graphics,
      // Seen only on a console: a guest without one has what it declared.
      graphicsListen:
        xml.graphics !== "none" ? xml.graphicsListen : (declared.graphicsListen ?? "loopback"),
      ...(xml.graphicsPassword !== undefined ? { graphicsPassword: xml.graphicsPassword } : {}),
      running: await conn.domainIsActive(dom),
      autostart: await conn.domainGetAutostart(dom),
      shutdownTimeout: declared.shutdownTimeout ?? 60,
      move: declared.move ?? "cold",
      restart: declared.restart ?? "never",
      restartGeneration: declared.restartGeneration ?? 0,
      rebuild: declared.rebuild ?? 0,
      keepFirmwareState: declared.keepFirmwareState ?? true,
      // What deskfleet does, not what the guest is: as declared.
      waitFor: declared.waitFor ?? "none",
      waitTimeout: declared.waitTimeout ?? 300,
      xml: importing
        ? { devices: unmodeledDevices(text), elements: [] }
        : declaredXml(text, declared),
      ...pickDevices(xml),
      // libvirt's own choices where the guest left them to it.
      video: !importing && (declared.video ?? "auto") === "auto" ? "auto" : xml.video,
      cpu: !importing && (declared.cpu ?? "default") === "default" ? "default" : xml.cpu,
      persistent: await conn.domainIsPersistent(dom),
    };
    return { props: await outputs(conn, dom, inputs), inputs };
  },

  async update(id, olds, news, urn) {
    if (uriOf(olds) !== news.uri) return move(id, olds, news, urn);
    const conn = await getConnection(news.uri);
    const dom = await conn.domainLookupByUuid(uuidFromString(id));
    await doing(`update guest "${news.name}"`, async () => {
      const rebuilding = disksToRebuild(olds, news);
      if (rebuilding.length > 0) {
        await doing("rebuild its disks", () => rebuildDisks(conn, dom, rebuilding, news));
      }
      const active = await conn.domainIsActive(dom);
      const pending = active ? await restartPendingOf(conn, dom) : [];
      const plan = planGuestChange(olds, sameDiskOrder(olds, news), INPUTS, { active, pending });
      // libvirt renames a shut-off guest only: one that restarts now is renamed while it is off.
      const renaming = olds.name !== news.name;
      let running = active;
      if (renaming && active && (plan.restartNow || !news.running)) {
        await shutDownGracefully(conn, dom, news.shutdownTimeout, news.guestAgent);
        running = false;
      }
      if (plan.redefine || !(await conn.domainIsPersistent(dom))) {
        let current = await currentDefinition(conn, dom, XML_INACTIVE, olds.disks ?? []);
        if (renaming && !running)
          current = await renameGuest(conn, dom, news.uri, current, news.name);
        // A running guest keeps its name until it restarts (pending, like any restart change).
        const name = running ? current.name : news.name;
        await conn.domainDefineXml(
          buildDomainXml({ ...model({ ...news, name }, current), uuid: id }),
          0,
        );
      }
      const refused = await applyLive(conn, dom, plan.live, news);
      if (changedProperties(olds, news, ["autostart"]).length > 0) {
        await conn.domainSetAutostart(dom, news.autostart);
      }
      if (running && (plan.restartNow || !news.running)) {
        await shutDownGracefully(conn, dom, news.shutdownTimeout, news.guestAgent);
      }
      if (news.running && (plan.restartNow || !active)) await startGuest(conn, dom);
      const waiting = [...new Set([...plan.pendingAfter, ...refused])].sort();
      if (active && !plan.restartNow && news.running && !deepEqual(waiting, pending)) {
        const xml = waiting.length > 0 ? restartPendingXml(waiting) : null;
        await writeLiveMetadataElement(conn, dom, RESTART_PENDING_METADATA, xml);
      }
      if (news.running) await untilReady(conn, dom, news);
    });
    return outputs(conn, dom, news);
  },

  async delete(id, state) {
    const conn = await getConnection(uriOf(state));
    await doing(`delete guest "${String(state.name)}"`, async () => {
      const dom = await conn.domainLookupByUuid(uuidFromString(id)).catch(ignoreNotFound);
      if (!dom) return;
      const timeout = typeof state.shutdownTimeout === "number" ? state.shutdownTimeout : 60;
      // The NVRAM kept beside its snapshots goes with their metadata (dropped by the undefine).
      const snapshots = await conn.domainListAllSnapshots(dom, 0);
      await dropNvram(
        conn,
        dom,
        snapshots.map((s) => s.name),
      );
      await mergeExternalSnapshots(conn, dom);
      const agent = state.guestAgent === true;
      if (await conn.domainIsActive(dom)) await shutDownGracefully(conn, dom, timeout, agent);
      // Disks are volumes of their own (retained or not by their own rule), never removed here.
      const keep = state.keepFirmwareState !== false;
      await conn.domainUndefine(dom, undefineFlags(keep));
    });
  },
};

/**
 * The preview's note on a UEFI or TPM guest's firmware state: when removing
 * it deletes its NVRAM and TPM state.
 */
export function firmwareStateNote(news: DomainInputs): string | undefined {
  const state = [
    ...(news.firmware === "uefi" ? ["NVRAM (UEFI variables)"] : []),
    ...(news.tpm ? ["TPM state (BitLocker keys, for a Windows guest)"] : []),
  ];
  if (state.length === 0) return undefined;
  const what = state.join(" and ");
  // A new name renames the guest in place and a new host moves it: its state goes with it.
  if (!news.keepFirmwareState) {
    return `guest ${news.name}: keepFirmwareState is false, so removing it deletes its ${what}`;
  }
  return undefined;
}

/**
 * The XML model for `inputs`, keeping MACs libvirt assigned to undeclared ones
 * and the metadata (snapshot schedule, owner, other tools') of the current
 * definition. A first definition (`urn` given) records its owner and derives
 * undeclared MACs from the URN.
 */
function model(inputs: DomainInputs, current?: ParsedDomain, urn?: string) {
  const metadata = {
    ...(current?.metadata ?? {}),
    ...(urn !== undefined ? ownerMetadataNode(urn) : {}),
  };
  const nvram = current && nvramToKeep(inputs.uri, current);
  return {
    ...inputs,
    ...(urn !== undefined ? { uuid: uuidFor(urn) } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata } : {}),
    disks: inputs.disks.map((d) => {
      const now = current?.disks.find(sameVolume(d));
      return {
        ...d,
        // The disk still writes through its snapshots' overlay: dropping it would lose what
        // was written since the newest one.
        ...(now?.overlay !== undefined ? { overlay: now.overlay } : {}),
        // The same device in the guest (vdb stays vdb), wherever the fleet file lists it.
        ...(now?.slot !== undefined ? { slot: now.slot } : {}),
      };
    }),
    ...(nvram !== undefined ? { nvram } : {}),
    consoleLog: consoleLogPath(inputs.name),
    interfaces: inputs.interfaces.map((n, i) => ({
      network: n.network,
      mac: n.mac ?? current?.interfaces[i]?.mac ?? (urn !== undefined ? macFor(urn, i) : undefined),
    })),
  };
}

/**
 * A stable MAC for interface `index` of the resource `urn`, in QEMU's
 * locally administered 52:54:00 range (as libvirt assigns them).
 */
export function macFor(urn: string, index: number): string {
  const h = createHash("sha256").update(`${urn}#${index}`).digest();
  return ["52", "54", "00", ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, "0"))].join(
    ":",
  );
}

/**
 * A stable UUID for the resource `urn` (RFC 4122 layout, version 4 bits): a
 * guest made again after a delete gets the UUID it had, and with it the TPM
 * state swtpm kept under that UUID.
 */
export function uuidFor(urn: string): string {
  const h = createHash("sha256").update(`${urn}#uuid`).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  const groups = [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20)];
  return [...groups, hex.slice(20, 32)].join("-");
}

/** The URN recorded as the domain's owner, or undefined when it has none. */
async function ownerOf(conn: LibvirtClient, dom: DomainRef): Promise<string | undefined> {
  const xml = await readMetadataElement(conn, dom, OWNER_METADATA);
  return xml === undefined ? undefined : parseOwnerXml(xml);
}

/**
 * Takes over `dom`, found under the declared name at create, when this
 * resource made it (an interrupted create): redefined as declared under its
 * UUID, with its MACs, and started or stopped as declared.
 */
async function adopt(
  conn: LibvirtClient,
  dom: DomainRef,
  inputs: DomainInputs,
  urn: string,
): Promise<DomainRef> {
  const owner = await ownerOf(conn, dom);
  if (owner !== urn) {
    const who = owner === undefined ? "was not made by deskfleet" : `belongs to ${owner}`;
    throw new Error(
      `a domain with this name already exists on ${inputs.uri} and ${who}; ` +
        `rename the guest in the fleet, or remove the domain (virsh undefine ${inputs.name}) if it is not needed`,
    );
  }
  const current = await currentDefinition(conn, dom, XML_INACTIVE, inputs.disks);
  const uuid = uuidToString(dom.uuid);
  await conn.domainDefineXml(buildDomainXml({ ...model(inputs, current), uuid }), 0);
  await conn.domainSetAutostart(dom, inputs.autostart);
  const active = await conn.domainIsActive(dom);
  if (inputs.running && !active) await startGuest(conn, dom);
  if (!inputs.running && active) {
    await shutDownGracefully(conn, dom, inputs.shutdownTimeout, inputs.guestAgent);
  }
  if (inputs.running) await untilReady(conn, dom, inputs);
  return dom;
}

/** The definition as libvirt has it, each disk resolved to the volume it writes through. */
async function currentDefinition(
  conn: LibvirtClient,
  dom: DomainRef,
  flags: number,
  declared: DomainInputs["disks"],
): Promise<ParsedDomain> {
  return resolvedDefinition(conn, await conn.domainGetXmlDesc(dom, flags), declared);
}

async function resolvedDefinition(
  conn: LibvirtClient,
  xml: string,
  declared: DomainInputs["disks"],
): Promise<ParsedDomain> {
  const parsed = parseDomainXml(xml);
  return { ...parsed, disks: await resolveDisks(conn, parsed.disks, declared) };
}

/**
 * `news` with its disks in the order of `olds` where they are the same disks,
 * and with the `keep` and `base` they had: neither a reorder nor a new `keep`
 * changes the guest (a new `base` rebuilds a disk: update does that first).
 */
function sameDiskOrder(olds: Partial<DomainInputs>, news: DomainInputs): DomainInputs {
  // A new base is a rebuild (domainRebuild.ts), not a change of the definition.
  const disks = inDeclaredOrder(news.disks, olds.disks ?? []).map(
    ({ keep: _keep, base: _base, ...d }) => ({
      ...d,
      ...keepOf(d, olds.disks ?? []),
      ...baseOf(d, olds.disks ?? []),
    }),
  );
  return { ...news, disks };
}

/** `{ base }` of the disk of `disks` that is the same volume as `disk`, where it has one. */
function baseOf(
  disk: { pool: string; volume: string },
  disks: readonly { pool: string; volume: string; base?: string }[],
): { base?: string } {
  const base = disks.find(sameVolume(disk))?.base;
  return base !== undefined ? { base } : {};
}

/** `{ keep }` of the disk of `disks` that is the same volume as `disk`, where it says. */
function keepOf(
  disk: { pool: string; volume: string },
  disks: readonly { pool: string; volume: string; keep?: boolean }[],
): { keep?: boolean } {
  const keep = disks.find(sameVolume(disk))?.keep;
  return keep !== undefined ? { keep } : {};
}

/**
 * The guest's disks in the order the fleet lists them (their devices keep the
 * order they were given in): a reordered file is no change. Disks the fleet
 * does not list follow, in device order.
 */
export function inDeclaredOrder<D extends { pool: string; volume: string }>(
  found: readonly D[],
  declared: readonly { pool: string; volume: string }[],
): D[] {
  const rest = [...found];
  const ordered = declared.flatMap((want) => {
    const at = rest.findIndex(sameVolume(want));
    return at < 0 ? [] : rest.splice(at, 1);
  });
  return [...ordered, ...rest];
}

/**
 * The verbatim XML as the definition has it: the declared fragments it still
 * has, and devices deskfleet does not model that the fleet does not declare
 * (added by hand: drift, which the next redefinition removes).
 */
function declaredXml(text: string, declared: Partial<DomainInputs>): DomainInputs["xml"] {
  const xml = declared.xml ?? { devices: [], elements: [] };
  const found = fragmentsIn(text, xml);
  return { ...found, devices: [...found.devices, ...undeclaredDevices(text, xml.devices)] };
}

/** The declared ceilings as libvirt has them: shown only where declared or where they differ. */
function ceilings(
  declared: Partial<DomainInputs>,
  xml: ParsedDomain,
): Pick<DomainInputs, "maxMemory" | "maxVcpus"> {
  const maxMemory =
    declared.maxMemory !== undefined
      ? memoryMatches(declared.maxMemory, xml.maxMemory)
        ? declared.maxMemory
        : xml.maxMemory
      : memoryMatches(xml.memory, xml.maxMemory)
        ? undefined
        : xml.maxMemory;
  const maxVcpus =
    declared.maxVcpus !== undefined || xml.maxVcpus !== xml.vcpus ? xml.maxVcpus : undefined;
  return {
    ...(maxMemory !== undefined ? { maxMemory } : {}),
    ...(maxVcpus !== undefined ? { maxVcpus } : {}),
  };
}

/** What the running guest's definition has that waits for its restart (recorded on it). */
async function restartPendingOf(conn: LibvirtClient, dom: DomainRef): Promise<string[]> {
  const xml = await readMetadataElement(
    conn,
    dom,
    RESTART_PENDING_METADATA,
    DomainAffect.Live,
  ).catch(() => undefined);
  return xml === undefined ? [] : parseRestartPendingXml(xml);
}

/**
 * Balloons the running guest's memory, hot-plugs its vCPUs, changes its
 * CD-ROMs' media and plugs its disks and interfaces in or out as planned (the
 * definition has them already). What the guest or QEMU refuses (no balloon
 * device, a vCPU that cannot be plugged, a locked tray, no free PCI slot, a
 * guest that does not let go of a device) waits for a restart instead: its names.
 */
async function applyLive(
  conn: LibvirtClient,
  dom: DomainRef,
  live: ChangePlan["live"],
  news: DomainInputs,
): Promise<string[]> {
  const refused: string[] = [];
  if (live.cdroms) {
    const changes = cdromMediaUpdates(await conn.domainGetXmlDesc(dom, 0), news.cdroms);
    for (const xml of changes) {
      await conn.domainUpdateDevice(dom, xml, DomainDeviceModifyFlags.Live).catch(() => {
        refused.push("cdroms");
      });
    }
  }
  if (live.devices) refused.push(...(await plugDevices(conn, dom, news.disks)));
  if (live.memory !== undefined) {
    const kib = BigInt(Math.ceil(live.memory / 1024));
    await conn.domainSetMemoryFlags(dom, kib, DomainMemoryFlags.Live).catch(() => {
      refused.push("memory");
    });
  }
  if (live.vcpus !== undefined) {
    await conn.domainSetVcpusFlags(dom, live.vcpus, DomainVcpuFlags.Live).catch(() => {
      refused.push("vcpus");
    });
  }
  return refused;
}

/**
 * Plugs disks and interfaces into or out of the running guest until it has
 * those of its definition. libvirt returns from an unplug once the guest was
 * asked (and waited a few seconds for it): a device still there afterwards
 * leaves when the guest restarts. Returns the kinds that wait for that.
 */
async function plugDevices(
  conn: LibvirtClient,
  dom: DomainRef,
  declared: DomainInputs["disks"],
): Promise<string[]> {
  const read = async (flags: number): Promise<DomainDevices> => {
    const xml = await conn.domainGetXmlDesc(dom, flags);
    return { xml, disks: (await resolvedDefinition(conn, xml, declared)).disks };
  };
  const defined = await read(XML_INACTIVE);
  const { unplug, plug } = hotplugs(await read(0), defined);
  const refused: string[] = [];
  for (const device of unplug) {
    await conn.domainDetachDevice(dom, device.xml, DomainAffect.Live).catch(() => {
      refused.push(device.kind);
    });
  }
  for (const device of plug) {
    // At the address its definition gave it where that is free in the running guest, else
    // where libvirt finds room (it moves to the defined one at the next start).
    await conn
      .domainAttachDevice(dom, device.xml, DomainAffect.Live)
      .catch(() => conn.domainAttachDevice(dom, device.anywhere, DomainAffect.Live))
      .catch(() => refused.push(device.kind));
  }
  if (unplug.length > 0) {
    refused.push(...hotplugs(await read(0), defined).unplug.map((d) => d.kind));
  }
  return refused;
}

/** The preview's note on an update: each change's class, asked of the guest as it is now. */
async function changeNoteFromHost(
  before: DomainInputs,
  news: DomainInputs,
): Promise<string | undefined> {
  const conn = await getConnection(before.uri);
  const dom = await conn.domainLookupByName(before.name).catch(ignoreNotFound);
  const active = dom !== undefined && (await conn.domainIsActive(dom));
  const pending = dom !== undefined && active ? await restartPendingOf(conn, dom) : [];
  const plan = planGuestChange(before, sameDiskOrder(before, news), INPUTS, { active, pending });
  return changeNote(news.name, plan);
}

/** Where virtlogd writes the guest's first serial port. */
export function consoleLogPath(name: string): string {
  return `/var/log/libvirt/qemu/${name}-console.log`;
}

/** Interfaces as declared: a MAC counts only where the user declared one. */
function declaredInterfaces(xml: ParsedDomain, declared: DomainInputs["interfaces"]) {
  return xml.interfaces.map((n, i) =>
    declared[i]?.mac !== undefined ? { network: n.network, mac: n.mac } : { network: n.network },
  );
}

/**
 * Waits until the running guest is ready as its `waitFor` says, with its MACs
 * as libvirt has them (the definition is read only when there is a wait).
 */
async function untilReady(conn: LibvirtClient, dom: DomainRef, inputs: DomainInputs) {
  if (inputs.waitFor === "none") return;
  const live = parseDomainXml(await conn.domainGetXmlDesc(dom, 0));
  await waitUntilReady(conn, dom, inputs, {
    macs: live.interfaces.map((n) => n.mac),
    networks: inputs.interfaces.map((n) => n.network),
    agent: inputs.guestAgent,
  });
}

async function outputs(conn: LibvirtClient, dom: DomainRef, inputs: DomainInputs) {
  const live = parseDomainXml(await conn.domainGetXmlDesc(dom, 0));
  const { state } = await conn.domainGetState(dom, 0);
  const macAddresses = live.interfaces.map((n) => n.mac);
  const active = await conn.domainIsActive(dom);
  return {
    ...inputs,
    uuid: uuidToString(dom.uuid),
    state: stateName(state),
    /** Changes in the definition that the running guest gets at its next restart. */
    restartPending: active ? await restartPendingOf(conn, dom) : [],
    macAddresses,
    addresses: await guestAddresses(conn, dom, macAddresses, live.guestAgent),
    consoleLog: consoleLogPath(inputs.name),
  };
}

/** The preview's note on a move: what it copies and costs, or why it cannot happen. */
async function moveNoteFromHosts(olds: DomainInputs, news: DomainInputs): Promise<string> {
  const from = await getConnection(olds.uri);
  const to = await getConnection(news.uri);
  const dom = await from.domainLookupByName(olds.name);
  const current = await currentDefinition(from, dom, XML_INACTIVE, olds.disks ?? []);
  const survey = await surveyMove(from, to, dom, current, true);
  if (news.move === "live" && survey.problems.length === 0) {
    const { memory } = await from.domainGetInfo(dom);
    const bytes = Number(memory) * 1024;
    return liveMoveNote(
      news.name,
      olds.uri,
      news.uri,
      survey.disks,
      survey.allocated,
      bytes,
      survey.first,
    );
  }
  return moveNote(news.name, olds.uri, news.uri, survey);
}

/** The declared guest as a live move looks at it, with what else this `up` changes. */
function liveGuest(olds: DomainInputs, news: DomainInputs): LiveGuest {
  return { ...news, changes: changedProperties(olds, sameDiskOrder(olds, news), INPUTS) };
}

/** Why the guest cannot move live from its old host to its new one (undefined: it can). */
async function liveRefusalFromHosts(
  olds: DomainInputs,
  news: DomainInputs,
): Promise<string | undefined> {
  const from = await getConnection(olds.uri);
  const to = await getConnection(news.uri);
  const dom = await from.domainLookupByName(olds.name).catch(ignoreNotFound);
  // Already moved (a move cut short after it ran there): nothing to refuse.
  if (!dom) return undefined;
  const current = await currentDefinition(from, dom, XML_INACTIVE, olds.disks ?? []);
  return liveMoveRefusal(from, to, dom, liveGuest(olds, news), current, true);
}

/** `update` when the host changed: the guest moves there (domainMove.ts), with the other changes. */
async function move(
  id: string,
  olds: DomainInputs,
  news: DomainInputs,
  urn: string | undefined,
): Promise<Record<string, unknown>> {
  const from = await getConnection(olds.uri);
  const to = await getConnection(news.uri);
  const progress = (message: string) => {
    if (urn !== undefined) statusOnResource(urn, message);
  };
  // What a live move measured, said under the resource once it is done.
  let figures: string | undefined;
  const { target, leftBehind } = await doing(
    `move guest "${news.name}" ${olds.uri} → ${news.uri}`,
    async () => {
      const dom = await from.domainLookupByUuid(uuidFromString(id));
      const current = await currentDefinition(from, dom, XML_INACTIVE, olds.disks ?? []);
      const definition = buildDomainXml({ ...model(news, current), uuid: id });
      const req = {
        from,
        to,
        dom,
        current,
        definition,
        running: news.running,
        autostart: news.autostart,
        shutdownTimeout: news.shutdownTimeout,
        guestAgent: news.guestAgent,
        progress,
      };
      if (news.move !== "live") return moveGuest(req);
      const moved = await moveGuestLive(req, liveGuest(olds, news));
      figures = liveMoveFigures(moved);
      return moved;
    },
  );
  if (figures !== undefined && urn !== undefined) {
    const said = figures;
    await noteOnResource(urn, () => Promise.resolve(`guest ${news.name} ${said}`));
  }
  if (leftBehind.length > 0 && urn !== undefined) {
    await noteOnResource(
      urn,
      () =>
        Promise.resolve(
          `guest ${news.name} moved to ${news.uri}, but these stayed on ${olds.uri}: ${leftBehind.join(", ")}; remove them by hand`,
        ),
      "warning",
    );
  }
  if (news.running) await untilReady(to, target, news);
  return outputs(to, target, news);
}

/** The preview's note on a rebuild: which disks, from which bases, and what goes with them. */
async function rebuildNoteFromHost(
  olds: DomainInputs,
  news: DomainInputs,
): Promise<string | undefined> {
  const disks = disksToRebuild(olds, news);
  if (disks.length === 0) return undefined;
  const conn = await getConnection(olds.uri);
  const dom = await conn.domainLookupByName(olds.name).catch(ignoreNotFound);
  const snapshots = dom ? (await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name) : [];
  const running = dom !== undefined && (await conn.domainIsActive(dom));
  return rebuildNote(news.name, disks, snapshots, running && news.running);
}

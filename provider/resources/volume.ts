/**
 * deskfleet:libvirt:Volume — a storage volume in a pool, one of:
 * - a base volume, uploaded once from a local image file (`source`);
 * - a copy-on-write qcow2 overlay on a base volume (`backingVolume`), which
 *   costs the same to create whatever the base image's size;
 * - a blank volume (`capacity`);
 * - a small ISO 9660 image of a few files built where Pulumi runs (`iso`: a
 *   cloud-init seed). Unlike a base, it is written again in place when its
 *   files change: a guest that has it attached reads it at its next boot.
 *
 * Base volumes are immutable once uploaded: a changed image file does not
 * rewrite a base that overlays depend on (give the new image a new name). An
 * overlay pointed at another base is made anew on it by its guest's Domain
 * (a rebuild, with the guest off); a guest's disk moved to another host is
 * copied there by its guest's Domain too.
 * Volumes with `retain` are left on the host when deleted; a base volume that
 * some overlay still uses is never deleted.
 *
 * A volume that already exists under the declared name is adopted when it is
 * provably what create would make: a kept data disk coming back, or what an
 * interrupted create left (same format; an overlay on the same base; a base
 * nothing is built on yet is uploaded again, since its upload may have been
 * cut short). Anything else is an error that names the volume and what to do.
 * A volume in a stopped pool is not a deleted volume: read keeps its state.
 */
import { z } from "zod";
import type { DomainRef, LibvirtClient, StoragePoolRef, StorageVolRef } from "../../libvirt";
import { DomainBlockResizeFlags, getConnection } from "../../libvirt";
import { parseDomainXml } from "../../xml/domain";
import { diffInputs } from "../diff";
import { validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { allOrNothing, doing, ignoreNotFound, uriOf } from "../kind";
import { libvirtName } from "../names";
import { imageVirtualSize } from "../image";
import { buildIso9660 } from "../iso9660";
import { formatBytes } from "../../units/size";
import type { VolumeModel } from "../../xml/volume";
import { buildVolumeXml, parseVolumeXml } from "../../xml/volume";
import { defaultUri } from "../config";
import { noteOverlay, overlaysOf } from "./backingUsers";
import { runningGuests } from "./runningGuests";

export const VOLUME = "deskfleet:libvirt:Volume";

const schema = z
  .object({
    uri: z.string().min(1).default(defaultUri),
    pool: libvirtName,
    name: z
      .string()
      .min(1)
      .max(255)
      .regex(/^[^/]+$/, "must not contain '/'"),
    format: z.enum(["qcow2", "raw"]).default("qcow2"),
    capacity: z.number().int().positive().optional(),
    /** Absolute path of a local image file to upload (a base volume). */
    source: z.string().startsWith("/", "must be an absolute path").optional(),
    /** Name of the base volume in the same pool (a copy-on-write overlay). */
    backingVolume: z.string().min(1).optional(),
    /** An ISO 9660 image of these files, under this volume label (a raw volume). */
    iso: z
      .strictObject({
        label: z.string().min(1).max(16),
        files: z.record(z.string(), z.string()),
      })
      .optional(),
    /** Leave the volume on the host when the resource is deleted. */
    retain: z.boolean().default(false),
    /** Where the fleet declares `capacity` (file:line:col: path): for messages only, never a diff. */
    capacityDeclaredAt: z.string().optional(),
  })
  .refine((v) => [v.source, v.backingVolume, v.iso].filter((x) => x !== undefined).length <= 1, {
    message: "`source`, `backingVolume` and `iso` exclude each other",
    path: ["source"],
  })
  .refine((v) => v.iso === undefined || (v.format === "raw" && v.capacity === undefined), {
    message: "an `iso` volume is raw and as large as its image (no `capacity`)",
    path: ["iso"],
  })
  .refine((v) => v.source !== undefined || v.backingVolume !== undefined || v.iso || v.capacity, {
    message: "a blank volume needs `capacity`",
    path: ["capacity"],
  })
  .refine((v) => v.backingVolume === undefined || v.format === "qcow2", {
    message: "an overlay on a base volume must be qcow2",
    path: ["format"],
  });

export type VolumeInputs = z.infer<typeof schema> & HostInputs;
/** What a program declares (provider/sdk.ts's VolumeArgs): the schema's input type. */
export type VolumeInputsDeclared = z.input<typeof schema>;
type IsoInputs = NonNullable<VolumeInputs["iso"]>;

/** Input properties compared by diff: the uploaded file's path is not one (see header). */
const INPUTS = [
  ...Object.keys(schema.shape).filter((k) => k !== "source" && k !== "capacityDeclaredAt"),
  "base",
];

export const volume: ResourceKind<VolumeInputs> = {
  token: VOLUME,

  check(olds, news) {
    const result = validateInputs(schema, news);
    const before = olds.capacity;
    const after = result.inputs.capacity;
    if (typeof before === "number" && typeof after === "number" && after < before) {
      const where = result.inputs.capacityDeclaredAt;
      result.failures.push({
        property: "capacity",
        reason:
          `${where !== undefined ? `${where}: ` : ""}${formatBytes(after)} is smaller than volume ` +
          `"${String(news.pool)}/${String(news.name)}" (${formatBytes(before)}): shrinking would lose ` +
          "data, so deskfleet only grows volumes; declare at least its size",
      });
    }
    return result;
  },

  diff: (_id, olds, news) =>
    diffInputs(withoutSource(olds), withoutSource(news), {
      inputs: INPUTS,
      // A guest's disk moves with its guest (the Domain kind copies it); a base or a seed is
      // made anew on the new host, before the old one goes (two hosts: no name clash). An
      // overlay on a new base is rebuilt by its guest (the Domain kind, with the guest off).
      replaceOn: [
        ...(movesWithGuest(news) ? [] : ["uri"]),
        "pool",
        "name",
        "format",
        ...(rebuiltByGuest(olds, news) ? [] : ["backingVolume"]),
        "base",
      ],
      deleteBeforeReplace: olds.uri === news.uri,
    }),

  explain(olds, inputs) {
    const before = olds.capacity;
    const after = inputs.capacity;
    const grows =
      typeof before === "number" && after !== undefined && after > before
        ? `volume ${inputs.pool}/${inputs.name}: size ${formatBytes(before)} → ` +
          `${formatBytes(after)} (live: a running guest sees the new size at once)`
        : undefined;
    const notes = [grows, isoChangeNote(olds.iso, inputs.iso)].filter((n) => n !== undefined);
    return Promise.resolve(notes.length > 0 ? notes.join("\n") : undefined);
  },

  async create(inputs) {
    const conn = await getConnection(inputs.uri);
    const vol = await doing(`create volume "${inputs.pool}/${inputs.name}"`, async () => {
      const pool = await conn.storagePoolLookupByName(inputs.pool);
      const model = await volumeModel(conn, pool, inputs);
      const existing = await conn.storageVolLookupByName(pool, inputs.name).catch(ignoreNotFound);
      if (existing) return adopt(conn, pool, existing, inputs, model);
      const created = await allOrNothing(async (onUndo) => {
        const made = await conn.storageVolCreateXml(pool, buildVolumeXml(model), 0);
        onUndo(() => conn.storageVolDelete(made, 0));
        if (inputs.source !== undefined) await conn.storageVolUpload(made, inputs.source);
        if (inputs.iso !== undefined) await writeIso(conn, made, inputs.iso);
        return made;
      });
      await noteOverlay(conn, pool, created.name, model.backingPath, true);
      return created;
    });
    return { id: vol.key, outs: await outputs(conn, vol, inputs) };
  },

  async read(id, state) {
    const found = await lookUpMoving(id, state);
    if (!found) return undefined;
    const { conn, uri } = found;
    const vol = found.vol;
    const declared = state as Partial<VolumeInputs>;
    if (!vol) {
      // A stopped pool hides its volumes; they are still there. The pool's own read says it
      // is stopped, and the next `up` starts it.
      if (await poolIsStopped(conn, declared.pool)) return { props: state, inputs: stored(state) };
      return undefined;
    }
    const xml = parseVolumeXml(await conn.storageVolGetXmlDesc(vol, 0));
    const inputs: VolumeInputs = {
      uri,
      pool: vol.pool,
      name: vol.name,
      format: xml.format,
      // Pulumi's import reads with no state: an adopted volume is kept, at the size it has.
      retain: declared.retain ?? true,
      ...(declared.source !== undefined ? { source: declared.source } : {}),
      // What an ISO holds is what was last written: its files are not read back.
      ...(declared.iso !== undefined ? { iso: declared.iso } : {}),
      ...(xml.backingPath !== undefined
        ? { backingVolume: await backingName(conn, vol.pool, xml.backingPath) }
        : {}),
      // Only growth is ever applied, and libvirt may round up: at least the
      // declared size counts as the declared size.
      ...(declared.capacity !== undefined
        ? { capacity: xml.capacity >= declared.capacity ? declared.capacity : xml.capacity }
        : declared.pool === undefined
          ? { capacity: xml.capacity }
          : {}),
    };
    return { props: await outputs(conn, vol, inputs), inputs };
  },

  async update(id, olds, news) {
    if (uriOf(olds) !== news.uri && movesWithGuest(news)) {
      // Its guest's move copies it (the Domain kind's update, after this one). Until then it
      // is still on the old host, which read finds it on; a size change waits for the next up.
      const { key, path, capacity } = olds;
      const { capacity: _grown, ...moved } = news;
      return {
        ...moved,
        ...(capacity !== undefined ? { capacity } : {}),
        key,
        path,
        movedFrom: uriOf(olds),
      };
    }
    const conn = await getConnection(news.uri);
    const vol = await conn.storageVolLookupByKey(id);
    const capacity = news.capacity;
    if (capacity !== undefined && capacity !== olds.capacity) {
      await doing(`grow volume "${news.pool}/${news.name}"`, async () => {
        // A running guest's QEMU holds the image's lock: only it can grow it, and the guest
        // sees the new size at once (what `virsh blockresize` does).
        const user = await runningDiskOf(conn, vol);
        if (user) {
          await conn.domainBlockResize(
            user.dom,
            user.target,
            BigInt(capacity),
            DomainBlockResizeFlags.Bytes,
          );
        } else {
          await conn.storageVolResize(vol, BigInt(capacity), 0);
        }
      });
    }
    const iso = news.iso;
    if (iso !== undefined && !sameIso(olds.iso, iso)) {
      await doing(`write volume "${news.pool}/${news.name}"`, () => writeIso(conn, vol, iso));
    }
    return outputs(conn, vol, news);
  },

  async delete(id, state) {
    if (state.retain === true) return; // the user's data stays on the host
    await doing(`delete volume "${String(state.pool)}/${String(state.name)}"`, async () => {
      const found = await lookUpMoving(id, state);
      const vol = found?.vol;
      if (!found || !vol) return;
      const { conn } = found;
      const pool = await conn.storagePoolLookupByName(vol.pool);
      const users = await overlaysOf(conn, pool, await conn.storageVolGetPath(vol));
      if (users.length > 0) {
        throw new Error(
          `it is the base of ${users.map((u) => `"${u}"`).join(", ")}; delete those first`,
        );
      }
      await conn.storageVolDelete(vol, 0).catch(ignoreNotFound);
      await noteOverlay(conn, pool, vol.name, undefined, false);
    });
  },
};

/** A guest's disk (blank or an overlay): its guest's move copies it; bases and seeds are made anew. */
function movesWithGuest(v: VolumeInputs): boolean {
  return v.source === undefined && v.iso === undefined;
}

/** An overlay that stays one, on another base: its guest rebuilds it (provider's domainRebuild.ts). */
function rebuiltByGuest(olds: VolumeInputs, news: VolumeInputs): boolean {
  return olds.backingVolume !== undefined && news.backingVolume !== undefined;
}

/**
 * The volume on the host its state names, or, while its guest's move has not
 * happened yet (`movedFrom`), on the host it is moving from. Undefined when it
 * is on neither; `vol` undefined when its pool is stopped there (see read).
 */
async function lookUpMoving(
  id: string,
  state: Record<string, unknown>,
): Promise<{ conn: LibvirtClient; uri: string; vol?: StorageVolRef } | undefined> {
  const uri = uriOf(state);
  const conn = await getConnection(uri);
  const vol = await conn.storageVolLookupByKey(id).catch(ignoreNotFound);
  if (vol) return { conn, uri, vol };
  const from = state.movedFrom;
  if (typeof from === "string" && from !== uri) {
    const old = await getConnection(from);
    const there = await old.storageVolLookupByKey(id).catch(ignoreNotFound);
    if (there) return { conn: old, uri: from, vol: there };
  }
  return { conn, uri };
}

/** The image file is uploaded once; later changes to it are not diffs (see header). */
function withoutSource(v: VolumeInputs): Record<string, unknown> {
  const { source, ...rest } = v;
  return { ...rest, base: source !== undefined };
}

/**
 * Writes the ISO image of `iso` over the whole volume: grown when the image
 * is larger, zeros after it when smaller (readers stop at the image's own size).
 */
async function writeIso(conn: LibvirtClient, vol: StorageVolRef, iso: IsoInputs): Promise<void> {
  const image = isoImage(iso);
  const { capacity } = await conn.storageVolGetInfo(vol);
  if (BigInt(image.length) > capacity) await conn.storageVolResize(vol, BigInt(image.length), 0);
  const whole = Buffer.alloc(Math.max(image.length, Number(capacity)));
  image.copy(whole);
  await conn.storageVolUploadBytes(vol, whole);
}

function isoImage(iso: IsoInputs): Buffer {
  const files = Object.entries(iso.files).map(([name, text]) => ({
    name,
    content: Buffer.from(text, "utf8"),
  }));
  return buildIso9660(iso.label, files);
}

function sameIso(a: unknown, b: IsoInputs): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The preview's words for an ISO whose files change (a cloud-init seed, for `cidata`). */
export function isoChangeNote(before: unknown, after: IsoInputs | undefined): string | undefined {
  if (after === undefined || typeof before !== "object" || before === null) return undefined;
  const old = (before as Partial<IsoInputs>).files ?? {};
  const names = [...new Set([...Object.keys(old), ...Object.keys(after.files)])].sort();
  const changed = names.filter((n) => old[n] !== after.files[n]);
  if (changed.length === 0) return undefined;
  const what = `${changed.join(", ")} change${changed.length === 1 ? "s" : ""}`;
  const instance = (files: Record<string, string | undefined>) =>
    /^instance-id:\s*(.+)$/m.exec(files["meta-data"] ?? "")?.[1];
  const rerun =
    after.label === "cidata" && instance(old) !== instance(after.files)
      ? " (a new instance-id: cloud-init runs its per-instance steps again, as on a first boot)"
      : "";
  return `${what}: written now, read by the guest at its next boot${rerun}`;
}

/**
 * The running guest whose disk writes straight to this volume, with that
 * disk's target; none when no running guest does (an external snapshot's
 * overlay on top makes the guest write elsewhere: the volume is grown as a
 * file then, which fails while QEMU holds it).
 */
async function runningDiskOf(
  conn: LibvirtClient,
  vol: StorageVolRef,
): Promise<{ dom: DomainRef; target: string } | undefined> {
  const path = await conn.storageVolGetPath(vol);
  for (const { dom, xml } of await runningGuests(conn)) {
    const disk = parseDomainXml(xml).disks.find((d) =>
      d.overlay === undefined ? d.pool === vol.pool && d.volume === vol.name : d.overlay === path,
    );
    if (disk?.target !== undefined) return { dom, target: disk.target };
  }
  return undefined;
}

async function volumeModel(
  conn: LibvirtClient,
  pool: StoragePoolRef,
  inputs: VolumeInputs,
): Promise<VolumeModel> {
  if (inputs.source !== undefined) {
    const size = await imageVirtualSize(inputs.source, inputs.format);
    return {
      name: inputs.name,
      format: inputs.format,
      capacity: Math.max(size, inputs.capacity ?? 0),
    };
  }
  if (inputs.iso !== undefined) {
    return { name: inputs.name, format: "raw", capacity: isoImage(inputs.iso).length };
  }
  if (inputs.backingVolume !== undefined) {
    const base = await conn.storageVolLookupByName(pool, inputs.backingVolume);
    const baseXml = parseVolumeXml(await conn.storageVolGetXmlDesc(base, 0));
    return {
      name: inputs.name,
      format: "qcow2" as const,
      capacity: Math.max(baseXml.capacity, inputs.capacity ?? 0),
      backingPath: baseXml.path,
      backingFormat: baseXml.format,
    };
  }
  return { name: inputs.name, format: inputs.format, capacity: inputs.capacity ?? 0 };
}

async function outputs(conn: LibvirtClient, vol: StorageVolRef, inputs: VolumeInputs) {
  const path = await conn.storageVolGetPath(vol);
  return { ...inputs, key: vol.key, path };
}

/** The name of the volume at `path` in the same pool (as declared by the overlay). */
async function backingName(conn: LibvirtClient, poolName: string, path: string): Promise<string> {
  const base = await conn.storageVolLookupByPath(path).catch(ignoreNotFound);
  return base && base.pool === poolName ? base.name : path;
}

/** Whether `poolName` exists on the host and is stopped. */
async function poolIsStopped(conn: LibvirtClient, poolName: string | undefined): Promise<boolean> {
  if (poolName === undefined) return false;
  const pool = await conn.storagePoolLookupByName(poolName).catch(ignoreNotFound);
  return pool !== undefined && !(await conn.storagePoolIsActive(pool));
}

/** The stored state's inputs (read of a volume the host cannot show right now). */
function stored(state: Record<string, unknown>): VolumeInputs {
  return Object.fromEntries(
    Object.keys(schema.shape)
      .filter((k) => state[k] !== undefined)
      .map((k) => [k, state[k]]),
  ) as unknown as VolumeInputs;
}

/**
 * Takes over a volume that exists already under the declared name, when it is
 * provably what create would make (see the header); throws otherwise.
 */
async function adopt(
  conn: LibvirtClient,
  pool: StoragePoolRef,
  vol: StorageVolRef,
  inputs: VolumeInputs,
  model: VolumeModel,
): Promise<StorageVolRef> {
  const found = parseVolumeXml(await conn.storageVolGetXmlDesc(vol, 0));
  const where = `${inputs.pool}/${inputs.name}`;
  const refuse = (why: string): never => {
    throw new Error(
      `storage volume "${where}" exists already and ${why}; deskfleet will not take it over. ` +
        `Remove it (virsh vol-delete --pool ${inputs.pool} ${inputs.name}) or give the disk another name`,
    );
  };
  if (found.format !== model.format) refuse(`is ${found.format}, not ${model.format}`);
  if (found.backingPath !== model.backingPath) {
    refuse(
      model.backingPath === undefined
        ? `is an overlay of ${found.backingPath}`
        : `is not an overlay of ${model.backingPath}`,
    );
  }
  if (inputs.iso !== undefined) {
    await writeIso(conn, vol, inputs.iso); // made from the fleet: written again as declared
  } else if (inputs.source !== undefined) {
    // A base whose upload may have been cut short: upload it again, unless guests use it already.
    const users = await overlaysOf(conn, pool, found.path);
    if (users.length === 0) await conn.storageVolUpload(vol, inputs.source);
  } else if (found.capacity < model.capacity) {
    await conn.storageVolResize(vol, BigInt(model.capacity), 0);
  }
  return vol;
}

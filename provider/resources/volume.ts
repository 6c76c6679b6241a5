/**
 * deskfleet:libvirt:Volume — a storage volume in a pool, one of:
 * - a base volume, uploaded once from a local image file (`source`);
 * - a copy-on-write qcow2 overlay on a base volume (`backingVolume`), which
 *   costs the same to create whatever the base image's size;
 * - a blank volume (`capacity`).
 *
 * Base volumes are immutable once uploaded: a changed image file does not
 * rewrite a base that overlays depend on (give the new image a new name).
 * Volumes with `retain` are left on the host when deleted; a base volume that
 * some overlay still uses is never deleted.
 */
import { z } from "zod";
import type { LibvirtClient, StoragePoolRef, StorageVolRef } from "../../libvirt";
import { getConnection } from "../../libvirt";
import { diffInputs } from "../diff";
import { validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { allOrNothing, doing, ignoreNotFound, uriOf } from "../kind";
import { libvirtName } from "../names";
import { imageVirtualSize } from "../image";
import { buildVolumeXml, parseVolumeXml } from "../xml/volume";
import { defaultUri } from "../config";

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
    source: z.string().startsWith("/", "must be an absolute path").optional(),
    backingVolume: z.string().min(1).optional(),
    retain: z.boolean().default(false),
  })
  .refine((v) => !(v.source !== undefined && v.backingVolume !== undefined), {
    message: "`source` and `backingVolume` exclude each other",
    path: ["source"],
  })
  .refine((v) => v.source !== undefined || v.backingVolume !== undefined || v.capacity, {
    message: "a blank volume needs `capacity`",
    path: ["capacity"],
  })
  .refine((v) => v.backingVolume === undefined || v.format === "qcow2", {
    message: "an overlay on a base volume must be qcow2",
    path: ["format"],
  });

export type VolumeInputs = z.infer<typeof schema> & HostInputs;

/** Input properties compared by diff: the uploaded file's path is not one (see header). */
const INPUTS = [...Object.keys(schema.shape).filter((k) => k !== "source"), "base"];

export const volume: ResourceKind<VolumeInputs> = {
  token: VOLUME,

  check(olds, news) {
    const result = validateInputs(schema, news);
    const before = olds.capacity;
    const after = result.inputs.capacity;
    if (typeof before === "number" && typeof after === "number" && after < before) {
      result.failures.push({
        property: "capacity",
        reason: `shrinking volume "${String(news.name)}" from ${before} to ${after} bytes would lose data; deskfleet only grows volumes`,
      });
    }
    return result;
  },

  diff: (_id, olds, news) =>
    diffInputs(withoutSource(olds), withoutSource(news), {
      inputs: INPUTS,
      replaceOn: ["uri", "pool", "name", "format", "backingVolume", "base"],
      deleteBeforeReplace: true,
    }),

  async create(inputs) {
    const conn = await getConnection(inputs.uri);
    const vol = await doing(`create volume "${inputs.pool}/${inputs.name}"`, async () => {
      const pool = await conn.storagePoolLookupByName(inputs.pool);
      const model = await volumeModel(conn, pool, inputs);
      return allOrNothing(async (onUndo) => {
        const created = await conn.storageVolCreateXml(pool, buildVolumeXml(model), 0);
        onUndo(() => conn.storageVolDelete(created, 0));
        if (inputs.source !== undefined) await conn.storageVolUpload(created, inputs.source);
        return created;
      });
    });
    return { id: vol.key, outs: await outputs(conn, vol, inputs) };
  },

  async read(id, state) {
    const conn = await getConnection(uriOf(state));
    const vol = await conn.storageVolLookupByKey(id).catch(ignoreNotFound);
    if (!vol) return undefined;
    const declared = state as Partial<VolumeInputs>;
    const xml = parseVolumeXml(await conn.storageVolGetXmlDesc(vol, 0));
    const inputs: VolumeInputs = {
      uri: uriOf(state),
      pool: vol.pool,
      name: vol.name,
      format: xml.format,
      retain: declared.retain ?? false,
      ...(declared.source !== undefined ? { source: declared.source } : {}),
      ...(xml.backingPath !== undefined
        ? { backingVolume: await backingName(conn, vol.pool, xml.backingPath) }
        : {}),
      // Only growth is ever applied, and libvirt may round up: at least the
      // declared size counts as the declared size.
      ...(declared.capacity !== undefined
        ? { capacity: xml.capacity >= declared.capacity ? declared.capacity : xml.capacity }
        : {}),
    };
    return { props: await outputs(conn, vol, inputs), inputs };
  },

  async update(id, olds, news) {
    const conn = await getConnection(news.uri);
    const vol = await conn.storageVolLookupByKey(id);
    if (news.capacity !== undefined && news.capacity !== olds.capacity) {
      await doing(`grow volume "${news.pool}/${news.name}"`, () =>
        conn.storageVolResize(vol, BigInt(news.capacity ?? 0), 0),
      );
    }
    return outputs(conn, vol, news);
  },

  async delete(id, state) {
    if (state.retain === true) return; // the user's data stays on the host
    const conn = await getConnection(uriOf(state));
    await doing(`delete volume "${String(state.pool)}/${String(state.name)}"`, async () => {
      const vol = await conn.storageVolLookupByKey(id).catch(ignoreNotFound);
      if (!vol) return;
      const users = await overlaysOf(conn, vol);
      if (users.length > 0) {
        throw new Error(
          `it is the base of ${users.map((u) => `"${u}"`).join(", ")}; delete those first`,
        );
      }
      await conn.storageVolDelete(vol, 0);
    });
  },
};

/** The image file is uploaded once; later changes to it are not diffs (see header). */
function withoutSource(v: VolumeInputs): Record<string, unknown> {
  const { source, ...rest } = v;
  return { ...rest, base: source !== undefined };
}

async function volumeModel(conn: LibvirtClient, pool: StoragePoolRef, inputs: VolumeInputs) {
  if (inputs.source !== undefined) {
    const size = await imageVirtualSize(inputs.source, inputs.format);
    return {
      name: inputs.name,
      format: inputs.format,
      capacity: Math.max(size, inputs.capacity ?? 0),
    };
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

/** Names of the volumes in the same pool whose backing file is `vol`. */
async function overlaysOf(conn: LibvirtClient, vol: StorageVolRef): Promise<string[]> {
  const path = await conn.storageVolGetPath(vol);
  const pool = await conn.storagePoolLookupByName(vol.pool);
  const users: string[] = [];
  for (const other of await conn.storagePoolListAllVolumes(pool, 0)) {
    if (other.key === vol.key) continue;
    const xml = parseVolumeXml(await conn.storageVolGetXmlDesc(other, 0));
    if (xml.backingPath === path) users.push(other.name);
  }
  return users;
}

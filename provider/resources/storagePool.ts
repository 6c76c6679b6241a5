/**
 * deskfleet:libvirt:StoragePool — a directory storage pool.
 *
 * The pool's directory is created if missing. A pool found stopped (`virsh
 * pool-destroy`) is read as `active: false` and started again by the next
 * `up`. A pool that already exists with this name, type and path (left by an
 * interrupted create, or from an earlier stack) is adopted as it is; one that
 * differs is an error that says how. Deleting the pool stops and undefines it
 * in libvirt; its directory is removed only when deskfleet created it AND it
 * is empty (libvirt's pool delete is an rmdir), so every volume file stays and
 * a directory the user had is never touched.
 */
import { z } from "zod";
import { getConnection, uuidFromString, uuidToString } from "../../libvirt";
import { defaultUri } from "../config";
import { diffInputs } from "../diff";
import { validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { allOrNothing, doing, ignoreNotFound, uriOf } from "../kind";
import { libvirtName } from "../names";
import { buildPoolXml, parsePoolXml } from "../../xml/pool";

export const STORAGE_POOL = "deskfleet:libvirt:StoragePool";

const schema = z.object({
  uri: z.string().min(1).default(defaultUri),
  name: libvirtName,
  type: z.literal("dir").default("dir"),
  path: z.string().startsWith("/", "must be an absolute path"),
  autostart: z.boolean().default(true),
  /** Running. Always declared true; read says what is. */
  active: z.boolean().default(true),
});

export type StoragePoolInputs = z.infer<typeof schema> & HostInputs;

/** The input properties, the only ones diff and update compare. */
const INPUTS = Object.keys(schema.shape);

export const storagePool: ResourceKind<StoragePoolInputs> = {
  token: STORAGE_POOL,

  check: (_olds, news) => validateInputs(schema, news),

  diff: (_id, olds, news) =>
    diffInputs(olds, news, {
      inputs: INPUTS,
      replaceOn: ["uri", "name", "type", "path"],
      deleteBeforeReplace: true,
    }),

  async create(inputs) {
    const conn = await getConnection(inputs.uri);
    const what = `create storage pool "${inputs.name}"`;
    const existing = await doing(what, async () => {
      const pool = await conn.storagePoolLookupByName(inputs.name).catch(ignoreNotFound);
      if (!pool) return undefined;
      const xml = parsePoolXml(await conn.storagePoolGetXmlDesc(pool, 0)).path;
      if (xml !== inputs.path) {
        throw new Error(
          `a pool with this name already exists on ${inputs.uri} with path ${xml}, not ${inputs.path}; ` +
            `declare that path to adopt it, or remove it (virsh pool-destroy ${inputs.name}; virsh pool-undefine ${inputs.name})`,
        );
      }
      return pool;
    });
    if (existing) {
      // Ours to adopt: it is exactly what create would make. Its directory was not made by this create.
      await doing(`adopt storage pool "${inputs.name}"`, async () => {
        if (!(await conn.storagePoolIsActive(existing))) await conn.storagePoolCreate(existing, 0);
        await conn.storagePoolSetAutostart(existing, inputs.autostart);
      });
      return {
        id: uuidToString(existing.uuid),
        outs: { ...inputs, uuid: uuidToString(existing.uuid), createdDirectory: false },
      };
    }
    const made = await doing(what, () =>
      allOrNothing(async (onUndo) => {
        const pool = await conn.storagePoolDefineXml(buildPoolXml(inputs), 0);
        onUndo(() => conn.storagePoolUndefine(pool));
        // Starting fails when the directory is missing: only then build it, and
        // remember that deskfleet made it.
        let createdDirectory = false;
        try {
          await conn.storagePoolCreate(pool, 0);
        } catch {
          await conn.storagePoolBuild(pool, 0);
          createdDirectory = true;
          onUndo(() => conn.storagePoolDelete(pool, 0));
          await conn.storagePoolCreate(pool, 0);
        }
        onUndo(() => conn.storagePoolDestroy(pool));
        await conn.storagePoolSetAutostart(pool, inputs.autostart);
        return { uuid: uuidToString(pool.uuid), createdDirectory };
      }),
    );
    return { id: made.uuid, outs: { ...inputs, ...made } };
  },

  async read(id, state) {
    const uri = uriOf(state);
    const conn = await getConnection(uri);
    const pool = await conn.storagePoolLookupByUuid(uuidFromString(id)).catch(ignoreNotFound);
    if (!pool) return undefined;
    const xml = parsePoolXml(await conn.storagePoolGetXmlDesc(pool, 0));
    const inputs: StoragePoolInputs = {
      uri,
      name: xml.name,
      type: xml.type,
      path: xml.path,
      autostart: await conn.storagePoolGetAutostart(pool),
      active: await conn.storagePoolIsActive(pool),
    };
    return {
      props: { ...inputs, uuid: id, createdDirectory: state.createdDirectory === true },
      inputs,
    };
  },

  async update(id, olds, news) {
    const conn = await getConnection(news.uri);
    await doing(`update storage pool "${news.name}"`, async () => {
      const pool = await conn.storagePoolLookupByUuid(uuidFromString(id));
      await conn.storagePoolSetAutostart(pool, news.autostart);
      if (news.active && !(await conn.storagePoolIsActive(pool))) {
        await conn.storagePoolCreate(pool, 0);
      }
    });
    return { ...news, uuid: id, createdDirectory: olds.createdDirectory === true };
  },

  async delete(id, state) {
    const uri = uriOf(state);
    const conn = await getConnection(uri);
    await doing(`delete storage pool "${String(state.name)}"`, async () => {
      const pool = await conn.storagePoolLookupByUuid(uuidFromString(id)).catch(ignoreNotFound);
      if (!pool) return;
      if (await conn.storagePoolIsActive(pool)) await conn.storagePoolDestroy(pool);
      if (state.createdDirectory === true) {
        // rmdir: fails, harmlessly, when anything (a retained volume) is left in it.
        await conn.storagePoolDelete(pool, 0).catch(() => undefined);
      }
      await conn.storagePoolUndefine(pool);
    });
  },
};

/**
 * deskfleet:libvirt:Snapshot — a named snapshot of a guest taken once and
 * kept: the guest's known-good state (`baseline:` in the fleet file).
 *
 * Reverting is an action, made declarative by a counter: raising
 * `revertGeneration` reverts the guest at the next `pulumi up`. `check`
 * derives the property `revert` ("demo to post-install (generation 2)") so
 * the preview names what will happen. A revert restores the snapshot's disks
 * (and memory, for one taken running) but keeps the guest's current definition
 * (hardware, metadata: its snapshot schedule) and its run state.
 *
 * Its kind (internal or external, with the running guest's memory) is the
 * host's: snapshots/mode.ts and snapshots/README.md say which and why.
 */
import { z } from "zod";
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { getConnection, uuidFromString, uuidToString } from "../../libvirt";
import { dropNvram } from "../../snapshots/nvramCopy";
import { revertToSnapshot } from "../../snapshots/revert";
import { takeSnapshot } from "../../snapshots/take";
import { defaultUri } from "../config";
import { diffInputs } from "../diff";
import type { CheckFailure } from "../inputs";
import { validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { doing, ignoreNotFound, uriOf } from "../kind";
import { libvirtName } from "../names";
import { snapshotKindNote } from "./snapshotKindNote";
import { parseSnapshotXml } from "../../xml/snapshot";

export const SNAPSHOT = "deskfleet:libvirt:Snapshot";

const schema = z.object({
  uri: z.string().min(1).default(defaultUri),
  /** The guest (domain name). */
  domain: libvirtName,
  /** The snapshot's name, e.g. "post-install". */
  name: libvirtName.refine((n) => !n.startsWith("autosnap_"), {
    message: 'names starting with "autosnap_" belong to scheduled snapshots',
  }),
  /** Raising it reverts the guest to this snapshot; it never goes down. */
  revertGeneration: z.number().int().min(0).default(0),
});

export type SnapshotInputs = z.infer<typeof schema> &
  HostInputs & {
    /** Derived by check: what raising revertGeneration does, for the preview. */
    revert: string;
  };

const INPUTS = [...Object.keys(schema.shape), "revert"];

export function revertText(inputs: Pick<SnapshotInputs, "domain" | "name" | "revertGeneration">) {
  return inputs.revertGeneration > 0
    ? `${inputs.domain} to ${inputs.name} (generation ${inputs.revertGeneration})`
    : "none";
}

export const snapshot: ResourceKind<SnapshotInputs> = {
  token: SNAPSHOT,

  check(olds, news) {
    const { inputs, failures } = validateInputs(schema, news);
    const checked = { ...inputs, revert: revertText(inputs) } as SnapshotInputs;
    const before = olds.revertGeneration;
    const extra: CheckFailure[] =
      typeof before === "number" && inputs.revertGeneration < before
        ? [
            {
              property: "revertGeneration",
              reason: `it may only go up (it is ${before}): raising it reverts the guest`,
            },
          ]
        : [];
    return { inputs: checked, failures: [...failures, ...extra] };
  },

  diff: (_id, olds, news) =>
    diffInputs(olds, news, {
      inputs: INPUTS,
      // Known by its guest's UUID: a renamed guest keeps its snapshots (libvirt moves them), and
      // a guest moved to another host takes them along (the Domain kind's move, before this).
      replaceOn: ["name"],
      // A new name can be taken before the old one goes.
      deleteBeforeReplace: false,
    }),

  // Said when it is to be taken: a baseline's kind is fixed once it exists.
  explain: async (olds, inputs) =>
    Object.keys(olds).length > 0
      ? undefined
      : snapshotKindNote(
          inputs.uri,
          inputs.domain,
          true,
          `baseline "${inputs.name}" of ${inputs.domain}`,
        ),

  async create(inputs) {
    const conn = await getConnection(inputs.uri);
    const what = `take snapshot "${inputs.name}" of guest "${inputs.domain}"`;
    return doing(what, async () => {
      const dom = await conn.domainLookupByName(inputs.domain);
      const existing = await conn
        .domainSnapshotLookupByName(dom, inputs.name, 0)
        .catch(ignoreNotFound);
      if (existing) throw new Error(`a snapshot with this name already exists on ${inputs.uri}`);
      const description = `deskfleet: the baseline of "${inputs.domain}", declared in the fleet file`;
      // A known-good state a person asked for: with the running guest's memory.
      await takeSnapshot(conn, dom, inputs.name, description, { memory: true });
      return { id: snapshotId(dom, inputs.name), outs: await outputs(conn, dom, inputs) };
    });
  },

  async read(id, state) {
    const uri = uriOf(state);
    const conn = await getConnection(uri);
    const { uuid, name } = parseId(id);
    const dom = await conn.domainLookupByUuid(uuidFromString(uuid)).catch(ignoreNotFound);
    if (!dom) return undefined;
    const snap = await conn.domainSnapshotLookupByName(dom, name, 0).catch(ignoreNotFound);
    if (!snap) return undefined;
    const generation = typeof state.revertGeneration === "number" ? state.revertGeneration : 0;
    const base = { uri, domain: dom.name, name, revertGeneration: generation };
    const inputs: SnapshotInputs = { ...base, revert: revertText(base) };
    return { props: await outputs(conn, dom, inputs), inputs };
  },

  async update(id, olds, news) {
    const conn = await getConnection(news.uri);
    const dom = await conn.domainLookupByUuid(uuidFromString(parseId(id).uuid));
    if (news.revertGeneration > (olds.revertGeneration ?? 0)) {
      await doing(`revert guest "${news.domain}" to "${news.name}"`, () =>
        revertToSnapshot(conn, dom, news.name),
      );
    }
    return outputs(conn, dom, news);
  },

  async delete(id, state) {
    const conn = await getConnection(uriOf(state));
    const { uuid, name } = parseId(id);
    await doing(`delete snapshot "${name}" of guest "${String(state.domain)}"`, async () => {
      const dom = await conn.domainLookupByUuid(uuidFromString(uuid)).catch(ignoreNotFound);
      if (!dom) return;
      const snap = await conn.domainSnapshotLookupByName(dom, name, 0).catch(ignoreNotFound);
      // Only this snapshot: later ones (scheduled or not) are re-parented, never removed.
      if (snap) await conn.domainSnapshotDelete(snap, 0);
      await dropNvram(conn, dom, [name]);
    });
  },
};

/** `<domain uuid>/<snapshot name>`: a snapshot is known by its name within its guest. */
function snapshotId(dom: DomainRef, name: string): string {
  return `${uuidToString(dom.uuid)}/${name}`;
}

function parseId(id: string): { uuid: string; name: string } {
  const slash = id.indexOf("/");
  if (slash < 0) throw new Error(`not a snapshot id: "${id}" (expected <domain uuid>/<name>)`);
  return { uuid: id.slice(0, slash), name: id.slice(slash + 1) };
}

async function outputs(conn: LibvirtClient, dom: DomainRef, inputs: SnapshotInputs) {
  const snap = await conn.domainSnapshotLookupByName(dom, inputs.name, 0);
  const parsed = parseSnapshotXml(await conn.domainSnapshotGetXmlDesc(snap, 0));
  return {
    ...inputs,
    domainUuid: uuidToString(dom.uuid),
    /** The guest's state when it was taken: "running" (memory included) or "shutoff". */
    snapshotState: parsed.state,
    createdAt: new Date(parsed.creationTime * 1000).toISOString(),
  };
}

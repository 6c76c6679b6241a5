/**
 * deskfleet:libvirt:BackupSchedule — a guest's backup policy, recorded on the
 * host as domain metadata (backups/policy.ts), where the host's `deskfleet
 * backup run` reads it, as the SnapshotSchedule kind records snapshot
 * policies. Deleting the resource removes the policy and keeps every backup.
 */
import { z } from "zod";
import type { DomainRef } from "../../libvirt";
import { getConnection, uuidFromString, uuidToString } from "../../libvirt";
import type { BackupPolicy } from "../../backups/policy";
import { readBackupPolicy, writeBackupPolicy } from "../../backups/policy";
import type { SnapshotPolicy } from "../../snapshots/policy";
import { TimeFormatError, normaliseTimes } from "../../snapshots/policy";
import { diffInputs } from "../diff";
import type { CheckFailure } from "../inputs";
import { validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { doing, ignoreNotFound, uriOf } from "../kind";
import { scheduleInputsSchema } from "./snapshotSchedule";

export const BACKUP_SCHEDULE = "deskfleet:libvirt:BackupSchedule";

const schema = scheduleInputsSchema.omit({ memory: true, maxPoolUsage: true }).extend({
  /** The store's directory on the host. */
  target: z.string().startsWith("/", "must be an absolute directory on the host"),
});

export type BackupScheduleInputs = Omit<z.infer<typeof schema>, "at"> &
  HostInputs & { at: SnapshotPolicy["at"] };

const INPUTS = Object.keys(schema.shape);

function policyOf(inputs: BackupScheduleInputs): BackupPolicy {
  const { uri: _uri, domain: _domain, ...policy } = inputs;
  return policy;
}

/** `<domain uuid>/backup-schedule`: one per guest. */
const scheduleId = (dom: DomainRef) => `${uuidToString(dom.uuid)}/backup-schedule`;
const uuidOf = (id: string) => id.split("/")[0];

export const backupSchedule: ResourceKind<BackupScheduleInputs> = {
  token: BACKUP_SCHEDULE,

  check(_olds, news) {
    const { inputs, failures } = validateInputs(schema, news);
    try {
      return { inputs: { ...inputs, at: normaliseTimes(inputs.at ?? {}) }, failures };
    } catch (err) {
      if (!(err instanceof TimeFormatError)) throw err;
      const failure: CheckFailure = { property: "at", reason: err.message };
      return { inputs: inputs as BackupScheduleInputs, failures: [...failures, failure] };
    }
  },

  diff: (_id, olds, news) =>
    // Known by its guest's UUID: a renamed or moved guest keeps its policy (domain metadata).
    diffInputs(olds, news, { inputs: INPUTS, replaceOn: [], deleteBeforeReplace: false }),

  async create(inputs) {
    const conn = await getConnection(inputs.uri);
    return doing(`record the backup schedule of guest "${inputs.domain}"`, async () => {
      const dom = await conn.domainLookupByName(inputs.domain);
      await writeBackupPolicy(conn, dom, policyOf(inputs));
      return { id: scheduleId(dom), outs: { ...inputs } };
    });
  },

  async read(id, state) {
    const uri = uriOf(state);
    const conn = await getConnection(uri);
    const dom = await conn.domainLookupByUuid(uuidFromString(uuidOf(id))).catch(ignoreNotFound);
    if (!dom) return undefined;
    const policy = await readBackupPolicy(conn, dom);
    if (!policy) return undefined; // removed by hand: the next up records it again
    const inputs: BackupScheduleInputs = { uri, domain: dom.name, ...policy };
    return { props: { ...inputs }, inputs };
  },

  async update(id, _olds, news) {
    const conn = await getConnection(news.uri);
    return doing(`update the backup schedule of guest "${news.domain}"`, async () => {
      const dom = await conn.domainLookupByUuid(uuidFromString(uuidOf(id)));
      await writeBackupPolicy(conn, dom, policyOf(news));
      return { ...news };
    });
  },

  async delete(id, state) {
    const conn = await getConnection(uriOf(state));
    await doing(`remove the backup schedule of guest "${String(state.domain)}"`, async () => {
      const dom = await conn.domainLookupByUuid(uuidFromString(uuidOf(id))).catch(ignoreNotFound);
      // The policy goes; every backup stays in its store.
      if (dom) await writeBackupPolicy(conn, dom, null);
    });
  },
};

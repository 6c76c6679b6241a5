/**
 * deskfleet:libvirt:SnapshotSchedule — a guest's snapshot policy, recorded on
 * the host as domain metadata in deskfleet's XML namespace, where the host's
 * `deskfleet snapshots run` reads it (so schedules work when Pulumi is not
 * running). Changing a count rewrites the metadata in place; deleting the
 * resource removes the policy (and the last run's outcome) and keeps every
 * snapshot. `read` (pulumi refresh) reports the last run as outputs.
 */
import { z } from "zod";
import type { DomainRef, LibvirtClient } from "../../libvirt";
import { getConnection, uuidFromString, uuidToString } from "../../libvirt";
import type { SnapshotPolicy } from "../../snapshots/policy";
import {
  DEFAULT_POLICY,
  MAX_COUNT,
  MAX_FREQUENT_PERIOD,
  TimeFormatError,
  normaliseTimes,
} from "../../snapshots/policy";
import { readPolicy, readRunStatus, writePolicy, writeRunStatus } from "../../snapshots/take";
import { defaultUri } from "../config";
import { diffInputs } from "../diff";
import type { CheckFailure } from "../inputs";
import { validateInputs } from "../inputs";
import type { HostInputs, ResourceKind } from "../kind";
import { doing, ignoreNotFound, uriOf } from "../kind";
import { libvirtName } from "../names";
import { snapshotKindNote } from "./snapshotKindNote";

export const SNAPSHOT_SCHEDULE = "deskfleet:libvirt:SnapshotSchedule";

const d = DEFAULT_POLICY;
const count = (fallback: number) => z.number().int().min(0).max(MAX_COUNT).default(fallback);

/** Also the base of the BackupSchedule kind's (backupSchedule.ts). */
export const scheduleInputsSchema = z.object({
  uri: z.string().min(1).default(defaultUri),
  /** The guest (domain name). */
  domain: libvirtName,
  /** The schedule's name in the fleet file (informational). */
  schedule: z.string().min(1),
  frequently: count(d.frequently),
  hourly: count(d.hourly),
  daily: count(d.daily),
  weekly: count(d.weekly),
  monthly: count(d.monthly),
  yearly: count(d.yearly),
  frequentPeriod: z.number().int().min(1).max(MAX_FREQUENT_PERIOD).default(d.frequentPeriod),
  /** Preferred times (snapshots/policy.ts); check writes them in full. */
  at: z
    .object({
      hourly: z.number().int().min(0).max(59).optional(),
      daily: z.string().optional(),
      weekly: z.string().optional(),
      monthly: z.union([z.string(), z.number()]).optional(),
      yearly: z.string().optional(),
    })
    .default({}),
  autosnap: z.boolean().default(d.autosnap),
  autoprune: z.boolean().default(d.autoprune),
  maxPoolUsage: z.number().int().min(1).max(100).default(d.maxPoolUsage),
  memory: z.boolean().default(d.memory),
});

export type SnapshotScheduleInputs = Omit<z.infer<typeof scheduleInputsSchema>, "at"> &
  HostInputs & { at: SnapshotPolicy["at"] };

const INPUTS = Object.keys(scheduleInputsSchema.shape);

export const snapshotSchedule: ResourceKind<SnapshotScheduleInputs> = {
  token: SNAPSHOT_SCHEDULE,

  check(_olds, news) {
    const { inputs, failures } = validateInputs(scheduleInputsSchema, news);
    try {
      return { inputs: { ...inputs, at: normaliseTimes(inputs.at ?? {}) }, failures };
    } catch (err) {
      if (!(err instanceof TimeFormatError)) throw err;
      const failure: CheckFailure = { property: "at", reason: err.message };
      return { inputs: inputs as SnapshotScheduleInputs, failures: [...failures, failure] };
    }
  },

  diff: (_id, olds, news) =>
    diffInputs(olds, news, {
      inputs: INPUTS,
      // Known by its guest's UUID: a renamed or moved guest keeps its policy (domain metadata).
      replaceOn: [],
      deleteBeforeReplace: false,
    }),

  explain: (_olds, inputs) =>
    snapshotKindNote(
      inputs.uri,
      inputs.domain,
      inputs.memory,
      `scheduled snapshots of ${inputs.domain}`,
    ),

  async create(inputs) {
    const conn = await getConnection(inputs.uri);
    return doing(`record the snapshot schedule of guest "${inputs.domain}"`, async () => {
      const dom = await conn.domainLookupByName(inputs.domain);
      await writePolicy(conn, dom, policyOf(inputs));
      return { id: scheduleId(dom), outs: await outputs(conn, dom, inputs) };
    });
  },

  async read(id, state) {
    const uri = uriOf(state);
    const conn = await getConnection(uri);
    const dom = await conn.domainLookupByUuid(uuidFromString(uuidOf(id))).catch(ignoreNotFound);
    if (!dom) return undefined;
    const policy = await readPolicy(conn, dom);
    if (!policy) return undefined; // removed by hand: the next up records it again
    const { schedule, ...fields } = policy;
    const inputs: SnapshotScheduleInputs = { uri, domain: dom.name, schedule, ...fields };
    return { props: await outputs(conn, dom, inputs), inputs };
  },

  async update(id, _olds, news) {
    const conn = await getConnection(news.uri);
    return doing(`update the snapshot schedule of guest "${news.domain}"`, async () => {
      const dom = await conn.domainLookupByUuid(uuidFromString(uuidOf(id)));
      await writePolicy(conn, dom, policyOf(news));
      return outputs(conn, dom, news);
    });
  },

  async delete(id, state) {
    const conn = await getConnection(uriOf(state));
    await doing(`remove the snapshot schedule of guest "${String(state.domain)}"`, async () => {
      const dom = await conn.domainLookupByUuid(uuidFromString(uuidOf(id))).catch(ignoreNotFound);
      if (!dom) return;
      // The policy and the last run's outcome go; every snapshot stays.
      await writePolicy(conn, dom, null);
      await writeRunStatus(conn, dom, null);
    });
  },
};

export function policyOf(inputs: SnapshotScheduleInputs): SnapshotPolicy {
  const { uri: _uri, domain: _domain, ...policy } = inputs;
  return policy;
}

/** `<domain uuid>/snapshot-schedule`: one schedule per guest. */
function scheduleId(dom: DomainRef): string {
  return `${uuidToString(dom.uuid)}/snapshot-schedule`;
}

function uuidOf(id: string): string {
  return id.split("/")[0];
}

/** The last run as the runner recorded it ("" where it has not run yet). */
async function outputs(conn: LibvirtClient, dom: DomainRef, inputs: SnapshotScheduleInputs) {
  const run = await readRunStatus(conn, dom);
  return {
    ...inputs,
    lastRun: run?.lastRun ?? "",
    lastOutcome: run?.outcome ?? "",
    newestSnapshot: run?.newest ?? "",
    lastError: run?.error ?? "",
  };
}

/**
 * A domain's jobs (see api/core.ts for the class layout): a backup of its
 * disks by QEMU (push mode: QEMU writes a point-in-time copy to a file on the
 * host while the guest runs on), its progress and outcome, and freezing the
 * guest's filesystems through its agent so that the copy is consistent.
 */
import type { Encoder } from "../connection";
import { Procedure } from "../protocol";
import type { XdrReader } from "../xdr";
import { encodeDomainRef, encodeOptString, encodeString } from "../types";
import type { DomainRef } from "../types";
import { withFlags } from "./core";
import { DomainMethods } from "./domains";

/** virDomainJobType. */
export const DomainJobType = {
  None: 0,
  Bounded: 1,
  Unbounded: 2,
  Completed: 3,
  Failed: 4,
  Cancelled: 5,
} as const;

/** remote_domain_get_job_info_ret: what the domain's current job is and how far it got. */
export interface DomainJobInfo {
  type: number;
  timeElapsed: bigint;
  dataTotal: bigint;
  dataProcessed: bigint;
  dataRemaining: bigint;
}

/** Limit on freeze/thaw mount point lists (REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX). */
const MAX_MOUNTPOINTS = 256;

/** One remote_typed_param: its name, and its value (ints and doubles as numbers). */
function readTypedParam(r: XdrReader): [string, number | string] {
  const name = r.readString();
  const type = r.readInt();
  if (type === 1 || type === 6) return [name, r.readInt()];
  if (type === 2) return [name, r.readUint()];
  if (type === 3) return [name, Number(r.readHyper())];
  if (type === 4) return [name, Number(r.readUhyper())];
  if (type === 5) return [name, r.readDouble()];
  if (type === 7) return [name, r.readString()];
  throw new RangeError(`typed parameter of unknown type ${type}`);
}

/** remote_domain_get_job_stats_ret: the job's type and its statistics by name (`downtime`, ms). */
export interface DomainJobStats {
  type: number;
  stats: Map<string, number | string>;
}

export class DomainJobMethods extends DomainMethods {
  /**
   * Starts a backup job described by `backupXml` (a <domainbackup>); with
   * `checkpointXml`, also a checkpoint. Returns once the job runs; its end is
   * seen through domainGetJobInfo and domainGetJobStats.
   */
  domainBackupBegin(
    dom: DomainRef,
    backupXml: string,
    checkpointXml: string | null = null,
    flags = 0,
  ): Promise<void> {
    return this.call(Procedure.DomainBackupBegin, (w) => {
      encodeDomainRef(w, dom);
      encodeString(w, backupXml);
      encodeOptString(w, checkpointXml);
      w.writeUint(flags);
    });
  }

  /** The <domainbackup> of the domain's running backup job; fails when none runs. */
  domainBackupGetXmlDesc(dom: DomainRef): Promise<string> {
    return this.call(Procedure.DomainBackupGetXmlDesc, withFlags(encodeDomainRef, dom, 0), (r) =>
      r.readString(),
    );
  }

  /** The domain's running job (type None when it has none). */
  domainGetJobInfo(dom: DomainRef): Promise<DomainJobInfo> {
    return this.call(
      Procedure.DomainGetJobInfo,
      (w) => encodeDomainRef(w, dom),
      (r) => {
        const type = r.readInt();
        const [timeElapsed, , dataTotal, dataProcessed, dataRemaining] = [
          r.readUhyper(),
          r.readUhyper(),
          r.readUhyper(),
          r.readUhyper(),
          r.readUhyper(),
        ];
        for (let i = 0; i < 6; i++) r.readUhyper(); // memory and file figures: not used
        return { type, timeElapsed, dataTotal, dataProcessed, dataRemaining };
      },
    );
  }

  /**
   * The type of a job's statistics: with DomainJobStatsFlags.Completed, the
   * outcome of the last job that ended (Completed, Failed or Cancelled).
   */
  async domainGetJobStatsType(dom: DomainRef, flags = 0): Promise<number> {
    return (await this.domainGetJobStats(dom, flags)).type;
  }

  /** The job's statistics (libvirt's VIR_DOMAIN_JOB_* names); flags as domainGetJobStatsType. */
  domainGetJobStats(dom: DomainRef, flags = 0): Promise<DomainJobStats> {
    return this.call(Procedure.DomainGetJobStats, withFlags(encodeDomainRef, dom, flags), (r) => {
      const type = r.readInt();
      const count = r.readUint();
      const stats = new Map<string, number | string>();
      for (let i = 0; i < count; i++) stats.set(...readTypedParam(r));
      return { type, stats };
    });
  }

  /** Stops the domain's running job. */
  domainAbortJob(dom: DomainRef): Promise<void> {
    return this.call(Procedure.DomainAbortJob, (w) => encodeDomainRef(w, dom));
  }

  /** Freezes the guest's filesystems (all, or `mountpoints`) through its agent; how many. */
  domainFsFreeze(dom: DomainRef, mountpoints: readonly string[] = []): Promise<number> {
    return this.call(Procedure.DomainFsFreeze, fsArgs(dom, mountpoints), (r) => r.readInt());
  }

  /** Thaws what domainFsFreeze froze; how many. */
  domainFsThaw(dom: DomainRef, mountpoints: readonly string[] = []): Promise<number> {
    return this.call(Procedure.DomainFsThaw, fsArgs(dom, mountpoints), (r) => r.readInt());
  }
}

/** remote_domain_fs{freeze,thaw}_args. */
function fsArgs(dom: DomainRef, mountpoints: readonly string[]): Encoder {
  return (w) => {
    encodeDomainRef(w, dom);
    w.writeArray(mountpoints, encodeString, MAX_MOUNTPOINTS);
    w.writeUint(0);
  };
}

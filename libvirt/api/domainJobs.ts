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

/** Skips one remote_typed_param (name, then a value whose type says its size). */
function skipTypedParam(r: XdrReader): void {
  r.readString();
  const type = r.readInt();
  if (type === 1 || type === 2 || type === 6) r.readInt();
  else if (type === 3 || type === 4) r.readHyper();
  else if (type === 5) r.readDouble();
  else if (type === 7) r.readString();
  else throw new RangeError(`typed parameter of unknown type ${type}`);
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
  domainGetJobStatsType(dom: DomainRef, flags = 0): Promise<number> {
    return this.call(Procedure.DomainGetJobStats, withFlags(encodeDomainRef, dom, flags), (r) => {
      const type = r.readInt();
      const count = r.readUint();
      for (let i = 0; i < count; i++) skipTypedParam(r);
      return type;
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

/**
 * What the runner needs from a host, as an interface: the libvirt one
 * (libvirtHost.ts) for real runs, an in-memory one for tests and the
 * benchmark. Keeping the runner's decisions on this side of the interface
 * lets the tests drive "a failed create" or "a week of runs" without a daemon.
 */
import type { SnapshotPolicy } from "./policy";

/** A guest's snapshot as listed; `description` is read only for `autosnap_` names. */
export interface ListedSnapshot {
  name: string;
  description?: string;
}

/** What the last run recorded on the guest (domain metadata), shown by status and `pulumi refresh`. */
export interface RunStatus {
  /** ISO 8601, the run's clock. */
  lastRun: string;
  outcome: "ok" | "skipped" | "error";
  /** The newest of our snapshots after the run. */
  newest?: string;
  /** The snapshot this run took. */
  taken?: string;
  /** How many snapshots this run pruned. */
  pruned: number;
  /** Why something due was not taken. */
  skipped?: string;
  /** What failed, if anything. */
  error?: string;
}

export interface GuestOnHost {
  name: string;
  /** Its schedule; undefined when none is recorded (not scheduled). */
  policy?: SnapshotPolicy;
  /** Recorded, but unreadable (edited by hand?): the guest is left alone and reported. */
  policyError?: string;
  snapshots: ListedSnapshot[];
  /** Why no snapshot can be taken now, if so (see snapshots/mode.ts). */
  blocked?: string;
  /** How its next snapshot would be taken, and why that kind (snapshots/mode.ts). */
  takes?: string;
  lastRun?: RunStatus;
}

export interface SnapshotHost {
  /** Every guest (or those named), with what the runner needs to plan. */
  guests(only?: readonly string[]): Promise<GuestOnHost[]>;
  /**
   * Takes it (`memory`: a running guest's memory too, where the host's kind allows the choice);
   * resolves to how it was taken, in words (e.g. "external, disks only (…)").
   */
  createSnapshot(
    guest: string,
    name: string,
    description: string,
    memory: boolean,
  ): Promise<string>;
  deleteSnapshot(guest: string, name: string): Promise<void>;
  recordStatus(guest: string, status: RunStatus): Promise<void>;
}

/** An in-memory SnapshotHost: guests, their snapshots and recorded outcomes, with injectable failures. */
import type { GuestOnHost, ListedSnapshot, RunStatus, SnapshotHost } from "../../../snapshots/host";
import type { SnapshotPolicy } from "../../../snapshots/policy";
import { DEFAULT_POLICY } from "../../../snapshots/policy";
import { runSnapshots } from "../../../snapshots/run";
import type { RunReport } from "../../../snapshots/run";

export function policy(fields: Partial<SnapshotPolicy>): SnapshotPolicy {
  return { ...DEFAULT_POLICY, schedule: "test", ...fields };
}

export class FakeHost implements SnapshotHost {
  readonly domains = new Map<string, Omit<GuestOnHost, "name">>();
  /** Guests whose next creates fail. */
  readonly failCreate = new Set<string>();
  /** Guests that run on libvirt ≥ 10: deleting a snapshot whose name has ':' fails as QEMU does. */
  readonly refuseColons = new Set<string>();
  /** Snapshots libvirt will not delete yet for their place in an external chain. */
  readonly pinned = new Set<string>();
  /** Every change made, in order: "create demo autosnap_…", "delete demo …", "record demo ok". */
  readonly log: string[] = [];

  add(name: string, policyFields?: Partial<SnapshotPolicy>, snapshots: ListedSnapshot[] = []) {
    this.domains.set(name, {
      ...(policyFields ? { policy: policy(policyFields) } : {}),
      snapshots: [...snapshots],
    });
    return this;
  }

  names(guest: string): string[] {
    return this.get(guest).snapshots.map((s) => s.name);
  }

  lastRun(guest: string): RunStatus | undefined {
    return this.get(guest).lastRun;
  }

  /** Runs at each ISO time in turn; returns the reports. */
  async runAt(times: string[], only?: string[]): Promise<RunReport[]> {
    const reports: RunReport[] = [];
    for (const t of times) {
      reports.push(
        await runSnapshots(this, { now: Date.parse(t), ...(only ? { guests: only } : {}) }),
      );
    }
    return reports;
  }

  guests(only?: readonly string[]): Promise<GuestOnHost[]> {
    const all = [...this.domains].map(([name, g]) => ({ name, ...g, snapshots: [...g.snapshots] }));
    return Promise.resolve(only ? all.filter((g) => only.includes(g.name)) : all);
  }

  createSnapshot(guest: string, name: string, description: string): Promise<string> {
    if (this.failCreate.has(guest)) return Promise.reject(new Error("no space left on device"));
    const g = this.get(guest);
    if (g.snapshots.some((s) => s.name === name)) {
      return Promise.reject(new Error(`snapshot ${name} exists`));
    }
    g.snapshots.push({ name, description });
    this.log.push(`create ${guest} ${name}`);
    return Promise.resolve("internal, in memory (a fake host)");
  }

  deleteSnapshot(guest: string, name: string): Promise<void> {
    if (this.refuseColons.has(guest) && name.includes(":")) {
      return Promise.reject(
        new Error(
          `unable to execute QEMU command 'snapshot-delete': Invalid job ID 'internal-snapshot-delete-${name}'`,
        ),
      );
    }
    if (this.pinned.has(name)) {
      return Promise.reject(
        new Error(
          "unsupported configuration: deletion of non-leaf external snapshot that is not in active chain is not supported",
        ),
      );
    }
    const g = this.get(guest);
    g.snapshots = g.snapshots.filter((s) => s.name !== name);
    this.log.push(`delete ${guest} ${name}`);
    return Promise.resolve();
  }

  recordStatus(guest: string, status: RunStatus): Promise<void> {
    this.get(guest).lastRun = status;
    this.log.push(`record ${guest} ${status.outcome}`);
    return Promise.resolve();
  }

  private get(guest: string) {
    const g = this.domains.get(guest);
    if (!g) throw new Error(`no guest ${guest}`);
    return g;
  }
}

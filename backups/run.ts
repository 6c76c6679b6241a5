/**
 * `deskfleet backup run`: for each guest on the host with a backup schedule
 * (backups/policy.ts), the backup that is due and the pruning, by the same
 * rules as scheduled snapshots (snapshots/plan.ts: sanoid's): one backup
 * serves every type due at once, and a backup goes when no type keeps it.
 * Then the chunks no remaining backup names are swept from each store that
 * lost a backup. A guest that fails does not stop the others. Each store is
 * locked (storeLock.ts) while the run writes it; a store in use by another
 * process fails its guests with that process named.
 */
import type { DomainRef, LibvirtClient } from "../libvirt";
import type { OwnSnapshot } from "../snapshots/names";
import { dueTypes, retention } from "../snapshots/plan";
import type { SnapshotPolicy, SnapshotType } from "../snapshots/policy";
import { ChunkStore } from "./chunkStore";
import type { Manifest } from "./manifest";
import { chunksOf, deleteManifest, listManifests } from "./manifest";
import type { BackupPolicy } from "./policy";
import { readBackupPolicy } from "./policy";
import { lockStore } from "./storeLock";
import { takeBackup } from "./take";

export interface GuestRun {
  guest: string;
  target?: string;
  /** The types that were due (what the backup taken serves). */
  due: string[];
  taken?: Manifest;
  /** The times of the backups pruned. */
  pruned: string[];
  error?: string;
}

export interface RunReport {
  now: string;
  guests: GuestRun[];
  /** Chunks swept from the stores, and their bytes. */
  swept: { chunks: number; bytes: number };
}

const asSnapshotPolicy = (p: BackupPolicy): SnapshotPolicy => ({
  ...p,
  memory: false,
  maxPoolUsage: 100,
});

const asOwn = (m: Manifest): OwnSnapshot => ({
  name: m.time,
  time: Date.parse(m.time),
  types: m.types as SnapshotType[],
});

export async function runBackups(
  conn: LibvirtClient,
  opts: { now: number; dryRun: boolean; guests?: readonly string[] },
): Promise<RunReport> {
  const report: RunReport = {
    now: new Date(opts.now).toISOString(),
    guests: [],
    swept: { chunks: 0, bytes: 0 },
  };
  const pruned = new Set<string>();
  // Each store this run writes is locked from its first guest to the end of its sweep.
  const locks = new Map<string, () => void>();
  try {
    await runAll(conn, opts, report, pruned, locks);
    for (const target of pruned) {
      const keep = chunksOf(await listManifests(target));
      const swept = await new ChunkStore(target).sweep(keep);
      report.swept.chunks += swept.chunks;
      report.swept.bytes += swept.bytes;
    }
  } finally {
    for (const release of locks.values()) release();
  }
  return report;
}

async function runAll(
  conn: LibvirtClient,
  opts: { now: number; dryRun: boolean; guests?: readonly string[] },
  report: RunReport,
  pruned: Set<string>,
  locks: Map<string, () => void>,
): Promise<void> {
  for (const dom of await conn.listAllDomains()) {
    if (opts.guests && !opts.guests.includes(dom.name)) continue;
    const run: GuestRun = { guest: dom.name, due: [], pruned: [] };
    try {
      const policy = await readBackupPolicy(conn, dom);
      if (!policy) continue;
      run.target = policy.target;
      if (!opts.dryRun && !locks.has(policy.target)) {
        locks.set(policy.target, await lockStore(policy.target, "backup run"));
      }
      await runGuest(conn, dom, policy, run, opts);
      if (run.pruned.length > 0) pruned.add(policy.target);
    } catch (err) {
      run.error = err instanceof Error ? err.message : String(err);
    }
    report.guests.push(run);
  }
}

async function runGuest(
  conn: LibvirtClient,
  dom: DomainRef,
  policy: BackupPolicy,
  run: GuestRun,
  opts: { now: number; dryRun: boolean },
): Promise<void> {
  const schedule = asSnapshotPolicy(policy);
  // Backups taken by hand (`backup now`: no types) are the person's, never pruned here.
  const manifests = (await listManifests(policy.target, dom.name)).filter(
    (m) => m.types.length > 0,
  );
  const own = manifests.map(asOwn);
  run.due = dueTypes(schedule, own, opts.now);
  if (run.due.length > 0 && !opts.dryRun) {
    const store = new ChunkStore(policy.target);
    const now = new Date(opts.now);
    run.taken = await takeBackup(conn, dom, { store, root: policy.target, now, types: run.due });
    manifests.push(run.taken);
    own.push(asOwn(run.taken));
  }
  for (const gone of retention(schedule, own, opts.now).prunable) {
    const m = manifests.find((x) => x.time === gone.name);
    if (!m) continue;
    if (!opts.dryRun) await deleteManifest(policy.target, m);
    run.pruned.push(m.time);
  }
}

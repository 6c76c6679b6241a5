/**
 * `deskfleet backup run|now|list|restore` (cli/deskfleet.ts parses the
 * command line): the backups that are due by each guest's schedule (run.ts),
 * a backup by hand (`now`), into a store directory where the command runs,
 * listed from their manifests, restored as a new guest or over the guest
 * itself.
 */
import type { LibvirtClient } from "../libvirt";
import { closeAll, getConnection } from "../libvirt";
import type { Io } from "../snapshots/commands";
import { Exit } from "../snapshots/commands";
import { ChunkStore } from "./chunkStore";
import type { Manifest } from "./manifest";
import { listManifests } from "./manifest";
import { restoreBackup } from "./restore";
import { runBackups } from "./run";
import { withStoreLock } from "./storeLock";
import { takeBackup } from "./take";
import { verifyBackup } from "./verify";

export interface BackupCommon {
  uri: string;
  target: string;
  json: boolean;
  guests?: string[];
}

/** The backups that are due, and the pruning, by each guest's recorded schedule. */
export async function backupRunCommand(
  opts: Omit<BackupCommon, "target"> & { now?: number; dryRun: boolean },
  io: Io,
): Promise<number> {
  return withHost(opts.uri, async (conn) => {
    const report = await runBackups(conn, {
      now: opts.now ?? Date.now(),
      dryRun: opts.dryRun,
      ...(opts.guests ? { guests: opts.guests } : {}),
    });
    if (opts.json) {
      const guests = report.guests.map((g) => ({ ...g, taken: g.taken && summary(g.taken) }));
      io.out(`${JSON.stringify({ ...report, guests }, null, 1)}\n`);
    } else {
      if (report.guests.length === 0) io.out("no guest on this host has a backup schedule\n");
      for (const g of report.guests) {
        const what = g.error
          ? `FAILED: ${g.error}`
          : [
              g.taken
                ? describe(g.taken)
                : g.due.length > 0
                  ? `due: ${g.due.join(", ")} (dry run)`
                  : "nothing due",
              ...(g.pruned.length > 0 ? [`pruned ${g.pruned.join(", ")}`] : []),
            ].join("; ");
        io.out(`${g.guest}: ${what}\n`);
      }
      if (report.swept.chunks > 0) {
        io.out(
          `swept ${report.swept.chunks} chunks no backup needs (${size(report.swept.bytes)})\n`,
        );
      }
    }
    return report.guests.some((g) => g.error !== undefined) ? Exit.Failed : Exit.Ok;
  });
}

const MiB = 1024 ** 2;
const size = (bytes: number) =>
  bytes >= 1024 * MiB
    ? `${(bytes / 1024 / MiB).toFixed(1)} GiB`
    : `${(bytes / MiB).toFixed(1)} MiB`;

async function withHost<T>(uri: string, use: (conn: LibvirtClient) => Promise<T>): Promise<T> {
  try {
    return await use(await getConnection(uri));
  } finally {
    await closeAll();
  }
}

/** Backs up each guest named now, by hand; a guest that fails does not stop the others. */
export async function backupNowCommand(
  opts: BackupCommon & { now?: number },
  io: Io,
): Promise<number> {
  const guests = opts.guests ?? [];
  const store = new ChunkStore(opts.target);
  return withStoreLock(opts.target, "backup now", () =>
    withHost(opts.uri, async (conn) => {
      const results: { guest: string; manifest?: Manifest; error?: string; seconds: number }[] = [];
      for (const guest of guests) {
        const t0 = performance.now();
        try {
          const dom = await conn.domainLookupByName(guest);
          const now = new Date(opts.now ?? Date.now());
          const manifest = await takeBackup(conn, dom, {
            store,
            root: opts.target,
            now,
            types: [],
          });
          results.push({ guest, manifest, seconds: (performance.now() - t0) / 1000 });
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          results.push({ guest, error, seconds: (performance.now() - t0) / 1000 });
        }
      }
      if (opts.json) {
        io.out(
          `${JSON.stringify(
            results.map((r) => ({ ...r, manifest: r.manifest && summary(r.manifest) })),
            null,
            1,
          )}\n`,
        );
      } else {
        for (const r of results) {
          io.out(
            r.manifest
              ? `${r.guest}: ${describe(r.manifest)} in ${r.seconds.toFixed(1)} s\n`
              : `${r.guest}: FAILED: ${r.error}\n`,
          );
        }
      }
      return results.some((r) => r.error !== undefined) ? Exit.Failed : Exit.Ok;
    }),
  );
}

function summary(m: Manifest) {
  const { guest, time, kind, consistency, bytes, verified } = m;
  return { guest, time, kind, consistency, ...bytes, verified };
}

function describe(m: Manifest): string {
  return (
    `${m.kind} backup ${m.time} (${m.consistency}): ${size(m.bytes.content)} of content, ` +
    `${size(m.bytes.data)} of data, ${size(m.bytes.written)} written${m.verified ? ", verified" : ", NOT verified"}`
  );
}

export async function backupListCommand(opts: BackupCommon, io: Io): Promise<number> {
  const all = await listManifests(opts.target);
  const shown = opts.guests ? all.filter((m) => opts.guests?.includes(m.guest)) : all;
  if (opts.json) {
    io.out(`${JSON.stringify(shown.map(summary), null, 1)}\n`);
    return Exit.Ok;
  }
  if (shown.length === 0) {
    io.out(`no backups in ${opts.target}\n`);
    return Exit.Ok;
  }
  for (const m of shown) io.out(`${m.guest}  ${describe(m)}\n`);
  return Exit.Ok;
}

/** The backup of `guest` to restore: the newest, or the newest at or before `at`. */
export function pickBackup(all: readonly Manifest[], guest: string, at?: number): Manifest {
  const mine = all.filter(
    (m) => m.guest === guest && (at === undefined || Date.parse(m.time) <= at),
  );
  const pick = mine.at(-1);
  if (!pick) {
    const when = at !== undefined ? ` at or before ${new Date(at).toISOString()}` : "";
    throw new Error(`no backup of guest "${guest}"${when}`);
  }
  return pick;
}

export async function backupRestoreCommand(
  opts: BackupCommon & {
    guest: string;
    at?: number;
    as?: string;
    force: boolean;
    /** Restore to a scratch guest, boot it, remove it (verify.ts). */
    verify?: { bootSeconds: number };
  },
  io: Io,
): Promise<number> {
  const store = new ChunkStore(opts.target);
  const m = pickBackup(await listManifests(opts.target, opts.guest), opts.guest, opts.at);
  return withStoreLock(opts.target, "backup restore", () =>
    withHost(opts.uri, async (conn) => {
      if (opts.verify) {
        const r = await verifyBackup(conn, store, m, opts.verify);
        io.out(
          opts.json
            ? `${JSON.stringify(r, null, 1)}\n`
            : `${m.guest}'s backup of ${m.time} restores and boots: restored as ${r.scratch}, ${r.sign} ${r.seconds} s after its start (its network links unplugged), removed again\n`,
        );
        return Exit.Ok;
      }
      const { dom } = await restoreBackup(conn, store, m, {
        ...(opts.as !== undefined ? { as: opts.as } : {}),
        force: opts.force,
      });
      io.out(`restored ${m.guest}'s backup of ${m.time} as "${dom.name}" (shut off)\n`);
      return Exit.Ok;
    }),
  );
}

/**
 * `deskfleet snapshots run | status | revert | install-timer`: each command with its
 * options parsed, output written through `out`, and an exit status returned,
 * so that tests can call them without a process. cli/deskfleet.ts only
 * dispatches.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ErrorCode, hasCode, LibvirtClient } from "../libvirt";
import { formatRun, formatStatus } from "./format";
import { LibvirtSnapshotHost } from "./libvirtHost";
import { LockBusyError, acquireLock, defaultLockPath } from "./lock";
import { revertToSnapshot } from "./revert";
import { runSnapshots } from "./run";
import { statusReport } from "./status";
import { DEFAULT_INTERVAL_MINUTES, DEFAULT_UNIT_NAME, timerUnits } from "./timer";

/** Exit statuses: EX_TEMPFAIL (75) when another run holds the lock, as cron and systemd expect. */
export const Exit = { Ok: 0, Failed: 1, Usage: 2, Busy: 75 } as const;

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface CommonOptions {
  uri: string;
  json: boolean;
  /** The clock; default the real one. */
  now?: number;
  /** Only these guests. */
  guests?: string[];
}

export function defaultUri(env: NodeJS.ProcessEnv = process.env): string {
  return env.DESKFLEET_URI || env.LIBVIRT_DEFAULT_URI || "qemu:///system";
}

async function withHost<T>(
  uri: string,
  use: (host: LibvirtSnapshotHost) => Promise<T>,
): Promise<T> {
  const conn = await LibvirtClient.connect(uri);
  try {
    return await use(new LibvirtSnapshotHost(conn));
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export async function runCommand(
  opts: CommonOptions & { dryRun: boolean; lock?: string },
  io: Io,
): Promise<number> {
  // A dry run changes nothing, so it needs no lock.
  let release = () => {};
  if (!opts.dryRun) {
    try {
      release = acquireLock(opts.lock ?? defaultLockPath(opts.uri), "snapshots run");
    } catch (err) {
      if (!(err instanceof LockBusyError)) throw err;
      io.err(`deskfleet snapshots run: ${err.message}; not running\n`);
      return Exit.Busy;
    }
  }
  try {
    const report = await withHost(opts.uri, (host) =>
      runSnapshots(host, {
        now: opts.now ?? Date.now(),
        dryRun: opts.dryRun,
        ...(opts.guests ? { guests: opts.guests } : {}),
      }),
    );
    io.out(
      opts.json ? `${JSON.stringify({ uri: opts.uri, ...report })}\n` : formatRun(report, opts.uri),
    );
    return report.guests.some((g) => g.errors.length > 0) ? Exit.Failed : Exit.Ok;
  } finally {
    release();
  }
}

export async function statusCommand(opts: CommonOptions, io: Io): Promise<number> {
  const now = opts.now ?? Date.now();
  const report = await withHost(opts.uri, async (host) =>
    statusReport(await host.guests(opts.guests), now),
  );
  // {"guests":[{"name":…,"retained":{"hourly":[…],…},…}],"now":…,"uri":…}
  const json = () => `${JSON.stringify({ ...report, uri: opts.uri })}\n`;
  io.out(opts.json ? json() : formatStatus(report, opts.uri));
  return Exit.Ok;
}

/**
 * Reverts a guest to one of its snapshots, scheduled or not, of any kind
 * (snapshots/revert.ts): the guest keeps its definition and runs afterwards
 * only if it ran.
 */
export async function revertCommand(
  opts: { uri: string; guest: string; snapshot: string },
  io: Io,
): Promise<number> {
  const conn = await LibvirtClient.connect(opts.uri);
  try {
    const dom = await conn.domainLookupByName(opts.guest).catch((err: unknown) => {
      if (!hasCode(err, ErrorCode.NoDomain)) throw err;
      throw new Error(`no guest "${opts.guest}" on ${opts.uri}`);
    });
    const names = (await conn.domainListAllSnapshots(dom, 0)).map((s) => s.name);
    if (!names.includes(opts.snapshot)) {
      const has = names.length > 0 ? `it has: ${names.sort().join(", ")}` : "it has none";
      io.err(
        `deskfleet snapshots revert: guest "${opts.guest}" has no snapshot "${opts.snapshot}"; ${has}\n`,
      );
      return Exit.Failed;
    }
    await revertToSnapshot(conn, dom, opts.snapshot);
    const state = (await conn.domainIsActive(dom)) ? "running" : "shut off";
    io.out(`reverted ${opts.guest} to ${opts.snapshot}; it is ${state}\n`);
    return Exit.Ok;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export interface InstallOptions {
  uri: string;
  print: boolean;
  intervalMinutes?: number;
  unitName?: string;
  /** Where units go (default /etc/systemd/system). */
  unitDir?: string;
  /** Write the units but leave systemctl alone. */
  enable?: boolean;
  /** Paths written into ExecStart (default: this Node and this script). */
  node?: string;
  script?: string;
}

export function installTimerCommand(opts: InstallOptions, io: Io): number {
  const name = opts.unitName ?? DEFAULT_UNIT_NAME;
  const interval = opts.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES;
  const units = timerUnits({
    node: opts.node ?? process.execPath,
    script: opts.script ?? join(__dirname, "..", "cli", "deskfleet.js"),
    uri: opts.uri,
    intervalMinutes: interval,
    unitName: name,
  });
  if (opts.print) {
    io.out(`# /etc/systemd/system/${name}.service\n${units.service}\n`);
    io.out(`# /etc/systemd/system/${name}.timer\n${units.timer}\n`);
    io.out(`# or, without systemd, /etc/cron.d/${name}:\n${units.cron}`);
    return Exit.Ok;
  }
  const dir = opts.unitDir ?? "/etc/systemd/system";
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.service`), units.service);
  writeFileSync(join(dir, `${name}.timer`), units.timer);
  io.out(`wrote ${join(dir, `${name}.service`)} and ${join(dir, `${name}.timer`)}\n`);
  if (opts.enable === false) return Exit.Ok;
  try {
    execFileSync("systemctl", ["daemon-reload"], { stdio: "pipe" });
    execFileSync("systemctl", ["enable", "--now", `${name}.timer`], { stdio: "pipe" });
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    io.err(
      `deskfleet snapshots install-timer: systemctl failed (${why}).\n` +
        `Enable it yourself with "systemctl enable --now ${name}.timer", or without systemd ` +
        `put this line in /etc/cron.d/${name}:\n${units.cron}`,
    );
    return Exit.Failed;
  }
  io.out(`enabled ${name}.timer: every ${interval} minutes\n`);
  return Exit.Ok;
}

/**
 * The systemd timer and service that run `deskfleet snapshots run` and
 * `deskfleet backup run` on the host (or the equivalent cron line), as text.
 * Pure: the CLI writes them.
 */

export interface TimerOptions {
  /** Absolute path of the Node binary. */
  node: string;
  /** Absolute path of dist/cli/deskfleet.js. */
  script: string;
  uri: string;
  /** Minutes between runs; sanoid suggests running every minute or so, 5 is plenty. */
  intervalMinutes: number;
  /** Base name of the units. */
  unitName: string;
}

export const DEFAULT_UNIT_NAME = "deskfleet-snapshots";
export const DEFAULT_INTERVAL_MINUTES = 5;

/** systemd's quoting for ExecStart arguments: double quotes, backslash escapes, % doubled. */
function quote(arg: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg.replace(/%/g, "%%");
  return `"${arg.replace(/[\\"]/g, "\\$&").replace(/%/g, "%%")}"`;
}

/** POSIX shell quoting for the cron line. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function timerUnits(o: TimerOptions): { service: string; timer: string; cron: string } {
  const argv = [o.node, o.script, "snapshots", "run", "--uri", o.uri];
  // Backups that are due run in the same round (backups/run.ts), after the snapshots; "-": a
  // failed snapshot run does not keep the backups from running.
  const backups = [o.node, o.script, "backup", "run", "--uri", o.uri];
  const service = `# Written by "deskfleet snapshots install-timer".
[Unit]
Description=deskfleet: scheduled snapshots and backups of the guests on ${o.uri}
After=libvirtd.service virtqemud.service

[Service]
Type=oneshot
ExecStart=-${argv.map(quote).join(" ")}
ExecStart=${backups.map(quote).join(" ")}
`;
  const timer = `# Written by "deskfleet snapshots install-timer".
[Unit]
Description=deskfleet: scheduled snapshots every ${o.intervalMinutes} minutes

[Timer]
OnCalendar=*:0/${o.intervalMinutes}
# A run missed while the machine was off happens at boot; the runner takes one
# catch-up snapshot per type, not one per missed slot.
Persistent=true

[Install]
WantedBy=timers.target
`;
  const cron =
    `*/${o.intervalMinutes} * * * * root ${argv.map(shellQuote).join(" ")} >/dev/null; ` +
    `${backups.map(shellQuote).join(" ")} >/dev/null\n`;
  return { service, timer, cron };
}

#!/usr/bin/env node
/**
 * The `deskfleet` command (package.json "bin"): host-side chores that run
 * without Pulumi. Today: scheduled snapshots (snapshots/commands.ts).
 *
 *   deskfleet snapshots run [--uri URI] [--now ISO] [--dry-run] [--json] [--guest NAME]…
 *   deskfleet snapshots status [--uri URI] [--now ISO] [--json] [--guest NAME]…
 *   deskfleet snapshots revert [--uri URI] GUEST SNAPSHOT
 *   deskfleet snapshots install-timer [--uri URI] [--print] [--interval MIN] [--unit-name NAME]
 *   deskfleet import [--uri URI] DOMAIN…   (cli/importFleet.ts)
 *   deskfleet init MACHINE [--uri URI] [--fleet FILE]… [--force]   (cli/init.ts)
 *   deskfleet affected [--changed FILE] [--json] [PATH…]   (cli/affected.ts)
 *   deskfleet backup run [--guest NAME]… [--uri URI] [--now ISO] [--dry-run] [--json]
 *   deskfleet backup now GUEST… --target DIR [--uri URI] [--json]
 *   deskfleet backup list --target DIR [--guest NAME]… [--json]
 *   deskfleet backup restore GUEST --target DIR [--at ISO] [--as NAME | --force | --verify] [--uri URI]
 *   (backups/commands.ts)
 *   deskfleet review [--stack S]… [--policy-pack DIR]… [--out FILE] [-- PULUMI-PREVIEW-ARG…]
 *   deskfleet review --from PREVIEW.json… [--event-log FILE]… [--text FILE]… [--stack S]… [--out FILE]
 *   (cli/review.ts)
 */
import { parseArgs } from "node:util";
import { closeAll, getConnection } from "../libvirt";
import { importFleet } from "./importFleet";
import { reviewCommand } from "./review";
import { affectedCommand } from "./affected";
import { initCommand } from "./initCommand";
import { findProjectRoot } from "./stackConfigs";
import {
  backupListCommand,
  backupNowCommand,
  backupRestoreCommand,
  backupRunCommand,
} from "../backups/commands";
import type { Io } from "../snapshots/commands";
import {
  Exit,
  defaultUri,
  installTimerCommand,
  runCommand,
  revertCommand,
  statusCommand,
} from "../snapshots/commands";

const USAGE = `usage: deskfleet snapshots <command> [options]
       deskfleet backup run|now|list|restore [options]
       deskfleet import [--uri URI] DOMAIN…
       deskfleet review [--stack S]… [--out FILE] [--from JSON]… [--event-log FILE]… [-- ARG…]
       deskfleet init MACHINE [--uri URI] [--fleet FILE]… [--force]
       deskfleet affected [--changed FILE] [--json] [PATH…]

import DOMAIN…   print a fleet file that adopts these existing guests, with their pools and
                 networks (adopt: true): put it in a stack and \`pulumi up\` takes them over
init MACHINE     a stack for another machine: stacks/Pulumi.MACHINE.yaml (its --uri, default
                 qemu:///system, and its fleet files) and stacks/MACHINE.yaml, its overrides of
                 the shared fleet (a commented skeleton). The shared fleet files are those named
                 by every stack config, or --fleet FILE (repeatable, in merge order); --force
                 replaces existing files (the stack config keeps its other settings)
affected PATH…   the stacks whose stack config or fleet files are among the changed PATHs
                 (and those listed in --changed FILE, one per line, - for stdin), one per
                 line or with --json as a JSON list (the pull-request preview uses it)

review           Markdown for a pull-request comment about the preview of each stack: first, in
                 bold, what deletes data, replaces, moves or restarts a guest and what a policy
                 stops; a table per host; policy findings; a diagram of the fleet after the
                 change; Pulumi's own text. Runs \`pulumi preview\` here (exit 1 when one fails,
                 the review written all the same), or reads a preview made elsewhere
  --stack S        a stack to preview; repeatable (default $DESKFLEET_STACK or example)
  --policy-pack D  a policy pack to run; repeatable (default ./policies when there is one)
  --out FILE       write the review there (default: stdout)
  --from JSON      read \`pulumi preview --json\` output instead of running a preview; repeatable
  --event-log FILE read that run's engine event log (\`pulumi preview --event-log FILE\`, with
                   PULUMI_DEBUG_COMMANDS=true): its policy findings and unchanged resources
  --text FILE      that run's text, folded into the review
  -- ARG…          arguments for each pulumi preview, e.g. -- --config deskfleet:checkImages=false

commands:
  run            take and prune the snapshots that are due, by each guest's schedule
  status         each scheduled guest: its policy, the snapshots each type keeps, what is due
  revert G S     revert guest G to its snapshot S (any kind); it runs afterwards only if it ran
  install-timer  write and enable a systemd timer that runs "snapshots run" every 5 minutes

options:
  --uri URI        libvirt host (default $DESKFLEET_URI, $LIBVIRT_DEFAULT_URI or qemu:///system)
  --now ISO        the clock, e.g. 2030-01-01T04:30Z (run, status; default: now)
  --dry-run        plan and report only; change nothing (run)
  --json           a machine-readable report (run, status)
  --guest NAME     only this guest; repeatable (run, status)
  --lock PATH      the lock file (run; default one per URI in /run/lock)
  --print          print the units and a cron line instead of installing (install-timer)
  --interval MIN   minutes between runs, 1-60 (install-timer; default 5)
  --unit-name NAME units NAME.service and NAME.timer (install-timer; default deskfleet-snapshots)
  --unit-dir DIR   where to write the units (install-timer; default /etc/systemd/system)
  --no-enable      write the units but do not run systemctl (install-timer)

backup run       take the backups that are due by each guest's backup schedule (recorded by
                 pulumi up) and prune those its counts no longer keep (--now, --dry-run)
backup now G…    back up guests G… now into the store at --target (a directory here): the
                 first backup of a guest writes all its data, later ones only what changed
backup list      the backups in --target: time, full/incremental, sizes, verified
backup restore G restore guest G's newest backup (or the newest at or before --at): as a new
                 guest with --as NAME, or over G itself with --force (G must be shut off), or
                 check that it restores and boots with --verify
  --target DIR     the backup store (backup now, list, restore; required)
  --as NAME        restore as a new guest of this name (restore)
  --at ISO         restore the backup of this time or the one before it (restore)
  --force          restore over the guest itself (restore)
  --verify         restore to a scratch guest, links unplugged, boot it (its guest agent answers,
                   or it shuts down on the power button) and remove it again (restore)
  --boot-seconds N how long --verify waits for the copy to show it booted (default 300)
`;

class UsageError extends Error {}

const OPTIONS = {
  uri: { type: "string" },
  now: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  guest: { type: "string", multiple: true },
  lock: { type: "string" },
  print: { type: "boolean", default: false },
  interval: { type: "string" },
  "unit-name": { type: "string" },
  "unit-dir": { type: "string" },
  "no-enable": { type: "boolean", default: false },
  target: { type: "string" },
  as: { type: "string" },
  at: { type: "string" },
  force: { type: "boolean", default: false },
  verify: { type: "boolean", default: false },
  "boot-seconds": { type: "string", default: "300" },
  stack: { type: "string", multiple: true },
  out: { type: "string" },
  from: { type: "string", multiple: true },
  "event-log": { type: "string", multiple: true },
  text: { type: "string", multiple: true },
  "policy-pack": { type: "string", multiple: true },
  fleet: { type: "string", multiple: true },
  changed: { type: "string" },
  help: { type: "boolean", short: "h", default: false },
} as const;

function parseNow(text: string | undefined, option = "--now"): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  // An ISO time with a zone, so that "04:30" never silently means local time.
  if (Number.isNaN(ms) || !/(Z|[+-]\d{2}:?\d{2})$/i.test(text)) {
    throw new UsageError(
      `${option}: expected an ISO 8601 time with a zone, like 2030-01-01T04:30Z; got "${text}"`,
    );
  }
  return ms;
}

function parseInterval(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 60) {
    throw new UsageError(`--interval: expected whole minutes from 1 to 60; got "${text}"`);
  }
  return n;
}

export async function main(argv: string[], io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.err(`deskfleet: ${(err as Error).message}\n\n${USAGE}`);
    return Exit.Usage;
  }
  const { values: v, positionals } = parsed;
  const [group, command, ...extra] = positionals;
  if (v.help || group === undefined) {
    io.out(USAGE);
    return v.help ? Exit.Ok : Exit.Usage;
  }
  if (group === "import") {
    const names = positionals.slice(1);
    if (names.length === 0) {
      io.err(`deskfleet: import needs the names of the guests to adopt\n\n${USAGE}`);
      return Exit.Usage;
    }
    return importCommand(v.uri ?? defaultUri(), names, io);
  }
  if (group === "backup") return backupCommand(command, extra, v, io);
  if (group === "review") {
    // What follows `--` goes to each `pulumi preview` as it is.
    const dashes = argv.indexOf("--");
    const pulumiArgs = dashes >= 0 ? argv.slice(dashes + 1) : [];
    const operands = positionals.slice(1, positionals.length - pulumiArgs.length);
    if (operands.length > 0) {
      io.err(`deskfleet: unexpected "${operands.join(" ")}"\n\n${USAGE}`);
      return Exit.Usage;
    }
    return reviewCommandOf(v, pulumiArgs, io);
  }
  if (group === "init" || group === "affected")
    return projectCommand(group, positionals.slice(1), v, io);
  try {
    const operands = command === "revert" ? 2 : 0;
    if (group !== "snapshots" || extra.length > operands)
      throw new UsageError(`unknown command "${positionals.join(" ")}"`);
    const common = {
      uri: v.uri ?? defaultUri(),
      json: v.json,
      ...(v.guest ? { guests: v.guest } : {}),
    };
    switch (command) {
      case "run": {
        const now = parseNow(v.now);
        return await runCommand(
          {
            ...common,
            dryRun: v["dry-run"],
            ...(now !== undefined ? { now } : {}),
            ...(v.lock ? { lock: v.lock } : {}),
          },
          io,
        );
      }
      case "status": {
        const now = parseNow(v.now);
        return await statusCommand({ ...common, ...(now !== undefined ? { now } : {}) }, io);
      }
      case "revert": {
        const [guest, snapshot] = extra;
        if (guest === undefined || snapshot === undefined) {
          throw new UsageError(
            "snapshots revert needs a guest and a snapshot: revert GUEST SNAPSHOT",
          );
        }
        return await revertCommand({ uri: common.uri, guest, snapshot }, io);
      }
      case "install-timer": {
        const interval = parseInterval(v.interval);
        return installTimerCommand(
          {
            uri: common.uri,
            print: v.print,
            enable: !v["no-enable"],
            ...(interval !== undefined ? { intervalMinutes: interval } : {}),
            ...(v["unit-name"] ? { unitName: v["unit-name"] } : {}),
            ...(v["unit-dir"] ? { unitDir: v["unit-dir"] } : {}),
          },
          io,
        );
      }
      default:
        throw new UsageError(`unknown command "snapshots ${command ?? ""}"`.trimEnd());
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`deskfleet: ${err.message}\n\n${USAGE}`);
      return Exit.Usage;
    }
    io.err(`deskfleet snapshots ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return Exit.Failed;
  }
}

type Values = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
>["values"];

async function backupCommand(
  command: string | undefined,
  operands: string[],
  v: Values,
  io: Io,
): Promise<number> {
  try {
    const common = {
      uri: v.uri ?? defaultUri(),
      json: v.json,
      ...(v.guest ? { guests: v.guest } : {}),
    };
    const target = (): string => {
      if (v.target === undefined) {
        throw new UsageError(`backup ${command ?? ""} needs --target DIR (the backup store)`);
      }
      return v.target;
    };
    const noOperands = () => {
      if (operands.length > 0) throw new UsageError(`unexpected "${operands.join(" ")}"`);
    };
    switch (command) {
      case "run": {
        noOperands();
        const now = parseNow(v.now);
        return await backupRunCommand(
          { ...common, dryRun: v["dry-run"], ...(now !== undefined ? { now } : {}) },
          io,
        );
      }
      case "now": {
        if (operands.length === 0) throw new UsageError("backup now needs the guests: now GUEST…");
        return await backupNowCommand({ ...common, target: target(), guests: operands }, io);
      }
      case "list":
        noOperands();
        return await backupListCommand({ ...common, target: target() }, io);
      case "restore": {
        const [guest, ...rest] = operands;
        if (guest === undefined || rest.length > 0) {
          throw new UsageError("backup restore needs one guest: restore GUEST");
        }
        const at = parseNow(v.at, "--at");
        if (v.verify && (v.as !== undefined || v.force)) {
          throw new UsageError(
            "backup restore --verify restores to a scratch guest of its own: it takes neither --as nor --force",
          );
        }
        const bootSeconds = Number(v["boot-seconds"]);
        if (!Number.isInteger(bootSeconds) || bootSeconds < 1) {
          throw new UsageError(
            `--boot-seconds must be a whole number of seconds, 1 or more (got "${v["boot-seconds"]}")`,
          );
        }
        return await backupRestoreCommand(
          {
            ...common,
            target: target(),
            guest,
            force: v.force,
            ...(at !== undefined ? { at } : {}),
            ...(v.as !== undefined ? { as: v.as } : {}),
            ...(v.verify ? { verify: { bootSeconds } } : {}),
          },
          io,
        );
      }
      default:
        throw new UsageError(`unknown command "backup ${command ?? ""}"`.trimEnd());
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`deskfleet: ${err.message}\n\n${USAGE}`);
      return Exit.Usage;
    }
    io.err(`deskfleet backup ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return Exit.Failed;
  }
}

async function reviewCommandOf(v: Values, pulumiArgs: string[], io: Io): Promise<number> {
  try {
    return await reviewCommand(
      {
        stacks: v.stack ?? [],
        pulumiArgs,
        from: v.from ?? [],
        eventLogs: v["event-log"] ?? [],
        texts: v.text ?? [],
        policyPacks: v["policy-pack"] ?? [],
        cwd: process.cwd(),
        ...(v.out !== undefined ? { out: v.out } : {}),
      },
      io,
    );
  } catch (err) {
    io.err(`deskfleet review: ${err instanceof Error ? err.message : String(err)}\n`);
    return Exit.Failed;
  }
}

/** The commands that work on the project's files (the nearest directory with Pulumi.yaml). */
function projectCommand(group: "init" | "affected", operands: string[], v: Values, io: Io): number {
  const cwd = process.cwd();
  const root = findProjectRoot(cwd);
  if (root === undefined) {
    io.err(`deskfleet ${group}: no Pulumi.yaml in ${cwd} or above it: run it in the project\n`);
    return Exit.Failed;
  }
  if (group === "affected") {
    return affectedCommand(
      {
        root,
        paths: operands,
        json: v.json,
        ...(v.changed !== undefined ? { changedFile: v.changed } : {}),
      },
      io,
    );
  }
  const [machine, ...rest] = operands;
  if (machine === undefined || rest.length > 0) {
    io.err(`deskfleet: init needs one machine name: init MACHINE\n\n${USAGE}`);
    return Exit.Usage;
  }
  return initCommand(
    {
      root,
      cwd,
      machine,
      force: v.force,
      ...(v.uri !== undefined ? { uri: v.uri } : {}),
      ...(v.fleet !== undefined ? { fleet: v.fleet } : {}),
    },
    io,
  );
}

async function importCommand(uri: string, names: string[], io: Io): Promise<number> {
  try {
    const conn = await getConnection(uri);
    const today = new Date().toISOString().slice(0, 10);
    io.out(await importFleet(conn, uri, names, today));
    return Exit.Ok;
  } catch (err) {
    io.err(`deskfleet import: ${err instanceof Error ? err.message : String(err)}\n`);
    return Exit.Failed;
  } finally {
    await closeAll();
  }
}

if (require.main === module) {
  const io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  void main(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
  });
}

/**
 * Backups a person can restore, through the real `deskfleet backup` command
 * and the system daemon (libvirt 9.0): a running appliance guest (deployed by
 * the real Pulumi CLI) is backed up (full), its data disk's marker changed and
 * it boots again, then backed up again (incremental: only what changed is
 * written). Each backup restores as a new guest beside it, which boots and
 * shows the marker and boot count of its time; `--verify` boots a scratch
 * copy and removes it. A runner killed half way leaves nothing listed and the
 * next run completes. A damaged chunk is refused.
 * Objects: test-bk-*.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { consoleText, REPO_ROOT, requireAppliance } from "../support/host";
import { useDeployment } from "../support/deployment";
import { systemHost } from "../support/hosts";
import { waitFor } from "../support/wait";

jest.setTimeout(300_000);

const POOL = "test-bk-pool";
const POOL_DIR = systemHost.poolDir(POOL);
const G = "test-bk-g";
const RESTORED = ["test-bk-r1", "test-bk-r2"];
const store = mkdtempSync(join(tmpdir(), "test-bk-store-"));
const CLI = join(REPO_ROOT, "dist", "cli", "deskfleet.js");

const fleet = (running: boolean, schedule = "") => `
pools:
  ${POOL}: { path: ${POOL_DIR} }
images:
  test-bk-appliance: { source: ${requireAppliance()} }
guests:
  ${G}:
    type: qemu
    memory: 128MiB
    running: ${running}
    disks:
      root: { image: test-bk-appliance }
      data: { size: 16MiB }${schedule !== "" ? `\n    backupSchedule: nightly\nbackupSchedules:\n  nightly: ${schedule}` : ""}
`;
const deployed = useDeployment(systemHost, "test-bk", () => fleet(false), POOL_DIR);

const virsh = (...args: string[]): string =>
  execFileSync("virsh", ["-q", "-c", deployed.uri, ...args], { encoding: "utf8" }).trim();
const deskfleet = (...args: string[]): string =>
  execFileSync(process.execPath, [CLI, ...args, "--uri", deployed.uri, "--target", store], {
    encoding: "utf8",
  });
const lastBoot = (guest: string) =>
  consoleText(systemHost.consoleLog(guest))
    .split("\n")
    .filter((l) => l.includes("DESKFLEET-APPLIANCE boot="))
    .at(-1);
function marker(volume: string, pattern: number, write = false): boolean {
  const op = write ? "write" : "read";
  try {
    execFileSync("qemu-io", [
      "-f",
      "qcow2",
      ...(write ? [] : ["-r", "-U"]),
      "-c",
      `${op} -P ${pattern} 0 64k`,
      join(POOL_DIR, volume),
    ]);
    return true;
  } catch (err) {
    if (/verification failed/i.test(String((err as { stdout?: Buffer }).stdout))) return false;
    throw err;
  }
}
async function booted(guest: string, n: number): Promise<void> {
  await waitFor(
    `${guest}'s boot ${n}`,
    () => (lastBoot(guest)?.includes(`boot=${n}`) ? true : undefined),
    120_000,
  );
}

afterAll(() => {
  for (const name of RESTORED) {
    try {
      virsh("destroy", name);
    } catch {
      // not running
    }
    try {
      // Their volumes are in the pool's folder, which the deployment removes with the pool.
      virsh("undefine", name, "--nvram");
    } catch {
      // not defined
    }
  }
  rmSync(store, { recursive: true, force: true });
});

const times: string[] = [];

it("backs up a running guest: the first backup is full, and verified", async () => {
  await deployed.project.stack.up();
  marker(`${G}-data.qcow2`, 0x41, true);
  deployed.project.writeFleet(fleet(true));
  await deployed.project.stack.up();
  await booted(G, 1);
  const out = JSON.parse(deskfleet("backup", "now", G, "--json")) as {
    manifest: {
      time: string;
      kind: string;
      consistency: string;
      verified: boolean;
      written: number;
      data: number;
    };
  }[];
  expect(out[0].manifest).toMatchObject({
    kind: "full",
    consistency: "running, crash-consistent",
    verified: true,
  });
  expect(out[0].manifest.written).toBe(out[0].manifest.data);
  times.push(out[0].manifest.time);
  expect(virsh("domstate", G)).toBe("running");
});

it("a second backup after a change writes only what changed", async () => {
  deployed.project.writeFleet(fleet(false));
  await deployed.project.stack.up();
  marker(`${G}-data.qcow2`, 0x42, true);
  deployed.project.writeFleet(fleet(true));
  await deployed.project.stack.up();
  await booted(G, 2);
  const out = JSON.parse(deskfleet("backup", "now", G, "--json")) as {
    manifest: { time: string; kind: string; written: number; data: number };
  }[];
  const { kind, written, data } = out[0].manifest;
  expect(kind).toBe("incremental");
  // Two 4 MiB chunks changed: the data disk's marker, and the root disk's boot counter.
  expect(written).toBeGreaterThan(0);
  expect(written).toBeLessThanOrEqual(2 * 4 * 1024 ** 2);
  console.log(`backup: incremental wrote ${written} of ${data} bytes of data`);
  times.push(out[0].manifest.time);
  const listed = deskfleet("backup", "list");
  expect(listed.split("\n").filter((l) => l.startsWith(G))).toHaveLength(2);
});

it("each backup restores as a new guest that boots with the marker and boot count of its time", async () => {
  for (const [i, name] of RESTORED.entries()) {
    deskfleet("backup", "restore", G, "--as", name, "--at", times[i]);
    expect(marker(`${name}-data.qcow2`, i === 0 ? 0x41 : 0x42)).toBe(true);
    expect(virsh("domuuid", name)).not.toBe(virsh("domuuid", G));
    virsh("start", name);
    // The backup held the disk after boot N; the restored guest's first boot is N + 1.
    await booted(name, i + 2);
  }
});

it("restore --verify boots the newest backup as a scratch guest, then removes every trace of it", () => {
  const out = JSON.parse(deskfleet("backup", "restore", G, "--verify", "--json")) as {
    scratch: string;
    sign: string;
    seconds: number;
  };
  expect(out.scratch).toMatch(/^test-bk-g-verify-\d{8}-\d{6}$/);
  // The appliance has no guest agent: it shows it is up by obeying the power button.
  expect(out.sign).toBe("it shut down on the power button");
  console.log(`backup: restore --verify booted the copy in ${out.seconds} s`);
  // Its init answered the button (it may come before the boot counter's line: that is the point,
  // the system is up when it listens to the button).
  expect(consoleText(systemHost.consoleLog(out.scratch))).toContain("DESKFLEET-APPLIANCE shutdown");
  expect(virsh("list", "--all", "--name").split("\n")).not.toContain(out.scratch);
  expect(virsh("vol-list", POOL)).not.toContain(out.scratch);
});

it("a restore over a guest that exists is refused without --force, naming the way out", () => {
  expect(() => deskfleet("backup", "restore", G)).toThrow(/exists on .*--as NAME.*--force/s);
});

it("a backup schedule recorded by pulumi up: backup run takes what is due and prunes by its counts", async () => {
  deployed.project.writeFleet(fleet(false, `{ target: ${store}, daily: 3 }`));
  await deployed.project.stack.up();
  const run = (day: number) =>
    JSON.parse(
      execFileSync(
        process.execPath,
        [
          CLI,
          "backup",
          "run",
          "--uri",
          deployed.uri,
          "--guest",
          G,
          "--json",
          "--now",
          `2030-01-${String(day).padStart(2, "0")}T03:00Z`,
        ],
        { encoding: "utf8" },
      ),
    ) as { guests: { guest: string; due: string[]; taken?: { kind: string }; pruned: string[] }[] };
  const first = run(1);
  expect(first.guests).toEqual([expect.objectContaining({ guest: G, due: ["daily"], pruned: [] })]);
  // The same night again: nothing due.
  expect(run(1).guests[0]).toMatchObject({ due: [], pruned: [] });
  for (let day = 2; day <= 6; day++) run(day);
  const scheduled = readdirSync(join(store, "guests", G)).filter((f) => f.startsWith("2030-"));
  // sanoid's rule: 3 daily kept, and one exactly 3 days old is kept too (it is not older).
  expect(scheduled.sort()).toEqual([
    "2030-01-03T03-00-00Z.json",
    "2030-01-04T03-00-00Z.json",
    "2030-01-05T03-00-00Z.json",
    "2030-01-06T03-00-00Z.json",
  ]);
  // The backups taken by hand stay (a schedule prunes only its own).
  expect(
    readdirSync(join(store, "guests", G)).filter(
      (f) => f.startsWith("20") && !f.startsWith("2030-"),
    ),
  ).toHaveLength(2);
});

it("a runner killed half way: its backup is never listed, and the next run clears what it left and completes", async () => {
  deployed.project.writeFleet(fleet(true, `{ target: ${store}, daily: 3 }`));
  await deployed.project.stack.up();
  const night = "2030-01-07T03:00Z";
  const args = [CLI, "backup", "run", "--uri", deployed.uri, "--guest", G, "--now", night];
  const runner = spawn(process.execPath, args, { stdio: "ignore" });
  const exited = new Promise((resolve) => runner.once("exit", resolve));
  // QEMU's copy of a running guest starts with its temporary images: the runner is then
  // waiting for the job, before it has read anything. Killed there, it leaves the lot.
  await waitFor(
    "the runner's temporary images",
    () =>
      readdirSync(POOL_DIR).some((f) => f.startsWith(`deskfleet-backup-${G}-`)) ? true : undefined,
    60_000,
    5,
  );
  runner.kill("SIGKILL");
  await exited;
  expect(readdirSync(join(store, "guests", G))).not.toContain("2030-01-07T03-00-00Z.json");
  expect(deskfleet("backup", "list")).not.toContain("2030-01-07T03:00");
  expect(existsSync(join(store, "lock"))).toBe(true); // its lock, of a process that is gone
  expect(readdirSync(POOL_DIR).filter((f) => f.startsWith("deskfleet-backup-"))).not.toEqual([]);

  const again = JSON.parse(
    execFileSync(process.execPath, [...args, "--json"], { encoding: "utf8" }),
  ) as { guests: { due: string[]; taken?: { verified: boolean }; error?: string }[] };
  expect(again.guests[0]).toMatchObject({ due: ["daily"], taken: { verified: true } });
  expect(readdirSync(join(store, "guests", G))).toContain("2030-01-07T03-00-00Z.json");
  expect(virsh("vol-list", POOL)).not.toContain("deskfleet-backup-");
  expect(existsSync(join(store, "lock"))).toBe(false);
  expect(virsh("domstate", G)).toBe("running");
});

it("a store in use by another process is refused, naming it", () => {
  writeFileSync(
    join(store, "lock"),
    JSON.stringify({
      pid: process.pid,
      host: hostname(),
      since: "2030-01-07T03:00:00Z",
      command: "backup now",
    }),
  );
  try {
    expect(() => deskfleet("backup", "now", G)).toThrow(
      `the backup store ${store} is in use: ${join(store, "lock")} is held by deskfleet (backup now, process ${process.pid}`,
    );
  } finally {
    rmSync(join(store, "lock"));
  }
});

it("a store without room is refused before anything is made, naming the room it has", () => {
  const small = mkdtempSync(join(tmpdir(), "test-bk-small-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", small]);
  try {
    const cli = [CLI, "backup", "now", G, "--uri", deployed.uri, "--target", small];
    let out = "";
    try {
      execFileSync(process.execPath, cli, { encoding: "utf8", stdio: "pipe" });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout); // the guest's line: FAILED, and why
    }
    expect(out).toMatch(
      /test-bk-g: FAILED: not enough room for a backup of guest "test-bk-g": the backup store \S+ has 1 MiB free, and this backup may need up to \d+ MiB/,
    );
    expect(readdirSync(small)).toEqual([]);
    expect(virsh("vol-list", POOL)).not.toContain("deskfleet-backup-");
  } finally {
    execFileSync("umount", [small]);
    rmSync(small, { recursive: true, force: true });
  }
});

it("a damaged chunk is refused before anything is written", () => {
  // A chunk of the newest backup's first disk.
  const dir = join(store, "guests", G);
  const newest = readdirSync(dir).sort().at(-1) ?? "";
  const manifest = JSON.parse(readFileSync(join(dir, newest), "utf8")) as {
    disks: { chunks: (string | null)[] }[];
  };
  const chunk = manifest.disks[0].chunks.find((c) => c !== null) ?? "";
  writeFileSync(join(store, "chunks", chunk.slice(0, 2), chunk), "bitrot");
  expect(() => deskfleet("backup", "restore", G, "--as", "test-bk-r3")).toThrow(/is damaged/);
  expect(virsh("list", "--all", "--name").split("\n")).not.toContain("test-bk-r3");
});

/**
 * npm run bench:snapshots — issue #4's workload:
 *
 *   1. the runner's planning over a fake (in-memory) host of 100 guests with
 *      50 snapshots each: listing, ownership, due and prune decisions, as a
 *      dry run (median of BENCH_REPS, default 20, after one warm-up);
 *   2. one real run over 5 running guests (the appliance, qemu emulation) on
 *      the daemon: 5 internal snapshots with memory, each guest's outcome
 *      recorded in its metadata.
 *
 *   3. issue #15's figures, in the same run, on libvirt 9.0 (this daemon) and
 *      11.3 (a second host, scripts/second-host.sh … 11): one scheduled
 *      snapshot of a running 2 GiB guest that has written 1 GiB of its RAM,
 *      its pause and what it stores (bench/snapshotPause.ts).
 *
 * Ends with exactly one line:
 *   snapshots: plan 100x50 = <ms> ms; run 5 guests = <s> s; running 2 GiB guest, pause 9.0 = X s,
 *   11.3 = Y s; stored per scheduled snapshot 9.0 = A MiB, 11.3 = B MiB
 * Not a test: nothing is asserted. LIBVIRT_URI picks the daemon (default
 * qemu:///system). Objects: test-snapbench-*, removed afterwards.
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { closeAll, getConnection } from "../libvirt";
import type { HostInputs, ResourceKind } from "../provider/kind";
import { domain } from "../provider/resources/domain";
import { snapshotSchedule } from "../provider/resources/snapshotSchedule";
import { storagePool } from "../provider/resources/storagePool";
import { volume } from "../provider/resources/volume";
import type { GuestOnHost, RunStatus, SnapshotHost } from "../snapshots/host";
import { LibvirtSnapshotHost } from "../snapshots/libvirtHost";
import { autosnapDescription, autosnapName, formatTimestamp } from "../snapshots/names";
import type { SnapshotType } from "../snapshots/policy";
import { DEFAULT_POLICY } from "../snapshots/policy";
import { runSnapshots } from "../snapshots/run";
import type { PauseFigures } from "./snapshotPause";
import { measurePause } from "./snapshotPause";

const URI = process.env.LIBVIRT_URI ?? "qemu:///system";
const REPS = Number(process.env.BENCH_REPS ?? 20);
const PREFIX = "test-snapbench-";
const POOL_DIR = `/var/lib/libvirt/images/${PREFIX}pool`;
const APPLIANCE = join(__dirname, "..", "..", ".tools", "appliance", "deskfleet-appliance.qcow2");

/** 100 guests, each with 50 of our snapshots (hourlies, dailies, weeklies) and two of the user's. */
function fakeHost(now: number): SnapshotHost {
  const policy = { ...DEFAULT_POLICY, schedule: "bench", hourly: 24, daily: 14, weekly: 8 };
  const guests: GuestOnHost[] = Array.from({ length: 100 }, (_, g) => ({
    name: `guest-${g}`,
    policy,
    snapshots: [
      { name: "post-install" },
      { name: "before-upgrade", description: "by hand" },
      ...Array.from({ length: 50 }, (_, i) => {
        const types: SnapshotType[] =
          i % 7 === 0
            ? ["hourly", "daily", "weekly"]
            : i % 3 === 0
              ? ["hourly", "daily"]
              : ["hourly"];
        const time = now - (i + 1) * 3_600_000 - g * 1000;
        const name = autosnapName(formatTimestamp(time), types);
        return { name, description: autosnapDescription(types) };
      }),
    ],
  }));
  const unused = (): Promise<never> => Promise.reject(new Error("a dry run changes nothing"));
  return {
    guests: () => Promise.resolve(guests),
    createSnapshot: unused,
    deleteSnapshot: unused,
    recordStatus: (_g: string, _s: RunStatus) => unused(),
  };
}

async function planTimeMs(): Promise<number> {
  const now = Date.parse("2030-01-01T04:30:00Z");
  const host = fakeHost(now);
  await runSnapshots(host, { now, dryRun: true }); // warm-up
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const start = performance.now();
    await runSnapshots(host, { now, dryRun: true });
    times.push(performance.now() - start);
  }
  return median(times);
}

const created: { kind: ResourceKind<HostInputs>; id: string; outs: Record<string, unknown> }[] = [];
async function create<I extends HostInputs>(kind: ResourceKind<I>, news: Record<string, unknown>) {
  const { inputs, failures } = kind.check({}, { uri: URI, ...news });
  if (failures.length > 0) throw new Error(JSON.stringify(failures));
  const result = await kind.create(
    inputs,
    `urn:pulumi:bench::deskfleet::${kind.token}::${String((inputs as HostInputs & { name?: unknown }).name)}`,
  );
  created.unshift({ kind: kind, ...result });
}

/** Five running guests on overlays of the appliance, each with a schedule of 24 hourly. */
async function fiveGuests(): Promise<string[]> {
  await create(storagePool, { name: `${PREFIX}pool`, path: POOL_DIR });
  await create(volume, { pool: `${PREFIX}pool`, name: `${PREFIX}base.qcow2`, source: APPLIANCE });
  const names = Array.from({ length: 5 }, (_, i) => `${PREFIX}guest-${i}`);
  for (const name of names) {
    const root = `${name}-root.qcow2`;
    await create(volume, {
      pool: `${PREFIX}pool`,
      name: root,
      backingVolume: `${PREFIX}base.qcow2`,
    });
    await create(domain, {
      name,
      type: "qemu",
      memory: 256 * 1024 ** 2,
      disks: [{ pool: `${PREFIX}pool`, volume: root }],
      shutdownTimeout: 5,
    });
    await create(snapshotSchedule, { domain: name, schedule: "bench", hourly: 24 });
  }
  return names;
}

async function runTimeS(): Promise<number> {
  const guests = await fiveGuests();
  await new Promise((r) => setTimeout(r, 5000)); // let them boot
  const conn = await getConnection(URI);
  const start = performance.now();
  const report = await runSnapshots(new LibvirtSnapshotHost(conn), { now: Date.now(), guests });
  const seconds = (performance.now() - start) / 1000;
  const taken = report.guests.reduce((n, g) => n + g.taken.length, 0);
  const errors = report.guests.flatMap((g) => g.errors);
  if (taken !== 5 || errors.length > 0)
    throw new Error(`expected 5 snapshots, took ${taken}: ${errors.join("; ")}`);
  return seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const plan = await planTimeMs();
  console.log(
    `planning, 100 guests x 50 snapshots (dry run on a fake host): median of ${REPS} = ${plan.toFixed(1)} ms`,
  );
  let run: number;
  try {
    run = await runTimeS();
    console.log(`one run over 5 running guests on ${URI}: ${run.toFixed(2)} s`);
  } finally {
    // Domains first (their snapshots go with their metadata), then volumes, then the pool.
    for (const { kind, id, outs } of created) await kind.delete(id, outs).catch(() => undefined);
    await closeAll();
    rmSync(POOL_DIR, { recursive: true, force: true });
  }
  const v9 = await measurePause(URI, `${POOL_DIR}-2g`, "/var/log/libvirt/qemu", APPLIANCE).finally(
    closeAll,
  );
  console.log(figures("9.0", v9));
  const SECOND = join(__dirname, "..", "..", "scripts", "second-host.sh");
  const host = (...args: string[]) =>
    execFileSync("bash", [SECOND, ...args], { encoding: "utf8" }).trim();
  let v11: PauseFigures;
  try {
    const uri = host("start", "pausebench", "11");
    const base = "/run/deskfleet-hosts/pausebench";
    v11 = await measurePause(uri, `${base}/pools/p`, `${base}/log/qemu`, APPLIANCE);
    console.log(figures("11.3", v11));
  } finally {
    await closeAll();
    host("stop", "pausebench");
    rmSync(`${POOL_DIR}-2g`, { recursive: true, force: true });
  }
  console.log(
    `snapshots: plan 100x50 = ${plan.toFixed(1)} ms; run 5 guests = ${run.toFixed(2)} s; ` +
      `running 2 GiB guest, pause 9.0 = ${v9.pauseS.toFixed(2)} s, 11.3 = ${v11.pauseS.toFixed(2)} s; ` +
      `stored per scheduled snapshot 9.0 = ${v9.storedMiB.toFixed(0)} MiB, 11.3 = ${v11.storedMiB.toFixed(0)} MiB`,
  );
}

function figures(version: string, f: PauseFigures): string {
  return `libvirt ${version}, a running 2 GiB guest with 1 GiB of RAM written: pause ${f.pauseS.toFixed(2)} s, stored ${f.storedMiB.toFixed(0)} MiB (${f.mode})`;
}

main().catch((err: Error) => {
  console.error(`bench:snapshots: ${err.message}`);
  process.exit(1);
});

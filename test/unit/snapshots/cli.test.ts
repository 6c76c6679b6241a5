/** The deskfleet command line: parsing, usage errors, timer units, text output. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../cli/deskfleet";
import { Exit, defaultUri } from "../../../snapshots/commands";
import { formatRun, formatStatus } from "../../../snapshots/format";
import { statusReport } from "../../../snapshots/status";
import { timerUnits } from "../../../snapshots/timer";
import { FakeHost } from "./fakeHost";

async function cli(...argv: string[]) {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

describe("usage", () => {
  test.each([
    [
      ["snapshots", "run", "--now", "04:30"],
      '--now: expected an ISO 8601 time with a zone, like 2030-01-01T04:30Z; got "04:30"',
    ],
    [
      ["snapshots", "run", "--now", "2030-01-01T04:30"],
      "--now: expected an ISO 8601 time with a zone",
    ],
    [["snapshots", "prune"], 'unknown command "snapshots prune"'],
    [["volumes", "list"], 'unknown command "volumes list"'],
    [["snapshots", "run", "--frobnicate"], "Unknown option '--frobnicate'"],
    [
      ["snapshots", "install-timer", "--interval", "90"],
      '--interval: expected whole minutes from 1 to 60; got "90"',
    ],
  ])("%j is a usage error", async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(Exit.Usage);
    expect(err).toContain(message);
    expect(err).toContain("usage: deskfleet snapshots <command> [options]");
  });

  test("--help", async () => {
    const { code, out } = await cli("--help");
    expect(code).toBe(Exit.Ok);
    expect(out).toMatch(/^usage: deskfleet snapshots <command>/);
  });

  test("the URI defaults from the environment, then qemu:///system", () => {
    expect(defaultUri({ DESKFLEET_URI: "qemu+ssh://me@laptop/system" })).toBe(
      "qemu+ssh://me@laptop/system",
    );
    expect(defaultUri({ LIBVIRT_DEFAULT_URI: "qemu:///session" })).toBe("qemu:///session");
    expect(defaultUri({})).toBe("qemu:///system");
  });
});

describe("install-timer", () => {
  const units = timerUnits({
    node: "/opt/node 24/bin/node",
    script: "/srv/deskfleet/dist/cli/deskfleet.js",
    uri: "qemu:///system",
    intervalMinutes: 5,
    unitName: "deskfleet-snapshots",
  });

  test("a oneshot service, a persistent timer every 5 minutes, a cron line", () => {
    expect(units.service).toContain(
      'ExecStart=-"/opt/node 24/bin/node" /srv/deskfleet/dist/cli/deskfleet.js snapshots run --uri qemu:///system\n' +
        'ExecStart="/opt/node 24/bin/node" /srv/deskfleet/dist/cli/deskfleet.js backup run --uri qemu:///system\n',
    );
    expect(units.service).toContain("Type=oneshot\n");
    expect(units.timer).toContain("OnCalendar=*:0/5\n");
    expect(units.timer).toContain("Persistent=true\n");
    expect(units.timer).toContain("WantedBy=timers.target\n");
    expect(units.cron).toBe(
      "*/5 * * * * root '/opt/node 24/bin/node' /srv/deskfleet/dist/cli/deskfleet.js snapshots run --uri qemu:///system >/dev/null; " +
        "'/opt/node 24/bin/node' /srv/deskfleet/dist/cli/deskfleet.js backup run --uri qemu:///system >/dev/null\n",
    );
  });

  test("--print prints both units and the cron line", async () => {
    const { code, out } = await cli(
      "snapshots",
      "install-timer",
      "--print",
      "--uri",
      "qemu+ssh://me@pc/system",
    );
    expect(code).toBe(Exit.Ok);
    expect(out).toContain("# /etc/systemd/system/deskfleet-snapshots.service\n");
    expect(out).toContain("# /etc/systemd/system/deskfleet-snapshots.timer\n");
    expect(out).toContain("snapshots run --uri qemu+ssh://me@pc/system");
    expect(out).toContain(
      "# or, without systemd, /etc/cron.d/deskfleet-snapshots:\n*/5 * * * * root ",
    );
  });

  test("writes the units where told", async () => {
    const dir = mkdtempSync(join(tmpdir(), "deskfleet-units-"));
    try {
      const args = [
        "snapshots",
        "install-timer",
        "--unit-dir",
        dir,
        "--no-enable",
        "--interval",
        "10",
      ];
      const { code, out } = await cli(...args, "--unit-name", "test-snaps");
      expect(code).toBe(Exit.Ok);
      expect(out).toBe(`wrote ${dir}/test-snaps.service and ${dir}/test-snaps.timer\n`);
      expect(readFileSync(join(dir, "test-snaps.timer"), "utf8")).toContain("OnCalendar=*:0/10\n");
      expect(readFileSync(join(dir, "test-snaps.service"), "utf8")).toContain(
        `ExecStart=${process.execPath} `,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("text output says what was taken, pruned and why something was skipped", async () => {
  const host = new FakeHost().add("demo", { hourly: 1, schedule: "desktop" });
  const [first, second] = await host.runAt(["2030-01-01T04:30:00Z", "2030-01-01T06:00:00Z"]);
  expect(formatRun(first, "qemu:///system")).toBe(
    "snapshot run at 2030-01-01T04:30:00.000Z on qemu:///system\n" +
      "  demo [desktop]: took autosnap_2030-01-01_04-30-00_hourly (hourly), internal, in memory (a fake host)\n",
  );
  expect(formatRun(second, "qemu:///system")).toContain(
    "pruned autosnap_2030-01-01_04-30-00_hourly",
  );
  const status = statusReport(await host.guests(), Date.parse("2030-01-01T07:20:00Z"));
  expect(formatStatus(status, "qemu:///system")).toBe(
    "snapshots on qemu:///system at 2030-01-01T07:20:00.000Z\n" +
      "  demo [desktop] last run 2030-01-01T06:00:00.000Z: ok\n" +
      "    hourly     1/1     newest autosnap_2030-01-01_06-00-00_hourly  OVERDUE\n",
  );
});

test("a schedule that cannot be read: the guest is reported, never touched", async () => {
  const host = new FakeHost().add("demo", undefined, [
    { name: "autosnap_2029-01-01_00:00:00_hourly" },
  ]);
  host.domains.get("demo")!.policyError =
    'snapshot schedule metadata: hourly="many" is not a count';
  const [report] = await host.runAt(["2030-01-01T04:30:00Z"]);
  expect(report.guests).toEqual([
    {
      name: "demo",
      schedule: "",
      due: [],
      taken: [],
      pruned: [],
      skipped: [],
      errors: ['read its schedule: snapshot schedule metadata: hourly="many" is not a count'],
    },
  ]);
  expect(host.log).toEqual([]);
  expect(statusReport(await host.guests(), 0).guests[0].policyError).toBe(
    'snapshot schedule metadata: hourly="many" is not a count',
  );
});

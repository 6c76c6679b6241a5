/** The ssh command line and remote command, against libvirt 9's (virnetsocket.c, virnetclient.c). */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { escapeShell, remoteCommand, sshCommand } from "../../../libvirt/transports/sshCommand";
import { parseUri } from "../../../libvirt/uri";
import { thrown } from "./helpers";

const NC =
  `if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;` +
  `'nc' $ARG -U /var/run/libvirt/libvirt-sock`;
/** Ours where the URI names neither socket nor mode: the legacy socket if there, else virtqemud's. */
const probing = (ro = "") =>
  `if 'nc' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0;else ARG=;fi;` +
  `S=/var/run/libvirt/libvirt-sock${ro};[ -S $S ] || S=/var/run/libvirt/virtqemud-sock${ro};` +
  `'nc' $ARG -U $S`;

describe("sshCommand", () => {
  test.each([
    [
      "qemu+ssh://host/system",
      ["-T", "-e", "none", "--", "host"],
      { description: "ssh host", file: "ssh" },
    ],
    [
      "qemu+ssh://me@host:2222/system?keyfile=/k/id&no_tty=1&no_verify=1",
      ["-p", "2222", "-l", "me", "-i", "/k/id", "-T", "-e", "none"].concat([
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "--",
        "host",
      ]),
      { description: "ssh me@host:2222", file: "ssh" },
    ],
    [
      "qemu+ssh://[::1]:22/system?command=/opt/ssh",
      ["-p", "22", "-T", "-e", "none", "--", "::1"],
      { description: "ssh ::1:22", file: "/opt/ssh" },
    ],
  ])("%s", (uri, args, rest) => {
    const cmd = sshCommand(parseUri(uri), false, {});
    expect(cmd.args).toEqual([...args, remoteCommand(parseUri(uri), false)]);
    expect(cmd).toMatchObject(rest);
  });

  test("DESKFLEET_SSH_CONFIG adds -F first", () => {
    const cmd = sshCommand(parseUri("qemu+ssh://h/system"), false, { DESKFLEET_SSH_CONFIG: "/c" });
    expect(cmd.args.slice(0, 3)).toEqual(["-F", "/c", "-T"]);
  });

  test("only libvirt's variables reach ssh, SSH_AUTH_SOCK among them", () => {
    const env = { SSH_AUTH_SOCK: "/agent", HOME: "/root", PATH: "/bin", SECRET_TOKEN: "x" };
    expect(sshCommand(parseUri("qemu+ssh://h/system"), false, env).env).toEqual({
      LC_ALL: "C",
      SSH_AUTH_SOCK: "/agent",
      HOME: "/root",
      PATH: "/bin",
    });
  });

  test.each([
    ["qemu+ssh:///system", "host"],
    ["qemu+ssh://h/system?mode=direct", "mode"],
    ["qemu+ssh://h/system?proxy=native&netcat=nc", "netcat"],
  ])("%s cannot be honoured: LibvirtUriError naming %s", (uri, part) => {
    expect(thrown(() => sshCommand(parseUri(uri), false, {}))).toMatchObject({
      name: "LibvirtUriError",
      part,
    });
  });
});

describe("remoteCommand: libvirt's exact strings, but for the socket nc uses", () => {
  test.each([
    [
      "qemu+ssh://h/system",
      false,
      "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then " +
        `    virt-ssh-helper 'qemu:///system'; else    ${probing()}; fi'`,
    ],
    ["qemu+ssh://h/system?proxy=native", true, "sh -c 'virt-ssh-helper -r 'qemu:///system''"],
    ["qemu+ssh://h/system?proxy=netcat", false, `sh -c '${probing()}'`],
    ["qemu+ssh://h/system?netcat=nc", false, `sh -c '${probing()}'`], // netcat= implies netcat
    ["qemu+ssh://h/system?proxy=netcat", true, `sh -c '${probing("-ro")}'`],
    // mode=legacy: exactly libvirt's command.
    ["qemu+ssh://h/system?proxy=netcat&mode=legacy", false, `sh -c '${NC}'`],
    ["qemu+ssh://h/system?proxy=netcat&mode=legacy", true, `sh -c '${NC}-ro'`],
    [
      "qemu+ssh://h/system?proxy=netcat&socket=/run/x-sock",
      false,
      `sh -c '${NC.replace("/var/run/libvirt/libvirt-sock", "/run/x-sock")}'`,
    ],
  ])("%s (read-only %s)", (uri, readOnly, expected) => {
    expect(remoteCommand(parseUri(uri), readOnly)).toBe(expected);
  });
});

describe("remoteCommand: the socket nc connects to, on the host's real shell", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lv-sshsock-"));
    // A stand-in nc that prints the socket it was given.
    writeFileSync(join(dir, "nc"), '#!/bin/sh\nfor a; do last="$a"; done; echo "$last"\n');
    chmodSync(join(dir, "nc"), 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the netcat command as sshd would, with /var/run/libvirt holding only `sockets`. */
  function socketChosen(sockets: string[]): string {
    const run = join(dir, `run-${sockets.length}`);
    execFileSync("mkdir", ["-p", run]);
    const make = sockets
      .map((s) => `python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("${run}/${s}")'`)
      .join("; ");
    const command = remoteCommand(parseUri("qemu+ssh://h/system?proxy=netcat"), false);
    return execFileSync(
      "unshare",
      [
        "--mount",
        "sh",
        "-c",
        `${make}; mount --bind ${run} /var/run/libvirt && sh -c "$0"`,
        command,
      ],
      { env: { PATH: `${dir}:/usr/bin:/bin:/usr/sbin:/sbin` }, encoding: "utf8" },
    ).trim();
  }

  const root = process.getuid?.() === 0;
  (root ? test : test.skip)(
    "a monolithic host (libvirt-sock): libvirt-sock, as libvirt does",
    () => {
      expect(socketChosen(["libvirt-sock", "virtqemud-sock"])).toBe(
        "/var/run/libvirt/libvirt-sock",
      );
    },
  );
  (root ? test : test.skip)("a modular host without virtproxyd: virtqemud-sock", () => {
    expect(socketChosen(["virtqemud-sock"])).toBe("/var/run/libvirt/virtqemud-sock");
  });
});

describe("escapeShell", () => {
  test.each([
    ["", "''"],
    ["qemu:///system", "qemu:///system"],
    ["a b", "'a b'"],
    ["it's", "'it'\\''s'"],
    ["qemu:///system?x=1", "'qemu:///system?x=1'"],
  ])("%j → %j", (input, output) => {
    expect(escapeShell(input)).toBe(output);
  });

  describe("through real shells", () => {
    let dir: string;
    beforeAll(() => {
      // A stand-in virt-ssh-helper that prints its arguments, one per line, NUL-terminated.
      dir = mkdtempSync(join(tmpdir(), "lv-sshcmd-"));
      writeFileSync(join(dir, "virt-ssh-helper"), '#!/bin/sh\nprintf "%s\\0" "$@"\n');
      chmodSync(join(dir, "virt-ssh-helper"), 0o755);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test("the URI reaches virt-ssh-helper unchanged after sshd's shell and sh -c", () => {
      // sshd runs the command with `$SHELL -c <command>`; any remote name must survive both shells.
      const chars = fc.constantFrom(..."ab:/?=&%'\"$`\\ !*;|<>()[]{}~#^\t".split(""));
      fc.assert(
        fc.property(fc.array(chars, { minLength: 1, maxLength: 24 }), (parts) => {
          const name = `qemu:///system?${parts.join("")}`;
          const uri = { ...parseUri("qemu+ssh://h/system?proxy=native"), remoteName: name };
          const out = execFileSync("sh", ["-c", remoteCommand(uri, false)], {
            env: { PATH: `${dir}:/usr/bin:/bin` },
          });
          expect(out.toString().split("\0").slice(0, -1)).toEqual([name]);
        }),
        { numRuns: 40 },
      );
    });
  });
});

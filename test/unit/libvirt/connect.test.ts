/**
 * LibvirtClient.connect over each transport against the fake daemon: tcp to
 * a local port, ssh through a stand-in `ssh` binary (the URI's command=
 * parameter, as in libvirt) that relays to the fake's unix socket and
 * records how it was started. The real ssh is tested in
 * test/integration/libvirt/ssh.test.ts.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LibvirtClient } from "../../../libvirt/client";
import type { ConnectionError } from "../../../libvirt/errors";
import { Procedure } from "../../../libvirt/protocol";
import { remoteCommand } from "../../../libvirt/transports/sshCommand";
import { parseUri } from "../../../libvirt/uri";
import { FakeDaemon, handshaking } from "./fakeDaemon";
import { rejection } from "./helpers";

let daemon: FakeDaemon | undefined;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lv-connect-"));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await daemon?.stop();
  daemon = undefined;
});

/**
 * A stand-in for ssh: writes its argv, environment and pid to files, then
 * per `mode` relays stdin/stdout to `socket`, dies with a message, or
 * ignores its input and sleeps.
 */
function fakeSsh(mode: "relay" | "die" | "hang", socket = ""): string {
  const path = join(dir, `ssh-${mode}`);
  rmSync(join(dir, "pid"), { force: true });
  const script = `#!${process.execPath}
const fs = require("fs");
fs.writeFileSync(${JSON.stringify(dir)} + "/argv.json", JSON.stringify(process.argv.slice(2)));
fs.writeFileSync(${JSON.stringify(dir)} + "/env.json", JSON.stringify(process.env));
fs.writeFileSync(${JSON.stringify(dir)} + "/pid", String(process.pid));
const mode = ${JSON.stringify(mode)};
if (mode === "die") { process.stderr.write("Host key verification failed.\\n"); process.exit(255); }
if (mode === "hang") { process.on("SIGTERM", () => undefined); setInterval(() => undefined, 1000); }
else {
  const s = require("net").createConnection(${JSON.stringify(socket)});
  process.stdin.pipe(s).pipe(process.stdout);
  s.on("close", () => process.exit(0));
}
`;
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  return path;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("tcp", () => {
  test("qemu+tcp://127.0.0.1:port connects, opens the remote name, closes", async () => {
    daemon = await FakeDaemon.startTcp(handshaking((p, peer) => peer.reply(p)));
    const client = await LibvirtClient.connect(`qemu+tcp://127.0.0.1:${daemon.port}/system`);
    const open = daemon.peers[0]?.received.find(
      (p) => p.header.procedure === Procedure.ConnectOpen,
    );
    expect(open?.payload.subarray(8, 22).toString()).toBe("qemu:///system");
    await client.close();
    await daemon.allClosed();
  });

  test("nothing listening: ConnectionError(connect) naming host and port", async () => {
    const free = await FakeDaemon.startTcp(() => undefined);
    const port = free.port;
    await free.stop();
    const err = await rejection(LibvirtClient.connect(`qemu+tcp://127.0.0.1:${port}/system`));
    expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
    expect(err.message).toContain(`tcp 127.0.0.1:${port}`);
    expect(err.message).toContain("connection refused");
  });
});

describe("ssh through a stand-in binary", () => {
  test("runs ssh with libvirt's argv and filtered environment, and talks through it", async () => {
    daemon = await FakeDaemon.start(handshaking((p, peer) => peer.reply(p)));
    const ssh = fakeSsh("relay", daemon.path);
    const uri = `qemu+ssh://me@example.test:2222/system?command=${ssh}&keyfile=/k&no_tty=1`;
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = "/tmp/agent.sock";
    process.env.NOT_FOR_SSH = "1";
    let client: LibvirtClient;
    try {
      client = await LibvirtClient.connect(uri);
    } finally {
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
      delete process.env.NOT_FOR_SSH;
    }
    expect(JSON.parse(readFileSync(join(dir, "argv.json"), "utf8"))).toEqual([
      ...["-p", "2222", "-l", "me", "-i", "/k", "-T", "-e", "none", "-o", "BatchMode=yes"],
      ...["--", "example.test", remoteCommand(parseUri(uri), false)],
    ]);
    const env = JSON.parse(readFileSync(join(dir, "env.json"), "utf8")) as Record<string, string>;
    expect(env.SSH_AUTH_SOCK).toBe("/tmp/agent.sock");
    expect(env.NOT_FOR_SSH).toBeUndefined();
    const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
    expect(alive(pid)).toBe(true);
    await client.close();
    await until(() => !alive(pid)); // the child does not outlive the connection
  });

  test("ssh fails: ConnectionError(connect) with its exit status and last words", async () => {
    const ssh = fakeSsh("die");
    const err = await rejection(LibvirtClient.connect(`qemu+ssh://h/system?command=${ssh}`));
    expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
    expect(err.message).toContain("ssh exited with status 255: Host key verification failed.");
    expect((err as ConnectionError).cause).toMatchObject({ reason: "eof" });
  });

  test("no such binary: ConnectionError(connect)", async () => {
    const err = await rejection(
      LibvirtClient.connect(`qemu+ssh://h/system?command=${join(dir, "missing-ssh")}`),
    );
    expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
    expect(err.message).toContain("cannot run");
  });

  test("a hung ssh: the connect timeout kills it (SIGKILL after SIGTERM is ignored)", async () => {
    const ssh = fakeSsh("hang");
    const started = Date.now();
    const err = await rejection(
      LibvirtClient.connect(`qemu+ssh://h/system?command=${ssh}`, { connectTimeoutMs: 300 }),
    );
    expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
    expect(err.message).toContain("timed out");
    expect(Date.now() - started).toBeLessThan(3000);
    await until(() => existsSync(join(dir, "pid")));
    const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
    await until(() => !alive(pid), 6000);
  }, 10_000);
});

test("a daemon that never answers the handshake: the connect timeout fails it", async () => {
  daemon = await FakeDaemon.start(() => undefined);
  const err = await rejection(LibvirtClient.connect(daemon.uri, { connectTimeoutMs: 200 }));
  expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
  expect(err.message).toContain("timed out after 200 ms");
  await daemon.allClosed();
});

test("a daemon that hangs up during the handshake: ConnectionError(connect), cause eof", async () => {
  daemon = await FakeDaemon.start((_p, peer) => peer.socket.end());
  const err = await rejection(LibvirtClient.connect(daemon.uri));
  expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
  expect((err as ConnectionError).cause).toMatchObject({ reason: "eof" });
});

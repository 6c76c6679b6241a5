/**
 * The ssh transport for real: the system ssh to a private sshd on 127.0.0.1
 * (test/support/sshd.ts), which runs virt-ssh-helper or netcat against the
 * real daemon. Objects: test-libvirt-ssh-*.
 */
import { hostname } from "node:os";
import {
  ConnectionError,
  ErrorCode,
  LibvirtClient,
  SSH_CONFIG_ENV,
  closeAll,
  getConnection,
} from "../../../libvirt";
import type { ConnectOptions, Transport } from "../../../libvirt";
import { connectSsh } from "../../../libvirt/transports/ssh";
import { startSshd } from "../../support/sshd";
import type { TestSshd } from "../../support/sshd";

// Each test starts ssh sessions to a private sshd (under a second each) and waits for ssh's exit
// or for keepalive (about 5 s).
jest.setTimeout(30_000);

let sshd: TestSshd;
const savedConfig = process.env[SSH_CONFIG_ENV];

beforeAll(async () => {
  sshd = await startSshd();
  process.env[SSH_CONFIG_ENV] = sshd.clientConfig;
}, 30_000);

afterAll(async () => {
  await closeAll();
  if (savedConfig === undefined) delete process.env[SSH_CONFIG_ENV];
  else process.env[SSH_CONFIG_ENV] = savedConfig;
  await sshd?.stop();
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, ms = 8000): Promise<boolean> {
  const end = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
  return true;
}

/** Connects and hands back the ssh child's pid too. */
async function connectWithPid(
  uri: string,
  opts: ConnectOptions = {},
): Promise<{ client: LibvirtClient; pid: number }> {
  let transport: Transport | undefined;
  const client = await LibvirtClient.connect(uri, {
    ...opts,
    transport: async (u, o) => (transport = await connectSsh(u, o)),
  });
  if (transport?.pid === undefined) throw new Error("no ssh child");
  return { client, pid: transport.pid };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a rejection");
}

test.each(["auto", "native", "netcat"])(
  "proxy=%s: calls go through ssh to the daemon, 16 at a time",
  async (proxy) => {
    const { client, pid } = await connectWithPid(sshd.uri(`proxy=${proxy}`));
    try {
      expect(await client.getUri()).toBe("qemu:///system");
      const names = await Promise.all(Array.from({ length: 16 }, () => client.getHostname()));
      expect(names).toEqual(Array(16).fill(hostname()));
      expect(client.connection.description).toBe(`ssh root@127.0.0.1:${sshd.port}`);
    } finally {
      await client.close();
    }
    expect(await gone(pid)).toBe(true); // close() does not leave ssh behind
  },
  30_000,
);

test("read-only over ssh: virt-ssh-helper -r, and the daemon refuses writes", async () => {
  const client = await LibvirtClient.connect(sshd.uri(), { readOnly: true });
  try {
    const xml =
      "<domain type='qemu'><name>test-libvirt-ssh-ro</name><memory>65536</memory>" +
      "<os><type>hvm</type></os></domain>";
    const err = await rejection(client.domainDefineXml(xml));
    expect(err).toMatchObject({ code: ErrorCode.OperationDenied });
  } finally {
    await client.close();
  }
});

test("an unknown host key is refused without no_verify, accepted with no_verify=1", async () => {
  process.env[SSH_CONFIG_ENV] = sshd.strangerConfig;
  try {
    const err = await rejection(LibvirtClient.connect(sshd.uri("no_tty=1")));
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ reason: "connect" });
    expect(err.message).toContain("ssh exited with status 255");
    expect(err.message).toContain("Host key verification failed");

    const client = await LibvirtClient.connect(sshd.uri("no_verify=1"));
    expect(await client.getHostname()).toBe(hostname());
    await client.close();
  } finally {
    process.env[SSH_CONFIG_ENV] = sshd.clientConfig;
  }
}, 30_000);

test("a key the server does not accept: ConnectionError(connect) with ssh's reason", async () => {
  const uri = sshd.uri().replace(sshd.keyfile, sshd.wrongKeyfile);
  const err = await rejection(LibvirtClient.connect(`${uri}&no_tty=1`));
  expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
  expect(err.message).toContain("Permission denied");
});

test("ssh dies with calls in flight: each rejects with its exit, nothing left running", async () => {
  const { client, pid } = await connectWithPid(sshd.uri(), { keepalive: false });
  process.kill(pid, "SIGSTOP"); // freeze the path so the calls are surely pending
  const pending = Array.from({ length: 8 }, () => rejection(client.getHostname()));
  await new Promise((r) => setTimeout(r, 100));
  process.kill(pid, "SIGKILL");
  for (const err of await Promise.all(pending)) {
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ reason: "eof" });
    expect(err.message).toContain("ssh was killed by SIGKILL");
  }
  expect(client.isOpen).toBe(false);
  expect(await gone(pid)).toBe(true);
});

test("keepalive notices a frozen ssh: pending calls fail with reason keepalive, ssh is killed", async () => {
  const { client, pid } = await connectWithPid(sshd.uri(), {
    keepalive: { intervalMs: 200, count: 2 },
  });
  process.kill(pid, "SIGSTOP"); // a suspended laptop, a dead NAT mapping: the pipe stays open
  try {
    const err = await rejection(client.getHostname());
    expect(err).toMatchObject({ name: "ConnectionError", reason: "keepalive" });
    expect(err.message).toContain(`ssh root@127.0.0.1:${sshd.port}`);
    expect(await gone(pid)).toBe(true); // SIGKILL reaches a stopped process
  } finally {
    if (alive(pid)) process.kill(pid, "SIGKILL");
  }
}, 20_000);

test("the shared registry: one ssh connection per URI, a new one after it dies", async () => {
  const uri = sshd.uri("no_tty=1");
  const a = await getConnection(uri);
  expect(await getConnection(uri)).toBe(a);
  expect(await a.getHostname()).toBe(hostname());
  await a.close();
  const b = await getConnection(uri);
  expect(b).not.toBe(a);
  expect(await b.getHostname()).toBe(hostname());
});

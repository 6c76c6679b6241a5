/**
 * The tcp transport against real daemons:
 * - a second, private libvirtd (test/support/sessionDaemon.ts: a session
 *   daemon of user nobody) listening on 127.0.0.1 with auth_tcp "none", and
 *   another with auth_tcp "sasl", whose demand we refuse;
 * - the system daemon through a relay from a tcp port to its unix socket, for
 *   qemu:///system calls (the system daemon itself does not listen on tcp,
 *   and a second privileged libvirtd would share qemu's state directories).
 */
import { hostname } from "node:os";
import { createConnection, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { ConnectionError, ErrorCode, LibvirtClient, parseUri } from "../../../libvirt";
import { startSessionDaemon } from "../../support/sessionDaemon";
import type { SessionDaemon } from "../../support/sessionDaemon";
import { resolveUnixSocket } from "../../../libvirt/uri";
import { URI } from "./sweep";

// Each group starts a private session daemon (a few seconds) and makes a handful of calls.
jest.setTimeout(30_000);

let relay: Server;
let port: number;
const open = new Set<Socket>();

beforeAll(async () => {
  const daemonSocket = resolveUnixSocket(parseUri(URI), false);
  relay = createServer((client) => {
    const daemon = createConnection(daemonSocket);
    open.add(client);
    client.on("close", () => {
      open.delete(client);
      daemon.destroy();
    });
    daemon.on("close", () => client.destroy());
    client.on("error", () => daemon.destroy());
    daemon.on("error", () => client.destroy());
    client.pipe(daemon).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const address = relay.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});

afterAll(async () => {
  for (const s of open) s.destroy();
  await new Promise((resolve) => relay.close(resolve));
});

describe("the system daemon through a tcp relay", () => {
  test("qemu+tcp://127.0.0.1:<port>/system: handshake, calls, 16 in flight, close", async () => {
    const client = await LibvirtClient.connect(`qemu+tcp://127.0.0.1:${port}/system`);
    expect(client.connection.description).toBe(`tcp 127.0.0.1:${port}`);
    expect(await client.getUri()).toBe("qemu:///system");
    const names = await Promise.all(Array.from({ length: 16 }, () => client.getHostname()));
    expect(names).toEqual(Array(16).fill(hostname()));
    await client.close();
    const err = await client.getHostname().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    // Our side closed its socket, so the relay's end is gone as well.
    for (let i = 0; i < 100 && open.size > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(open.size).toBe(0);
  });

  test("the far end drops the tcp connection mid-session: ConnectionError(eof), nothing hangs", async () => {
    const client = await LibvirtClient.connect(`qemu+tcp://127.0.0.1:${port}/system`, {
      keepalive: false,
    });
    expect(await client.getHostname()).toBe(hostname());
    for (const s of open) s.destroy();
    const err = await client.getHostname().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(client.isOpen).toBe(false);
  });
});

describe("a private libvirtd listening on tcp", () => {
  let open: SessionDaemon;
  let sasl: SessionDaemon;

  beforeAll(async () => {
    [open, sasl] = await Promise.all([startSessionDaemon(), startSessionDaemon({ auth: "sasl" })]);
  }, 40_000);

  afterAll(async () => {
    await Promise.all([open?.stop(), sasl?.stop()]);
  });

  test("qemu+tcp://127.0.0.1:<port>/session: the daemon's own tcp listener, auth none", async () => {
    const client = await LibvirtClient.connect(`qemu+tcp://127.0.0.1:${open.port}/session`);
    try {
      expect(await client.getUri()).toBe("qemu:///session");
      expect(await client.listAllDomains()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  test("other drivers' URIs pass through: test+tcp://…/default opens the daemon's test driver", async () => {
    const client = await LibvirtClient.connect(`test+tcp://127.0.0.1:${open.port}/default`);
    try {
      expect(await client.getUri()).toBe("test:///default");
      expect((await client.listAllDomains()).map((d) => d.name)).toEqual(["test"]);
    } finally {
      await client.close();
    }
  });

  test("a URI the daemon cannot open is its LibvirtError, not ours", async () => {
    const err = await LibvirtClient.connect(`qemu+tcp://127.0.0.1:${open.port}/system`).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: "LibvirtError", code: ErrorCode.InternalError });
  });

  test("a daemon demanding SASL: ConnectionError(auth)", async () => {
    const err = await LibvirtClient.connect(`qemu+tcp://127.0.0.1:${sasl.port}/session`).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ name: "ConnectionError", reason: "auth" });
    expect((err as Error).message).toContain("SASL is not supported");
  });
});

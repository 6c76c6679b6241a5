/**
 * A daemon that dies or restarts under a client: pending calls reject with
 * ConnectionError, nothing hangs, and the next connection (the shared
 * registry's too) works against the restarted daemon.
 *
 * The daemon killed here is a private libvirtd this test starts itself
 * (test/support/sessionDaemon.ts), signalled by its pid: the system daemon
 * is shared with every other test and with running guests, so no test
 * kills it.
 */
import { ConnectionError, LibvirtClient, closeAll, getConnection } from "../../../libvirt";
import { startSessionDaemon } from "../../support/sessionDaemon";
import type { SessionDaemon } from "../../support/sessionDaemon";

// Each test starts a private session daemon (a few seconds) and kills, stops or freezes it.
jest.setTimeout(30_000);

let daemon: SessionDaemon | undefined;

afterEach(async () => {
  await closeAll();
  await daemon?.stop();
  daemon = undefined;
});

const uriOf = (d: SessionDaemon): string => `qemu+tcp://127.0.0.1:${d.port}/session`;

/** "ok" for each call that resolved, its error for each that rejected. */
async function settled(calls: Promise<unknown>[]): Promise<unknown[]> {
  const outcomes = await Promise.allSettled(calls);
  return outcomes.map((o): unknown => (o.status === "fulfilled" ? "ok" : o.reason));
}

test("killed with calls in flight (SIGKILL): every one rejects with ConnectionError", async () => {
  daemon = await startSessionDaemon();
  const d = daemon;
  const client = await getConnection(uriOf(d));
  expect(await client.getUri()).toBe("qemu:///session");
  d.signal("SIGSTOP"); // freeze it, so the calls below are surely still pending
  const calls = [
    ...Array.from({ length: 8 }, () => client.getHostname()),
    client.listAllDomains(),
    client.getCapabilities(),
  ];
  const outcomes = settled(calls);
  await new Promise((r) => setTimeout(r, 200));
  expect(client.connection.pendingCount).toBe(calls.length);
  d.signal("SIGKILL");
  await d.exited();
  for (const outcome of await outcomes) {
    expect(outcome).toBeInstanceOf(ConnectionError);
    expect(["eof", "transport"]).toContain((outcome as ConnectionError).reason);
  }
  expect(client.isOpen).toBe(false);
  expect(client.connection.pendingCount).toBe(0);

  // While it is down: a clear connect error, not a hang.
  const down = await getConnection(uriOf(d)).catch((e: unknown) => e);
  expect(down).toMatchObject({ name: "ConnectionError", reason: "connect" });

  // Restarted where it was: the registry hands out a new, working connection. (The killed one is
  // stopped first: that removes its folder.)
  await d.stop();
  daemon = await startSessionDaemon({ port: d.port });
  const again = await getConnection(uriOf(d));
  expect(again).not.toBe(client);
  expect(await again.getUri()).toBe("qemu:///session");
}, 60_000);

test("stopped the usual way (SIGTERM, as pkill does) mid-burst: answered or ConnectionError, never a hang", async () => {
  daemon = await startSessionDaemon();
  const d = daemon;
  const client = await LibvirtClient.connect(uriOf(d));
  const calls = Array.from({ length: 200 }, (_, i) =>
    i % 2 === 0 ? client.getHostname() : client.getCapabilities(),
  );
  d.signal("SIGTERM");
  for (const outcome of await settled(calls)) {
    if (outcome !== "ok") expect(outcome).toBeInstanceOf(ConnectionError);
  }
  await d.exited();
  const after = await client.getHostname().catch((e: unknown) => e);
  expect(after).toBeInstanceOf(ConnectionError);
  expect(client.connection.pendingCount).toBe(0);
  await client.close();
}, 60_000);

test("a frozen daemon (SIGSTOP): keepalive fails the pending call with reason keepalive", async () => {
  daemon = await startSessionDaemon();
  const d = daemon;
  const client = await LibvirtClient.connect(uriOf(d), {
    keepalive: { intervalMs: 200, count: 2 },
  });
  expect(await client.getHostname()).toBeTruthy();
  d.signal("SIGSTOP"); // the socket stays open; nothing answers
  const err = await client.getHostname().catch((e: unknown) => e);
  expect(err).toMatchObject({ name: "ConnectionError", reason: "keepalive" });
  expect(client.isOpen).toBe(false);
}, 30_000);

import { closeAll, getConnection } from "../../../libvirt/registry";
import { Procedure } from "../../../libvirt/protocol";
import { FakeDaemon, handshaking } from "./fakeDaemon";
import { rejection } from "./helpers";

let daemon: FakeDaemon;

beforeEach(async () => {
  daemon = await FakeDaemon.start(handshaking(() => undefined));
});

afterEach(async () => {
  await closeAll();
  await daemon.allClosed();
  await daemon.stop();
});

test("concurrent first callers share one connection", async () => {
  const [a, b, c] = await Promise.all([
    getConnection(daemon.uri),
    getConnection(daemon.uri),
    getConnection(daemon.uri),
  ]);
  expect(a).toBe(b);
  expect(b).toBe(c);
  expect(daemon.peers).toHaveLength(1);
  expect(await getConnection(daemon.uri)).toBe(a);
});

test("different URIs get different connections", async () => {
  const a = await getConnection(daemon.uri);
  const b = await getConnection(`${daemon.uri}&x=1`);
  expect(a).not.toBe(b);
  expect(daemon.peers).toHaveLength(2);
});

test("a connection that dies is dropped, and the next call reconnects", async () => {
  const first = await getConnection(daemon.uri);
  const died = new Promise((resolve) => first.onClose(resolve));
  daemon.peers[0]?.socket.destroy();
  await died;
  expect(first.isOpen).toBe(false);
  const second = await getConnection(daemon.uri);
  expect(second).not.toBe(first);
  expect(second.isOpen).toBe(true);
  expect(daemon.peers).toHaveLength(2);
});

test("a failed connect is not cached", async () => {
  const uri = `qemu:///system?socket=${daemon.path}.missing`;
  const err = await rejection(getConnection(uri));
  expect(err).toMatchObject({ name: "ConnectionError", reason: "connect" });
  const again = await rejection(getConnection(uri));
  expect(again).not.toBe(err); // a new attempt, not the cached failure
});

test("closeAll closes every shared connection with CONNECT_CLOSE", async () => {
  const a = await getConnection(daemon.uri);
  const b = await getConnection(`${daemon.uri}&x=1`);
  await closeAll();
  expect(a.isOpen).toBe(false);
  expect(b.isOpen).toBe(false);
  for (const peer of daemon.peers) {
    expect(peer.received.at(-1)?.header.procedure).toBe(Procedure.ConnectClose);
  }
  expect(await getConnection(daemon.uri)).not.toBe(a);
});

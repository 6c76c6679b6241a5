/** Our keepalive PINGs and dead-peer detection, against the fake daemon (short intervals). */
import { LibvirtClient } from "../../../libvirt/client";
import { ConnectionError } from "../../../libvirt/errors";
import { KeepaliveProcedure, PacketType, Procedure, Program } from "../../../libvirt/protocol";
import { startKeepalive } from "../../../libvirt/keepalive";
import { encodeString } from "../../../libvirt/types";
import { FakeDaemon, handshaking, isPing } from "./fakeDaemon";
import type { Handler } from "./fakeDaemon";
import { rejection, thrown } from "./helpers";

let daemon: FakeDaemon | undefined;
let client: LibvirtClient | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  await daemon?.allClosed(); // the dead connection's socket was closed too
  await daemon?.stop();
  daemon = undefined;
});

const KEEPALIVE = { intervalMs: 50, count: 3 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connect(rest: Handler, keepalive: typeof KEEPALIVE | false = KEEPALIVE) {
  daemon = await FakeDaemon.start(handshaking(rest));
  client = await LibvirtClient.connect(daemon.uri, { keepalive });
  return daemon;
}

test("an idle connection to a live daemon PINGs once per interval and stays up", async () => {
  const d = await connect(() => undefined);
  await sleep(400);
  const pings = d.peers[0]?.received.filter(isPing) ?? [];
  // ~8 intervals of silence, each ended by our PING and the daemon's PONG.
  expect(pings.length).toBeGreaterThanOrEqual(3);
  expect(pings.length).toBeLessThanOrEqual(9);
  expect(pings[0]?.header).toMatchObject({
    program: Program.Keepalive,
    procedure: KeepaliveProcedure.Ping,
    type: PacketType.Message,
    serial: 0,
  });
  expect(client?.isOpen).toBe(true);
});

test("a busy connection sends no PINGs: replies count as signs of life", async () => {
  // Calls every ~10 ms against a 200 ms interval: never silent long enough to PING.
  const d = await connect((p, peer) => peer.reply(p, (w) => encodeString(w, "h")), {
    intervalMs: 200,
    count: 3,
  });
  const until = Date.now() + 300;
  while (Date.now() < until) {
    await client?.getHostname();
    await sleep(10);
  }
  expect(d.peers[0]?.received.filter(isPing)).toEqual([]);
});

test("a daemon that goes silent: every pending call fails with ConnectionError(keepalive)", async () => {
  // Answers nothing after the handshake, not even PINGs: a frozen daemon or a dead path.
  daemon = await FakeDaemon.start((p, peer) =>
    isPing(p) ? undefined : handshaking(() => undefined)(p, peer),
  );
  client = await LibvirtClient.connect(daemon.uri, { keepalive: KEEPALIVE });
  const started = Date.now();
  const errs = await Promise.all([client.getHostname(), client.getUri()].map(rejection));
  const elapsed = Date.now() - started;
  for (const err of errs) {
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({ reason: "keepalive" });
  }
  expect(errs[0]?.message).toContain("3 keepalive pings unanswered");
  // Dead after (count + 1) intervals of silence, checked every half interval.
  expect(elapsed).toBeGreaterThanOrEqual(150);
  expect(elapsed).toBeLessThan(2000);
  expect(client.isOpen).toBe(false);
  expect(await rejection(client.getHostname())).toBe(errs[0]);
});

test("keepalive: false sends no PINGs, and a silent daemon is waited for", async () => {
  const d = await connect(() => undefined, false);
  await sleep(300);
  expect(d.peers[0]?.received.filter(isPing)).toEqual([]);
  expect(client?.isOpen).toBe(true);
});

test("a daemon without keepalive support is never PINGed (as libvirt: the feature gates it)", async () => {
  daemon = await FakeDaemon.start((p, peer) =>
    p.header.procedure === Procedure.ConnectSupportsFeature
      ? peer.reply(p, (w) => w.writeInt(0))
      : handshaking(() => undefined)(p, peer),
  );
  client = await LibvirtClient.connect(daemon.uri, { keepalive: KEEPALIVE });
  await sleep(300);
  expect(daemon.peers[0]?.received.filter(isPing)).toEqual([]);
});

test("nonsense options are refused", () => {
  const conn = {} as Parameters<typeof startKeepalive>[0];
  expect(thrown(() => startKeepalive(conn, { intervalMs: 0, count: 3 }))).toBeInstanceOf(
    RangeError,
  );
  expect(thrown(() => startKeepalive(conn, { intervalMs: 10, count: 0 }))).toBeInstanceOf(
    RangeError,
  );
});

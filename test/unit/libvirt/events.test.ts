/** Domain lifecycle event registration and routing, against the fake daemon. */
import { LibvirtClient } from "../../../libvirt/client";
import type { Packet } from "../../../libvirt/framing";
import { DomainEventType, PacketType, Procedure } from "../../../libvirt/protocol";
import { encodeDomainRef, encodeString } from "../../../libvirt/types";
import type { DomainLifecycleEvent, DomainRef } from "../../../libvirt/types";
import { XdrReader } from "../../../libvirt/xdr";
import type { XdrWriter } from "../../../libvirt/xdr";
import { FakeDaemon, handshaking } from "./fakeDaemon";
import type { Peer } from "./fakeDaemon";

const DOM: DomainRef = { name: "test-ev", uuid: Buffer.alloc(16, 7), id: 3 };

let daemon: FakeDaemon | undefined;
let client: LibvirtClient | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  await daemon?.stop();
  daemon = undefined;
});

const lifecycle =
  (callbackId: number, event: number, detail = 0) =>
  (w: XdrWriter): void => {
    w.writeInt(callbackId);
    encodeDomainRef(w, DOM);
    w.writeInt(event);
    w.writeInt(detail);
  };

/**
 * Registrations get IDs 10, 11, …; `beforeReply` may send messages before
 * the registration's reply goes out. Records (de)registration arguments.
 */
async function start(beforeReply?: (id: number, peer: Peer) => void) {
  const calls: { proc: number; args: Packet }[] = [];
  let nextId = 10;
  daemon = await FakeDaemon.start(
    handshaking((p, peer) => {
      if (p.header.type !== PacketType.Call) return;
      calls.push({ proc: p.header.procedure, args: p });
      if (p.header.procedure === Procedure.ConnectDomainEventCallbackRegisterAny) {
        const id = nextId++;
        beforeReply?.(id, peer);
        peer.reply(p, (w) => w.writeInt(id));
      } else if (p.header.procedure === Procedure.ConnectGetHostname) {
        peer.reply(p, (w) => encodeString(w, "h"));
      } else {
        peer.reply(p);
      }
    }),
  );
  client = await LibvirtClient.connect(daemon.uri);
  return { calls, peer: () => daemon?.peers[0] as Peer };
}

const settle = () => client?.getHostname(); // a round trip: messages sent before it have arrived

test("register for one domain and for all: each callback gets its own events", async () => {
  const { calls, peer } = await start();
  const one: DomainLifecycleEvent[] = [];
  const all: DomainLifecycleEvent[] = [];
  const regOne = await client!.domainEventLifecycleRegister(DOM, (e) => one.push(e));
  const regAll = await client!.domainEventLifecycleRegister(null, (e) => all.push(e));
  expect([regOne.callbackId, regAll.callbackId]).toEqual([10, 11]);

  // Arguments: {int eventID = LIFECYCLE 0; remote_domain dom (optional)}.
  const r = new XdrReader(calls[0].args.payload);
  expect(r.readInt()).toBe(0);
  expect(r.readUint()).toBe(1);
  expect(calls[1].args.payload.toString("hex")).toBe("0000000000000000");

  peer().message(Procedure.DomainEventCallbackLifecycle, lifecycle(10, DomainEventType.Started));
  peer().message(Procedure.DomainEventCallbackLifecycle, lifecycle(11, DomainEventType.Stopped, 1));
  await settle();
  expect(one).toEqual([{ callbackId: 10, dom: DOM, event: DomainEventType.Started, detail: 0 }]);
  expect(all).toEqual([{ callbackId: 11, dom: DOM, event: DomainEventType.Stopped, detail: 1 }]);

  await regOne.deregister();
  await regOne.deregister(); // idempotent: one DEREGISTER call
  const dereg = calls.filter((c) => c.proc === Procedure.ConnectDomainEventCallbackDeregisterAny);
  expect(dereg.map((c) => c.args.payload.toString("hex"))).toEqual(["0000000a"]);
  peer().message(Procedure.DomainEventCallbackLifecycle, lifecycle(10, DomainEventType.Started));
  await settle();
  expect(one).toHaveLength(1); // no longer called
});

test("an event that overtakes its registration's reply is delivered once the ID is known", async () => {
  await start((id, peer) =>
    peer.message(Procedure.DomainEventCallbackLifecycle, lifecycle(id, DomainEventType.Defined)),
  );
  const seen: number[] = [];
  await client!.domainEventLifecycleRegister(DOM, (e) => seen.push(e.event));
  expect(seen).toEqual([DomainEventType.Defined]);
});

test("malformed events, unknown IDs and throwing callbacks leave the connection working", async () => {
  const { peer } = await start();
  const seen: number[] = [];
  await client!.domainEventLifecycleRegister(DOM, (e) => {
    seen.push(e.event);
    throw new Error("callback bug");
  });
  peer().message(Procedure.DomainEventCallbackLifecycle, (w) => w.writeInt(10)); // truncated
  peer().message(Procedure.DomainEventCallbackLifecycle, lifecycle(99, DomainEventType.Started));
  peer().message(Procedure.DomainEventCallbackLifecycle, lifecycle(10, DomainEventType.Resumed));
  peer().message(Procedure.DomainEventCallbackLifecycle, lifecycle(10, DomainEventType.Suspended));
  expect(await settle()).toBe("h");
  expect(seen).toEqual([DomainEventType.Resumed, DomainEventType.Suspended]);
  expect(client!.isOpen).toBe(true);
});

test("deregistering after the connection closed resolves without a call", async () => {
  await start();
  const reg = await client!.domainEventLifecycleRegister(null, () => undefined);
  await client!.close();
  await expect(reg.deregister()).resolves.toBeUndefined();
});

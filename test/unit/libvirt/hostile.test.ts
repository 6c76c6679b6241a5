/**
 * A hostile daemon, property-based: whatever bytes it answers with, every
 * call settles with a value or a typed error, nothing throws out of the
 * event loop, and once the daemon hangs up the client's socket is closed.
 */
import fc from "fast-check";
import { LibvirtClient } from "../../../libvirt/client";
import { ConnectionError, LibvirtError, ProtocolError } from "../../../libvirt/errors";
import { PacketType, Procedure, Program } from "../../../libvirt/protocol";
import { FakeDaemon, handshaking } from "./fakeDaemon";
import type { Peer } from "./fakeDaemon";

/** One frame as the daemon writes it: any header, any payload, any (even wrong) length word. */
const frame = fc
  .record({
    lengthDelta: fc.oneof(fc.constant(0), fc.integer({ min: -40, max: 40 })),
    program: fc.oneof(fc.constantFrom(Program.Remote, Program.Keepalive, Program.Qemu), fc.nat()),
    version: fc.oneof(fc.constant(1), fc.nat()),
    procedure: fc.oneof(
      fc.constantFrom(
        Procedure.ConnectGetHostname,
        Procedure.DomainLookupByName,
        Procedure.DomainEventCallbackLifecycle,
        1,
        2,
      ),
      fc.integer(),
    ),
    type: fc.integer({ min: -1, max: 8 }),
    serial: fc.oneof(fc.constantFrom(0, 4, 5, 6), fc.nat()),
    status: fc.integer({ min: -1, max: 3 }),
    payload: fc.uint8Array({ maxLength: 96 }),
  })
  .map((f) => {
    const body = Buffer.alloc(24 + f.payload.length);
    [f.program, f.version, f.procedure, f.type, f.serial, f.status].forEach((v, i) =>
      body.writeUInt32BE(v >>> 0, i * 4),
    );
    Buffer.from(f.payload).copy(body, 24);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(Math.max(0, body.length + 4 + f.lengthDelta));
    return Buffer.concat([len, body]);
  });

const reply = fc.oneof(
  fc.array(frame, { minLength: 1, maxLength: 4 }).map((fs) => Buffer.concat(fs)),
  fc.uint8Array({ minLength: 1, maxLength: 120 }).map((b) => Buffer.from(b)),
);

const typed = (e: unknown): boolean =>
  e instanceof ConnectionError || e instanceof ProtocolError || e instanceof LibvirtError;

test("any answer: every call settles with a value or a typed error; hang-up closes the socket", async () => {
  await fc.assert(
    fc.asyncProperty(reply, fc.boolean(), async (garbage, splitWrites) => {
      let victim: Peer | undefined;
      const d = await FakeDaemon.start(
        handshaking((p, peer) => {
          if (p.header.type !== PacketType.Call || victim !== undefined) return;
          victim = peer;
          if (splitWrites) for (const b of garbage) peer.write(Buffer.from([b]));
          else peer.write(garbage);
          peer.socket.end(); // after the garbage, the daemon hangs up
        }),
      );
      try {
        const client = await LibvirtClient.connect(d.uri, { keepalive: false });
        const outcomes = await Promise.allSettled([
          client.getHostname(),
          client.domainLookupByName("x"),
          client.getLibVersion(),
        ]);
        for (const o of outcomes) {
          if (o.status === "rejected") expect(typed(o.reason)).toBe(true);
        }
        await d.allClosed();
        await client.close();
        expect(client.connection.pendingCount).toBe(0);
      } finally {
        await d.stop();
      }
    }),
    { numRuns: 150 },
  );
}, 60_000);

/** BatchWriter: packets of one turn leave in one writev, in order; stream data is never reordered. */
import { Duplex } from "node:stream";
import { BatchWriter } from "../../../libvirt/writer";

/** A sink recording each write call: a list of the packets it carried. */
function sink() {
  const writes: string[][] = [];
  const stream = new Duplex({
    read: () => undefined,
    write(chunk: Buffer, _enc, done) {
      writes.push([chunk.toString()]);
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map((c) => (c.chunk as Buffer).toString()));
      done();
    },
  });
  return { stream, writes };
}

const tick = () => new Promise((r) => setImmediate(r));

test("packets queued in one turn go out as one writev, in order; a lone one as a write", async () => {
  const { stream, writes } = sink();
  const w = new BatchWriter(stream);
  for (const p of ["a", "b", "c"]) w.write(Buffer.from(p));
  expect(writes).toEqual([]); // nothing before the current microtasks are done
  await tick();
  w.write(Buffer.from("d"));
  await tick();
  expect(writes).toEqual([["a", "b", "c"], ["d"]]);
});

test("writeNow sends what is queued first, then its packet, at once", () => {
  const { stream, writes } = sink();
  const w = new BatchWriter(stream);
  w.write(Buffer.from("call"));
  w.writeNow(Buffer.from("data"));
  expect(writes.flat()).toEqual(["call", "data"]);
});

test("a destroyed stream gets nothing (the connection has died)", async () => {
  const { stream, writes } = sink();
  const w = new BatchWriter(stream);
  w.write(Buffer.from("late"));
  stream.destroy();
  await tick();
  expect(writes).toEqual([]);
});

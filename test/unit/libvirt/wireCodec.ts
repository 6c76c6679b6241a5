/**
 * An independent XDR codec for the wire tests: each struct of
 * remote_protocol.x written as its list of fields, read and written with
 * the bare XDR primitives (not libvirt/types.ts), plus a Connection
 * stand-in that records what a method sends and answers with a canned reply.
 */
import { EventMethods } from "../../../libvirt/api/events";
import type { Connection, Decoder, Encoder } from "../../../libvirt/connection";
import { Procedure } from "../../../libvirt/protocol";
import { XdrReader, XdrWriter } from "../../../libvirt/xdr";

/** "optdom" is remote_domain: an optional remote_nonnull_domain. */
type Scalar = "int" | "uint" | "hyper" | "uhyper" | "string" | "optstring" | "uuid" | "optdom";
type Struct = "dom" | "net" | "pool" | "vol" | "snap";
export type Field = Scalar | Struct | { array: Field } | { fields: Field[] };

const STRUCTS: Record<Struct, Field[]> = {
  dom: ["string", "uuid", "int"], // remote_nonnull_domain
  net: ["string", "uuid"],
  pool: ["string", "uuid"],
  vol: ["string", "string", "string"],
  snap: ["string", { fields: ["string", "uuid", "int"] }], // name, remote_nonnull_domain
};

/** Reads a field into plain values (structs as arrays). */
export function read(r: XdrReader, f: Field): unknown {
  if (typeof f === "object") {
    if ("array" in f) return r.readArray((x) => read(x, f.array));
    return f.fields.map((g) => read(r, g));
  }
  switch (f) {
    case "int":
      return r.readInt();
    case "uint":
      return r.readUint();
    case "hyper":
      return r.readHyper();
    case "uhyper":
      return r.readUhyper();
    case "string":
      return r.readString();
    case "optstring":
      return r.readOptional((x) => x.readString());
    case "uuid":
      return r.readFixedOpaque(16);
    case "optdom":
      return r.readOptional((x) => STRUCTS.dom.map((g) => read(x, g)));
    default:
      return STRUCTS[f].map((g) => read(r, g));
  }
}

function write(w: XdrWriter, f: Field, v: unknown): void {
  if (typeof f === "object") {
    if ("array" in f) return w.writeArray(v as unknown[], (x, e) => write(x, f.array, e));
    return f.fields.forEach((g, i) => write(w, g, (v as unknown[])[i]));
  }
  switch (f) {
    case "int":
      return w.writeInt(v as number);
    case "uint":
      return w.writeUint(v as number);
    case "hyper":
      return w.writeHyper(v as bigint);
    case "uhyper":
      return w.writeUhyper(v as bigint);
    case "string":
      return w.writeString(v as string);
    case "optstring":
      return w.writeOptional(v as string | null, (x, s) => x.writeString(s));
    case "uuid":
      return w.writeFixedOpaque(v as Buffer, 16);
    case "optdom":
      return w.writeOptional(v as unknown[] | null, (x, d) => write(x, { fields: STRUCTS.dom }, d));
    default:
      return STRUCTS[f].forEach((g, i) => write(w, g, (v as unknown[])[i]));
  }
}

// Handles as the methods take them, and as the wire carries them.
export const uuid = Buffer.alloc(16, 0xab);
export const DOM = { name: "d", uuid, id: 7 };
export const NET = { name: "n", uuid };
export const VOL = { pool: "p", name: "v", key: "/k" };
export const SNAP = { name: "s", dom: DOM };
export const wDom = ["d", uuid, 7];
export const wNet = ["n", uuid];
export const wVol = ["p", "v", "/k"];
export const wSnap = ["s", wDom];

/** One method: how to call it, the argument struct it must send, the reply struct and result. */
export interface Case {
  proc: number;
  run: (c: EventMethods) => Promise<unknown>;
  args: [Field[], unknown[]];
  ret?: [Field[], unknown[]];
  result?: unknown;
}

/** A Connection stand-in: records each call's procedure and payload, answers from `replies`. */
export function recorder(replies: Map<number, Buffer>) {
  const calls: { proc: number; payload: Buffer }[] = [];
  const conn = {
    isOpen: true,
    onMessage: () => () => true,
    onClose: () => () => true,
    call<T>(proc: number, encode?: Encoder, decode?: Decoder<T>): Promise<T> {
      const w = new XdrWriter();
      encode?.(w);
      calls.push({ proc, payload: w.finish() });
      const r = new XdrReader(replies.get(proc) ?? Buffer.alloc(0));
      const value = decode ? decode(r) : (undefined as T);
      r.expectEnd();
      return Promise.resolve(value);
    },
  };
  return { calls, client: new EventMethods(conn as unknown as Connection) };
}

export const encodeAll = (fields: Field[], values: unknown[]): Buffer => {
  const w = new XdrWriter();
  fields.forEach((f, i) => write(w, f, values[i]));
  return w.finish();
};

/** Runs one case against the recorder and checks both directions. */
export async function checkCase(c: Case, featureOk = 1): Promise<void> {
  const replies = new Map<number, Buffer>();
  if (c.ret) replies.set(c.proc, encodeAll(...c.ret));
  replies.set(Procedure.ConnectSupportsFeature, encodeAll(["int"], [featureOk]));
  const { calls, client } = recorder(replies);
  const result = await c.run(client);
  const mine = calls.filter((x) => x.proc === c.proc);
  expect(mine).toHaveLength(1);
  const r = new XdrReader(mine[0].payload);
  expect(c.args[0].map((f) => read(r, f))).toEqual(c.args[1]);
  r.expectEnd();
  expect(result).toEqual(c.result);
}

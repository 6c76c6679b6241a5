/**
 * Turning a REPLY packet into a result or an error. Shared by plain calls
 * (connection.ts) and streaming calls (stream.ts).
 */
import { LibvirtError, ProtocolError, asError, decodeRemoteError } from "./errors";
import type { Packet } from "./framing";
import { PacketStatus, PacketType, procedureName } from "./protocol";
import { XdrReader } from "./xdr";
import type { XdrWriter } from "./xdr";

export type Encoder = (w: XdrWriter) => void;
export type Decoder<T> = (r: XdrReader) => T;

/** REPLY → decoded result; REPLY/ERROR → LibvirtError; anything else → ProtocolError. */
export function decodeReply<T>(p: Packet, procedure: number, decodeRet?: Decoder<T>): T {
  const { type, status } = p.header;
  const name = procedureName(procedure);
  if (type !== PacketType.Reply) {
    throw new ProtocolError("UNEXPECTED_PACKET", `${name}: expected a reply, got type ${type}`);
  }
  if (status === PacketStatus.Error) throw decodeError(p, procedure);
  if (status !== PacketStatus.Ok) {
    throw new ProtocolError("UNEXPECTED_PACKET", `${name}: reply has status ${status}`);
  }
  return decodePayload(p, name, (r) => (decodeRet ? decodeRet(r) : (undefined as T)));
}

/** The LibvirtError carried by an ERROR packet (REPLY or STREAM). */
export function decodeError(p: Packet, procedure: number): LibvirtError {
  const remote = decodePayload(p, procedureName(procedure), decodeRemoteError);
  return new LibvirtError(remote, procedure);
}

function decodePayload<T>(p: Packet, what: string, decode: Decoder<T>): T {
  try {
    const r = new XdrReader(p.payload);
    const value = decode(r);
    r.expectEnd();
    return value;
  } catch (err) {
    const msg = `${what}: reply does not decode: ${asError(err).message}`;
    throw new ProtocolError("BAD_PAYLOAD", msg, { cause: err });
  }
}

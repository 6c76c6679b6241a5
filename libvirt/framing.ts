/**
 * Packets on the wire (virnetprotocol.x): a big-endian u32 length covering the
 * whole packet including itself, a 24-byte header, then the payload. A stream
 * delivers these in arbitrary chunks; FrameDecoder reassembles them without
 * copying: a packet is the views of the chunks it arrived in (pieces.ts).
 */
import { ProtocolError } from "./errors";
import { HEADER_SIZE, LENGTH_WORD_SIZE, MAX_MESSAGE_SIZE } from "./protocol";
import { withoutFirst } from "./pieces";
import { XdrReader, XdrWriter } from "./xdr";

export interface PacketHeader {
  program: number;
  version: number;
  procedure: number;
  /** PacketType */
  type: number;
  serial: number;
  /** PacketStatus */
  status: number;
}

export interface Packet {
  header: PacketHeader;
  /** The bytes after the header: XDR for calls and replies, raw data for streams. */
  readonly payload: Buffer;
  /**
   * The same bytes as they were read (a packet that was decoded): views of
   * the chunks, in order. Stream data is taken from these (no copy);
   * `payload` joins them into one buffer when first asked for.
   */
  readonly pieces?: readonly Buffer[];
}

/** A packet's payload as pieces: what it arrived in, or its one buffer (a packet built here). */
export function payloadPieces(p: Packet): readonly Buffer[] {
  return p.pieces ?? [p.payload];
}

const MIN_FRAME = LENGTH_WORD_SIZE + HEADER_SIZE;

/**
 * Builds a packet whose payload is XDR written by `body`. Throws a
 * ProtocolError (before anything is sent) if it exceeds what the daemon
 * accepts: the daemon would drop the whole connection instead.
 */
export function encodePacket(
  header: PacketHeader,
  body?: (w: XdrWriter) => void,
  maxMessage = MAX_MESSAGE_SIZE,
): Buffer {
  const w = new XdrWriter(512);
  w.writeUint(0); // length, patched below
  writeHeader(w, header);
  body?.(w);
  return finishFrame(w, maxMessage);
}

/** Builds a packet whose payload is raw bytes (stream data: no XDR length, no padding). */
export function encodeRawPacket(
  header: PacketHeader,
  data: Uint8Array,
  maxMessage = MAX_MESSAGE_SIZE,
): Buffer {
  const total = MIN_FRAME + data.length;
  checkSize(total, maxMessage);
  const w = new XdrWriter(MIN_FRAME);
  w.writeUint(total);
  writeHeader(w, header);
  return Buffer.concat([w.view(), data], total);
}

/**
 * The length word and header of a packet whose `length` bytes of raw
 * payload are sent separately (stream data without a copy); checked like
 * encodeRawPacket.
 */
export function encodeRawHeader(
  header: PacketHeader,
  length: number,
  maxMessage = MAX_MESSAGE_SIZE,
): Buffer {
  const total = MIN_FRAME + length;
  checkSize(total, maxMessage);
  const w = new XdrWriter(MIN_FRAME);
  w.writeUint(total);
  writeHeader(w, header);
  return w.finish();
}

function writeHeader(w: XdrWriter, h: PacketHeader): void {
  w.writeUint(h.program);
  w.writeUint(h.version);
  w.writeInt(h.procedure);
  w.writeInt(h.type);
  w.writeUint(h.serial);
  w.writeInt(h.status);
}

function finishFrame(w: XdrWriter, maxMessage: number): Buffer {
  checkSize(w.length, maxMessage);
  w.patchUint(0, w.length);
  return w.finish();
}

function checkSize(total: number, maxMessage: number): void {
  if (total - LENGTH_WORD_SIZE > maxMessage) {
    throw new ProtocolError(
      "FRAME_TOO_LARGE",
      `packet of ${total} bytes exceeds the protocol maximum of ${maxMessage}`,
    );
  }
}

/**
 * Incremental frame parser. Feed it chunks as they arrive; it returns every
 * packet completed so far. A length word outside [28, max + 4] is rejected as
 * soon as its four bytes are in, before any of the claimed body is buffered.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the frame being assembled, or -1 while its length word is incomplete. */
  private expected = -1;

  constructor(private readonly maxMessage = MAX_MESSAGE_SIZE) {}

  /** Bytes held that do not yet form a whole packet; non-zero at EOF means a truncated frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(chunk: Buffer): Packet[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Packet[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < LENGTH_WORD_SIZE) break;
        this.expected = this.checkLength(this.peekLength());
      }
      if (this.buffered < this.expected) break;
      out.push(decodeFrame(this.take(this.expected)));
      this.expected = -1;
    }
    return out;
  }

  private checkLength(len: number): number {
    if (len < MIN_FRAME) {
      throw new ProtocolError("FRAME_TOO_SMALL", `packet length ${len} is below ${MIN_FRAME}`);
    }
    if (len - LENGTH_WORD_SIZE > this.maxMessage) {
      throw new ProtocolError(
        "FRAME_TOO_LARGE",
        `packet length ${len} exceeds the protocol maximum of ${this.maxMessage}`,
      );
    }
    return len;
  }

  private peekLength(): number {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= LENGTH_WORD_SIZE) return first.readUInt32BE(0);
    return Buffer.concat(this.chunks, LENGTH_WORD_SIZE).readUInt32BE(0);
  }

  /**
   * Removes exactly n bytes from the front, as views of the chunks holding
   * them (no copy: a 256 KiB stream packet arrives in four or five reads).
   */
  private take(n: number): Buffer[] {
    const frame: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0];
      if (c === undefined) throw new Error("FrameDecoder: fewer bytes held than counted");
      if (c.length <= left) {
        frame.push(c);
        this.chunks.shift();
        left -= c.length;
      } else {
        frame.push(c.subarray(0, left));
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.buffered -= n;
    return frame;
  }
}

/** A packet decoded from the pieces of its frame; its payload is joined only if asked for. */
class ReceivedPacket implements Packet {
  private joined?: Buffer;

  constructor(
    readonly header: PacketHeader,
    readonly pieces: readonly Buffer[],
  ) {}

  get payload(): Buffer {
    const only = this.pieces.length === 1 ? this.pieces[0] : undefined;
    return (this.joined ??= only ?? Buffer.concat(this.pieces));
  }
}

function decodeFrame(frame: readonly Buffer[]): Packet {
  const first = frame[0];
  // The header is copied only when the length word and header straddle two reads.
  const head =
    first !== undefined && first.length >= MIN_FRAME ? first : Buffer.concat(frame, MIN_FRAME);
  const r = new XdrReader(head, LENGTH_WORD_SIZE, MIN_FRAME);
  const header: PacketHeader = {
    program: r.readUint(),
    version: r.readUint(),
    procedure: r.readInt(),
    type: r.readInt(),
    serial: r.readUint(),
    status: r.readInt(),
  };
  return new ReceivedPacket(header, withoutFirst(frame, MIN_FRAME));
}

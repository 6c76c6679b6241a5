/**
 * One libvirt RPC connection over a transport: frames packets, matches
 * replies to calls by serial (many calls may be in flight; replies come in
 * any order), answers the daemon's keepalive pings, and fails every pending
 * call at once when the transport dies.
 *
 * It knows nothing of procedures' meanings: client.ts and api/* encode
 * arguments and decode results; stream.ts drives the stream packets of
 * upload (and, later, download) calls through the same serial table.
 */
import { ConnectionError, ProtocolError, asError, endOfStream } from "./errors";
import { FrameDecoder, encodePacket } from "./framing";
import type { Packet } from "./framing";
import { answerKeepalive } from "./keepalive";
import {
  MAX_MESSAGE_SIZE,
  PROGRAM_VERSION,
  PacketStatus,
  PacketType,
  Procedure,
  Program,
} from "./protocol";
import { decodeReply } from "./replies";
import type { Decoder, Encoder } from "./replies";
import type { Transport } from "./transport";
import { BatchWriter } from "./writer";
import { traceCall } from "./trace";

/** Waits this long for CONNECT_CLOSE's reply and for the stream to end on close(). */
const CLOSE_TIMEOUT_MS = 2_000;
const MAX_SERIAL = 0xffff_ffff;
/** Stream data queued in the transport before send() waits for it to drain. */
const SEND_QUEUE_BYTES = 4 * 1024 * 1024;

export type { Decoder, Encoder } from "./replies";

export interface CallOptions {
  /** Defaults to the remote program; the QEMU program uses the same mechanics. */
  program?: number;
  version?: number;
}

/** A registered serial: receives every packet the daemon sends for it. */
export interface PendingHandler {
  readonly procedure: number;
  readonly program: number;
  readonly version: number;
  onPacket(packet: Packet): void;
  /** The connection died; the handler must reject whatever it is waiting for. */
  onClose(err: ConnectionError): void;
}

export class Connection {
  private readonly decoder: FrameDecoder;
  private readonly writer: BatchWriter;
  private readonly pending = new Map<number, PendingHandler>();
  private readonly messageHandlers = new Map<string, (packet: Packet) => void>();
  private readonly closeListeners = new Set<(err: ConnectionError) => void>();
  private nextSerial = 1;
  private state: "open" | "closing" | "closed" = "open";
  private closedBy?: ConnectionError;
  private closing?: Promise<void>;
  /** Time (ms since epoch) the last bytes arrived; for keepalive decisions. */
  lastReceived = Date.now();

  constructor(
    private readonly transport: Transport,
    private readonly maxMessage = MAX_MESSAGE_SIZE,
  ) {
    this.decoder = new FrameDecoder(maxMessage);
    this.writer = new BatchWriter(transport.stream);
    const s = transport.stream;
    transport.onChunks?.((chunk) => this.receive(chunk));
    // Without onChunks the bytes come as 'data' events; with it there are none.
    s.on("data", (chunk: Buffer) => this.receive(chunk));
    s.on("error", (err: Error) => this.transportEnded("transport", err));
    s.on("end", () => this.transportEnded("eof"));
    s.on("close", () => this.transportEnded("eof"));
    answerKeepalive(this);
  }

  get isOpen(): boolean {
    return this.state === "open";
  }

  /** Closed for good (the state TS cannot track across dispatch's side effects). */
  private get isClosed(): boolean {
    return this.state === "closed";
  }

  get description(): string {
    return this.transport.description;
  }

  /** Number of serials awaiting an answer (calls and streams). */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Calls a procedure and decodes its reply. Without `decodeRet` the reply
   * must be empty. Rejects with LibvirtError when the daemon reports an error,
   * ProtocolError when its reply does not decode (the connection stays up),
   * ConnectionError when the connection is or becomes unusable.
   */
  call<T = void>(
    procedure: number,
    encodeArgs?: Encoder,
    decodeRet?: Decoder<T>,
    opts: CallOptions = {},
  ): Promise<T> {
    if (this.state !== "open") return Promise.reject(this.unusable());
    traceCall(procedure);
    return this.rawCall(procedure, encodeArgs, decodeRet, opts);
  }

  /**
   * Registers a handler for the next serial and sends `packet(serial)`.
   * For stream.ts: the handler then sees the reply and every stream packet.
   */
  register(handler: PendingHandler, packet: (serial: number) => Buffer): number {
    if (this.state !== "open") throw this.unusable();
    return this.enqueue(handler, packet);
  }

  /** register() without the state check: CONNECT_CLOSE goes out while closing. */
  private enqueue(handler: PendingHandler, packet: (serial: number) => Buffer): number {
    const serial = this.allocSerial();
    const bytes = packet(serial); // may throw (oversize): nothing registered yet
    this.pending.set(serial, handler);
    this.writer.write(bytes);
    return serial;
  }

  /** Stops routing packets of `serial` (its call or stream is over). */
  release(serial: number): void {
    this.pending.delete(serial);
  }

  /** Writes a packet; resolves once the transport can take more (backpressure for streams). */
  send(bytes: Buffer): Promise<void> {
    if (this.state === "closed") return Promise.reject(this.unusable());
    this.writer.writeNow(bytes);
    return this.sendRoom();
  }

  /**
   * Writes the pieces of one or more packets, in order, without copying
   * them; `written` is called once the transport no longer needs any of them
   * (also when it died first). Resolves like send().
   */
  sendPieces(pieces: readonly Uint8Array[], written: () => void): Promise<void> {
    if (this.state === "closed") {
      written();
      return Promise.reject(this.unusable());
    }
    this.writer.writePiecesNow(pieces, () => written());
    return this.sendRoom();
  }

  private sendRoom(): Promise<void> {
    const stream = this.transport.stream;
    // Let a few packets queue so reading the source overlaps with sending;
    // waiting for 'drain' after every packet halves upload throughput.
    if (stream.writableLength <= SEND_QUEUE_BYTES) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = (): void => {
        this.closeListeners.delete(onDead);
        resolve();
      };
      const onDead = (err: ConnectionError): void => {
        stream.off("drain", onDrain);
        reject(err);
      };
      stream.once("drain", onDrain);
      this.closeListeners.add(onDead);
    });
  }

  /** Handles MESSAGE packets (events) of a program and procedure; returns an unsubscribe. */
  onMessage(program: number, procedure: number, handler: (packet: Packet) => void): () => void {
    const key = `${program}:${procedure}`;
    this.messageHandlers.set(key, handler);
    return () => this.messageHandlers.delete(key);
  }

  /** Called once when the connection becomes unusable, for whatever reason. */
  onClose(listener: (err: ConnectionError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /**
   * Clean close: CONNECT_CLOSE (so the daemon releases the driver connection
   * at once rather than on EOF), then end the stream. Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  /**
   * Drops the transport at once, without CONNECT_CLOSE: for a connection
   * that never got opened (handshake failed), as libvirt's own client does.
   */
  terminate(): void {
    this.abandon(new ConnectionError("closed", `connection to ${this.description} was closed`));
  }

  /**
   * Drops the transport at once and fails everything pending with `err`:
   * for a peer that stopped answering (keepalive) or a connect that took too long.
   */
  abandon(err: ConnectionError): void {
    this.fail(err);
  }

  /** Stops reading from the transport (download backpressure) until resumeReading(). */
  pauseReading(): void {
    this.transport.stream.pause();
  }

  resumeReading(): void {
    if (this.state !== "closed") this.transport.stream.resume();
  }

  private async doClose(): Promise<void> {
    if (this.state === "open") {
      this.state = "closing";
      const reply = this.rawCall(Procedure.ConnectClose).catch(() => undefined);
      await withTimeout(reply, CLOSE_TIMEOUT_MS);
    }
    const stream = this.transport.stream;
    const ended = new Promise<void>((resolve) => {
      if (stream.destroyed) resolve();
      else stream.once("close", () => resolve());
    });
    this.writer.flush();
    stream.end();
    await withTimeout(ended, CLOSE_TIMEOUT_MS);
    this.fail(new ConnectionError("closed", `connection to ${this.description} was closed`));
  }

  private rawCall<T>(
    procedure: number,
    encodeArgs?: Encoder,
    decodeRet?: Decoder<T>,
    opts: CallOptions = {},
  ): Promise<T> {
    const program = opts.program ?? Program.Remote;
    const version = opts.version ?? PROGRAM_VERSION;
    return new Promise<T>((resolve, reject) => {
      const handler: PendingHandler = {
        procedure,
        program,
        version,
        onPacket: (p) => {
          this.release(p.header.serial);
          try {
            resolve(decodeReply(p, procedure, decodeRet));
          } catch (err) {
            reject(asError(err));
          }
        },
        onClose: reject,
      };
      const header = {
        program,
        version,
        procedure,
        type: PacketType.Call,
        status: PacketStatus.Ok,
      };
      try {
        this.enqueue(handler, (serial) =>
          encodePacket({ ...header, serial }, encodeArgs, this.maxMessage),
        );
      } catch (err) {
        reject(asError(err));
      }
    });
  }

  private receive(chunk: Buffer): void {
    if (this.state === "closed") return;
    this.lastReceived = Date.now();
    let packets: Packet[];
    try {
      packets = this.decoder.push(chunk);
    } catch (err) {
      this.fail(violation(err as ProtocolError));
      return;
    }
    for (const p of packets) {
      if (this.isClosed) return; // a packet before this one was fatal
      this.dispatch(p);
    }
  }

  private dispatch(p: Packet): void {
    const { type, serial, program, procedure } = p.header;
    if (type === PacketType.Message) {
      // A failing event handler must not take the connection (or the process) down.
      try {
        this.messageHandlers.get(`${program}:${procedure}`)?.(p);
      } catch {
        /* the handler's own problem */
      }
      return;
    }
    const isAnswer =
      type === PacketType.Reply || type === PacketType.Stream || type === PacketType.StreamHole;
    const handler = this.pending.get(serial);
    if (!isAnswer || handler === undefined) {
      // libvirt's own client treats this as fatal too: the peer and we disagree on state.
      const code = isAnswer ? "UNKNOWN_SERIAL" : "UNEXPECTED_PACKET";
      const what = isAnswer
        ? `for serial ${serial}, which no call is waiting on`
        : `of type ${type}`;
      this.fail(violation(new ProtocolError(code, `daemon sent a packet ${what}`)));
      return;
    }
    if (program !== handler.program || p.header.version !== handler.version) {
      const msg = `reply to serial ${serial} names program ${program} v${p.header.version}`;
      this.fail(violation(new ProtocolError("UNEXPECTED_PROGRAM", msg)));
      return;
    }
    handler.onPacket(p);
  }

  private transportEnded(reason: "eof" | "transport", cause?: Error): void {
    if (this.state === "closed") return;
    if (this.state === "closing") {
      this.fail(new ConnectionError("closed", `connection to ${this.description} was closed`));
      return;
    }
    const detail = this.transport.failureDetail?.();
    this.fail(endOfStream(this.description, reason, this.decoder.pendingBytes, detail, cause));
  }

  /** Marks the connection dead, rejects everything pending and releases the transport. */
  private fail(err: ConnectionError): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.closedBy = err;
    const handlers = [...this.pending.values()];
    this.pending.clear();
    for (const h of handlers) h.onClose(err);
    this.transport.close();
    for (const listener of [...this.closeListeners]) listener(err);
    this.closeListeners.clear();
  }

  private unusable(): ConnectionError {
    return (
      this.closedBy ?? new ConnectionError("closed", `connection to ${this.description} is closing`)
    );
  }

  private allocSerial(): number {
    // Serials wrap after 2^32 calls; skip 0 (MESSAGE packets use it) and any still in use.
    do {
      const s = this.nextSerial;
      this.nextSerial = s === MAX_SERIAL ? 1 : s + 1;
      if (!this.pending.has(s)) return s;
    } while (this.pending.size < MAX_SERIAL - 1);
    throw new ProtocolError("UNKNOWN_SERIAL", "no free serial");
  }
}

function violation(err: ProtocolError): ConnectionError {
  return new ConnectionError("protocol", `protocol violation: ${err.message}`, { cause: err });
}

function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void p.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

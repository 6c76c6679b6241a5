/**
 * A transport is a connected byte stream to a libvirt daemon and nothing
 * more: framing, calls and keepalive live in connection.ts, so every way of
 * reaching a daemon (unix socket, ssh via the system ssh binary, plain tcp)
 * only has to produce a Duplex.
 */
import type { Duplex } from "node:stream";
import type { LibvirtUri } from "./uri";

export interface Transport {
  /** Bytes to and from the daemon. The connection owns its events once handed over. */
  readonly stream: Duplex;
  /** For messages: "unix socket /var/run/libvirt/libvirt-sock", "ssh me@laptop", … */
  readonly description: string;
  /** The child process behind the stream, if any (ssh): for diagnostics and tests. */
  readonly pid?: number;
  /**
   * Extra words on why the stream died, if the transport knows (an ssh
   * child's stderr, its exit status). Called once the stream has closed.
   */
  failureDetail?(): string | undefined;
  /**
   * Transports that read into memory of their own (unix and tcp sockets:
   * transports/socketReads.ts) deliver what they read to `receive` and emit
   * no 'data' events; ssh has no such thing. Chunks are never written again
   * afterwards: they may be kept.
   */
  onChunks?(receive: (chunk: Buffer) => void): void;
  /** Ends the stream and releases whatever backs it (a child process, a socket). */
  close(): void;
}

export interface TransportOptions {
  readOnly: boolean;
  /** Aborted when the connect timeout expires: give up and release what was started. */
  signal?: AbortSignal;
}

/** Sets up a transport for a parsed URI; rejects with ConnectionError("connect"). */
export type TransportFactory = (uri: LibvirtUri, opts: TransportOptions) => Promise<Transport>;

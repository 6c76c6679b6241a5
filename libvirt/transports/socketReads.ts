/**
 * A socket's reads (unix, tcp) into memory of our own, through Node's
 * `onread` option, handed to the connection as they are.
 *
 * Why. Without it Node reads at most 64 KiB at a time, each into fresh
 * memory, and copies every read that did not fill its 64 KiB into zeroed
 * memory of the exact size; each read is a trip into JavaScript. The daemon
 * sends stream data in packets of 262,172 bytes, which arrive here in reads
 * of about 219 KiB, 42 KiB and 52 bytes. During a download the daemon's
 * event loop, its file thread and this process share this VM's two cores,
 * so our CPU is time the daemon waits for one. Measured (1 GiB dense
 * download, libvirt 9.0, alternating runs, December 2026): read calls per
 * GiB 18,000–21,800 with Node's reads, 7,300–9,500 with these; our user CPU
 * 420–650 ms against 320–430 ms (the C client's: 250–340 ms); the daemon
 * waiting for a core 84–219 ms against 27–86 ms. bench:libvirt on a fast
 * host, 10 alternating runs each way: dense download ours/C median 1.18 →
 * 1.09. Page faults rise a little (fresh buffers): 16,000–24,000 per GiB →
 * 19,000–34,000.
 *
 * How. Every read goes into a buffer of READ_SIZE bytes. A read of
 * `copyBelow` bytes or more (half the buffer) is handed on as a view of it,
 * and the next read gets a new buffer: the view is never written again, so
 * it may be kept (a download's queued data is). A shorter read (a reply,
 * the end of a packet) is copied into memory of its own and the buffer is
 * read into again. So a chunk never keeps alive more than twice its size,
 * and small replies keep nothing big.
 *
 * A receiver that throws must not let the next read overwrite what it was
 * given (Node asks for the next buffer only when the callback returns): the
 * error goes to `failed`, whose caller destroys the socket, and reading stops.
 *
 * ssh cannot use this: its bytes come from a child's stdout, a pipe Node
 * reads itself ('data' events).
 */
import type { OnReadOpts } from "node:net";

/** Bytes per read buffer: more than a local socket holds at once (reads of up to 219,264 bytes seen), so one read takes all there is. */
export const READ_SIZE = 256 * 1024;

export interface SocketReads {
  /** For net.createConnection({ onread }). */
  readonly onread: OnReadOpts;
  /** Where chunks go from now on; those read before are delivered first, in order. */
  deliverTo(receive: (chunk: Buffer) => void): void;
}

/**
 * Reads for one socket. `failed` gets what a receiver threw; the caller
 * must destroy the socket with it (nothing more is read either way).
 */
export function socketReads(
  failed: (err: unknown) => void,
  readSize = READ_SIZE,
  copyBelow = readSize / 2,
): SocketReads {
  let buffer: Buffer | undefined;
  let receive: ((chunk: Buffer) => void) | undefined;
  const early: Buffer[] = [];

  const took = (bytes: number, into: Uint8Array): boolean => {
    const read = Buffer.from(into.buffer, into.byteOffset, bytes);
    let chunk: Buffer;
    if (bytes >= copyBelow) {
      chunk = read;
      buffer = undefined; // handed on: the next read goes into a new buffer
    } else {
      chunk = Buffer.allocUnsafe(bytes);
      read.copy(chunk);
    }
    if (receive === undefined) {
      early.push(chunk);
      return true;
    }
    try {
      receive(chunk);
      return true;
    } catch (err) {
      buffer = undefined; // whatever the receiver kept stays as it is
      failed(err);
      return false;
    }
  };

  return {
    onread: {
      buffer: () => (buffer ??= Buffer.allocUnsafeSlow(readSize)),
      callback: took,
    },
    deliverTo(r) {
      receive = r;
      for (const chunk of early.splice(0)) r(chunk);
    },
  };
}

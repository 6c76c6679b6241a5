/**
 * A net.Socket (unix or tcp) as a Transport; shared by transports/unix.ts and
 * transports/tcp.ts. Its reads go into memory of our own (socketReads.ts) and
 * reach the connection through onChunks(), not as 'data' events.
 */
import { createConnection } from "node:net";
import type { NetConnectOpts } from "node:net";
import { ConnectionError } from "../errors";
import type { Transport } from "../transport";
import { socketReads } from "./socketReads";

/**
 * Connects; rejects with ConnectionError("connect") naming `description` and,
 * through `explain`, the likely fix for common errnos. An abort (the connect
 * timeout) destroys the half-open socket.
 */
export function connectNetSocket(
  options: NetConnectOpts,
  description: string,
  explain: (err: NodeJS.ErrnoException) => string,
  signal?: AbortSignal,
): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const reads = socketReads((err) =>
      socket.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    const socket = createConnection({ ...options, onread: reads.onread });
    const fail = (why: string, cause?: unknown): void => {
      socket.destroy();
      signal?.removeEventListener("abort", onAbort);
      reject(new ConnectionError("connect", `connect to ${description}: ${why}`, { cause }));
    };
    const onError = (err: NodeJS.ErrnoException): void => fail(explain(err), err);
    const onAbort = (): void => fail("timed out");
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
      resolve({
        stream: socket,
        description,
        close: () => socket.destroy(),
        onChunks: (receive) => reads.deliverTo(receive),
      });
    });
  });
}

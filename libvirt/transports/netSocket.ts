/** A net.Socket (unix or tcp) as a Transport; shared by transports/unix.ts and transports/tcp.ts. */
import { createConnection } from "node:net";
import type { NetConnectOpts } from "node:net";
import { ConnectionError } from "../errors";
import type { Transport } from "../transport";

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
    const socket = createConnection(options);
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
      resolve({ stream: socket, description, close: () => socket.destroy() });
    });
  });
}

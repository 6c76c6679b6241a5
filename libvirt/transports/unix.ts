/** The unix-socket transport: a local daemon, as in qemu:///system. */
import { createConnection } from "node:net";
import { ConnectionError } from "../errors";
import type { Transport, TransportOptions } from "../transport";
import { resolveUnixSocket } from "../uri";
import type { LibvirtUri } from "../uri";

export async function connectUnix(uri: LibvirtUri, opts: TransportOptions): Promise<Transport> {
  return connectUnixPath(resolveUnixSocket(uri, opts.readOnly));
}

/** Connects to a socket path; errors name the path and, for common errnos, the likely fix. */
export function connectUnixPath(path: string): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ path });
    const onError = (err: NodeJS.ErrnoException): void => {
      socket.destroy();
      reject(new ConnectionError("connect", `connect to ${path}: ${explain(err)}`, { cause: err }));
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      socket.off("error", onError);
      resolve({
        stream: socket,
        description: `unix socket ${path}`,
        close: () => socket.destroy(),
      });
    });
  });
}

function explain(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ENOENT":
      return "no such socket (is libvirtd or virtqemud running?)";
    case "ECONNREFUSED":
      return "connection refused (the daemon is not listening on it)";
    case "EACCES":
      return "permission denied (is this user in group libvirt?)";
    default:
      return err.message;
  }
}

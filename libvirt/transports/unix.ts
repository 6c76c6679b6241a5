/** The unix-socket transport: a local daemon, as in qemu:///system. */
import type { Transport, TransportOptions } from "../transport";
import { resolveUnixSocket } from "../uri";
import type { LibvirtUri } from "../uri";
import { connectNetSocket } from "./netSocket";

export async function connectUnix(uri: LibvirtUri, opts: TransportOptions): Promise<Transport> {
  return connectUnixPath(resolveUnixSocket(uri, opts.readOnly), opts.signal);
}

/** Connects to a socket path; errors name the path and, for common errnos, the likely fix. */
export function connectUnixPath(path: string, signal?: AbortSignal): Promise<Transport> {
  return connectNetSocket({ path }, `unix socket ${path}`, explain, signal);
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

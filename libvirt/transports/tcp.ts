/**
 * Plain TCP to a daemon listening on the network (qemu+tcp://host[:port]/system):
 * libvirtd with listen_tcp=1 (and --listen, or virtproxyd-tcp.socket). The
 * daemon's default auth_tcp is SASL, which we refuse in the handshake; this
 * only works with auth_tcp="none", i.e. on a trusted network. Prefer ssh.
 */
import { LibvirtUriError } from "../errors";
import type { Transport, TransportOptions } from "../transport";
import type { LibvirtUri } from "../uri";
import { connectNetSocket } from "./netSocket";

/** LIBVIRTD_TCP_PORT. */
export const DEFAULT_TCP_PORT = 16509;

export async function connectTcp(uri: LibvirtUri, opts: TransportOptions): Promise<Transport> {
  if (uri.host === undefined) {
    throw new LibvirtUriError(uri.uri, "host", "the tcp transport needs a host");
  }
  const port = uri.port ?? DEFAULT_TCP_PORT;
  const shown = uri.host.includes(":") ? `[${uri.host}]` : uri.host;
  const transport = await connectNetSocket(
    { host: uri.host, port, noDelay: true },
    `tcp ${shown}:${port}`,
    explain,
    opts.signal,
  );
  return transport;
}

function explain(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ECONNREFUSED":
      return "connection refused (is libvirtd listening on tcp? it needs listen_tcp=1)";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return err.message;
  }
}

/**
 * LibvirtClient: typed methods over one connection to one daemon.
 *
 *   const lv = await LibvirtClient.connect("qemu:///system");
 *   const dom = await lv.domainLookupByName("demo");
 *   await lv.close();
 *
 * The methods live in api/*.ts by object family; this file only connects.
 * Method names follow libvirt's C API in camelCase (virDomainDefineXMLFlags →
 * domainDefineXml); flags default to 0; handles (DomainRef, …) are the values
 * the daemon returned and must be passed back unchanged.
 */
import { handshake } from "./api/core";
import { EventMethods } from "./api/events";
import { Connection } from "./connection";
import { ConnectionError, LibvirtUriError } from "./errors";
import { DEFAULT_KEEPALIVE, startKeepalive } from "./keepalive";
import type { KeepaliveOptions } from "./keepalive";
import type { Transport, TransportFactory } from "./transport";
import { connectSsh } from "./transports/ssh";
import { connectTcp } from "./transports/tcp";
import { connectUnix } from "./transports/unix";
import { parseUri } from "./uri";
import type { LibvirtUri, TransportKind } from "./uri";

/** Transport setup plus handshake must finish within this, or connect() gives up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;

export interface ConnectOptions {
  /** Open read-only (the "-ro" socket and VIR_CONNECT_RO). */
  readOnly?: boolean;
  /** Replaces the transport chosen from the URI (tests, or a caller-made tunnel). */
  transport?: TransportFactory;
  /** Our own pings to detect a dead peer; false turns them off. Default 5 s × 5, as libvirt. */
  keepalive?: KeepaliveOptions | false;
  /** Default DEFAULT_CONNECT_TIMEOUT_MS (ssh may need a while through a ProxyJump). */
  connectTimeoutMs?: number;
}

const TRANSPORTS: Partial<Record<TransportKind, TransportFactory>> = {
  unix: connectUnix,
  ssh: connectSsh,
  tcp: connectTcp,
};
/** Why the others are refused, with what to use instead. */
const UNSUPPORTED: Partial<Record<TransportKind, string>> = {
  tls: "(TLS needs client certificates; use qemu+ssh://)",
  libssh: "(use qemu+ssh://, which runs the system ssh)",
  libssh2: "(use qemu+ssh://, which runs the system ssh)",
  ext: "(use qemu+ssh:// or a transport option)",
};

export class LibvirtClient extends EventMethods {
  private constructor(
    conn: Connection,
    /** The parsed URI this client was opened with. */
    readonly uri: LibvirtUri,
  ) {
    super(conn);
  }

  /**
   * Connects and opens the URI. Rejects with LibvirtUriError for a bad or
   * unsupported URI, ConnectionError("connect") when the daemon cannot be
   * reached (or ssh fails, or the timeout expires), ConnectionError("auth")
   * when authentication fails, LibvirtError when the daemon refuses the URI.
   */
  static async connect(uri: string, opts: ConnectOptions = {}): Promise<LibvirtClient> {
    const parsed = parseUri(uri);
    const readOnly = opts.readOnly ?? false;
    const factory = opts.transport ?? transportFor(parsed);
    const timeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const transport: Transport = await factory(parsed, { readOnly, signal: deadline.signal });
      const conn = new Connection(transport);
      const onTimeout = (): void =>
        conn.abandon(
          new ConnectionError(
            "connect",
            `connect to ${conn.description}: timed out after ${timeoutMs} ms`,
          ),
        );
      deadline.signal.addEventListener("abort", onTimeout, { once: true });
      let keepalive: boolean;
      try {
        keepalive = await handshake(conn, parsed.remoteName, readOnly);
      } catch (err) {
        conn.terminate(); // never opened: nothing for CONNECT_CLOSE to release
        throw asConnectFailure(err, conn.description);
      } finally {
        deadline.signal.removeEventListener("abort", onTimeout);
      }
      if (keepalive && opts.keepalive !== false) {
        startKeepalive(conn, opts.keepalive ?? DEFAULT_KEEPALIVE);
      }
      return new LibvirtClient(conn, parsed);
    } finally {
      clearTimeout(timer);
    }
  }
}

function transportFor(uri: LibvirtUri): TransportFactory {
  const factory = TRANSPORTS[uri.transport];
  if (factory !== undefined) return factory;
  const why = UNSUPPORTED[uri.transport] ?? "";
  throw new LibvirtUriError(
    uri.uri,
    "transport",
    `transport ${uri.transport} is not supported ${why}`,
  );
}

/**
 * The stream died before the connection was open (ssh refused the host key,
 * the daemon hung up): for the caller that is a failure to connect, whatever
 * the transport said; the original error stays as `cause`.
 */
function asConnectFailure(err: unknown, description: string): unknown {
  if (!(err instanceof ConnectionError)) return err;
  if (err.reason === "connect" || err.reason === "auth") return err;
  return new ConnectionError("connect", `connect to ${description}: ${err.message}`, {
    cause: err,
  });
}

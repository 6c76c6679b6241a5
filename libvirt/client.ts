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
import { StorageVolMethods } from "./api/storageVols";
import { Connection } from "./connection";
import { LibvirtUriError } from "./errors";
import type { Transport, TransportFactory } from "./transport";
import { connectUnix } from "./transports/unix";
import { parseUri } from "./uri";
import type { LibvirtUri, TransportKind } from "./uri";

export interface ConnectOptions {
  /** Open read-only (the "-ro" socket and VIR_CONNECT_RO). */
  readOnly?: boolean;
  /** Replaces the transport chosen from the URI (tests, or a caller-made tunnel). */
  transport?: TransportFactory;
}

/** Transports that work. ssh and tcp arrive with a later issue; tls/libssh/ext are not planned. */
const TRANSPORTS: Partial<Record<TransportKind, TransportFactory>> = { unix: connectUnix };
const PLANNED: ReadonlySet<TransportKind> = new Set(["ssh", "tcp"]);

export class LibvirtClient extends StorageVolMethods {
  private constructor(
    conn: Connection,
    /** The parsed URI this client was opened with. */
    readonly uri: LibvirtUri,
  ) {
    super(conn);
  }

  /**
   * Connects and opens the URI. Rejects with LibvirtUriError for a bad or
   * unsupported URI, ConnectionError when the daemon cannot be reached or
   * authentication fails, LibvirtError when the daemon refuses to open it.
   */
  static async connect(uri: string, opts: ConnectOptions = {}): Promise<LibvirtClient> {
    const parsed = parseUri(uri);
    const readOnly = opts.readOnly ?? false;
    const factory = opts.transport ?? transportFor(parsed);
    const transport: Transport = await factory(parsed, { readOnly });
    const conn = new Connection(transport);
    try {
      await handshake(conn, parsed.remoteName, readOnly);
    } catch (err) {
      conn.terminate(); // never opened: nothing for CONNECT_CLOSE to release
      throw err;
    }
    return new LibvirtClient(conn, parsed);
  }
}

function transportFor(uri: LibvirtUri): TransportFactory {
  const factory = TRANSPORTS[uri.transport];
  if (factory !== undefined) return factory;
  const why = PLANNED.has(uri.transport) ? "is not implemented yet" : "is not supported";
  throw new LibvirtUriError(uri.uri, "transport", `transport ${uri.transport} ${why}`);
}

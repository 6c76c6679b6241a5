/**
 * The base of LibvirtClient: owns the Connection, runs the handshake, and
 * holds the connection-level procedures. The typed methods are split over
 * api/domains.ts, networks.ts, storagePools.ts, storageVols.ts,
 * volumeStreams.ts, snapshots.ts and events.ts (one object family per file,
 * each class extending the previous one); the chain's order carries no
 * meaning, it only keeps files small.
 */
import type { Connection, Decoder, Encoder } from "../connection";
import { ConnectionError } from "../errors";
import { AuthType, ConnectFlags, DriverFeature, MAX_AUTH_TYPES, Procedure } from "../protocol";
import { decodeString, encodeOptString } from "../types";
import type { XdrReader, XdrWriter } from "../xdr";

/** libvirt returns booleans as ints (autostart, is-active, supports-feature). */
export const decodeIntBool: Decoder<boolean> = (r) => r.readInt() !== 0;

/** An unsigned flags word as the only argument after a handle. */
export function withFlags<T>(
  encode: (w: XdrWriter, v: T) => void,
  value: T,
  flags: number,
): Encoder {
  return (w) => {
    encode(w, value);
    w.writeUint(flags);
  };
}

/** The `{need_results; flags}` pair of every CONNECT_LIST_ALL_* call; 1 asks for the objects. */
export function listArgs(flags: number): Encoder {
  return (w) => {
    w.writeInt(1);
    w.writeUint(flags);
  };
}

/**
 * Decodes `{T list<max>; unsigned ret}` of list-all replies: with need_results
 * set, `ret` is the count and equals the list's length.
 */
export function listRet<T>(decode: (r: XdrReader) => T, max: number): Decoder<T[]> {
  return (r) => {
    const items = r.readArray(decode, max);
    r.readUint();
    return items;
  };
}

export class ClientCore {
  constructor(protected readonly conn: Connection) {}

  /** The underlying RPC connection (for procedures this client has no method for yet). */
  get connection(): Connection {
    return this.conn;
  }

  get isOpen(): boolean {
    return this.conn.isOpen;
  }

  /** Called once when the connection becomes unusable; returns an unsubscribe. */
  onClose(listener: (err: ConnectionError) => void): () => void {
    return this.conn.onClose(listener);
  }

  /** CONNECT_CLOSE, then end the transport. Idempotent; never rejects. */
  close(): Promise<void> {
    return this.conn.close();
  }

  /** Generic call, for subclasses. */
  protected call<T = void>(proc: number, args?: Encoder, ret?: Decoder<T>): Promise<T> {
    return this.conn.call(proc, args, ret);
  }

  /** Hypervisor version as major * 1,000,000 + minor * 1,000 + micro (QEMU 7.2.0 → 7002000). */
  async getVersion(): Promise<number> {
    return Number(await this.call(Procedure.ConnectGetVersion, undefined, (r) => r.readUhyper()));
  }

  /** libvirt version of the daemon, encoded like getVersion (9.0.0 → 9000000). */
  async getLibVersion(): Promise<number> {
    return Number(
      await this.call(Procedure.ConnectGetLibVersion, undefined, (r) => r.readUhyper()),
    );
  }

  getHostname(): Promise<string> {
    return this.call(Procedure.ConnectGetHostname, undefined, decodeString);
  }

  /**
   * The host's memory (bytes) and CPUs. remote_node_get_info_ret's
   * `char model[32]` is a fixed XDR array: 32 chars of 4 bytes each.
   */
  async nodeGetInfo(): Promise<{ model: string; memory: number; cpus: number }> {
    return this.call(Procedure.NodeGetInfo, undefined, (r) => {
      const chars: number[] = [];
      for (let i = 0; i < 32; i++) chars.push(r.readInt() & 0xff);
      const end = chars.indexOf(0);
      const model = Buffer.from(end < 0 ? chars : chars.slice(0, end)).toString("latin1");
      const memory = Number(r.readUhyper()) * 1024; // KiB on the wire
      const cpus = r.readInt();
      for (let i = 0; i < 5; i++) r.readInt(); // mhz, nodes, sockets, cores, threads: not used
      return { model, memory, cpus };
    });
  }

  /** The host's capabilities XML. */
  getCapabilities(): Promise<string> {
    return this.call(Procedure.ConnectGetCapabilities, undefined, decodeString);
  }

  /** The URI the daemon opened (its canonical form, e.g. "qemu:///system"). */
  getUri(): Promise<string> {
    return this.call(Procedure.ConnectGetUri, undefined, decodeString);
  }

  /**
   * What the hypervisor can do for one emulator/arch/machine/virt type (the
   * domain capabilities XML: firmware, CPU models, devices). Null picks the
   * host's default for that part, e.g. virttype "qemu" for plain emulation.
   */
  getDomainCapabilities(
    query: { emulatorbin?: string; arch?: string; machine?: string; virttype?: string } = {},
    flags = 0,
  ): Promise<string> {
    return this.call(
      Procedure.ConnectGetDomainCapabilities,
      (w) => {
        encodeOptString(w, query.emulatorbin);
        encodeOptString(w, query.arch);
        encodeOptString(w, query.machine);
        encodeOptString(w, query.virttype);
        w.writeUint(flags);
      },
      decodeString,
    );
  }

  /** CONNECT_SUPPORTS_FEATURE with a DriverFeature. */
  supportsFeature(feature: number): Promise<boolean> {
    return this.call(Procedure.ConnectSupportsFeature, (w) => w.writeInt(feature), decodeIntBool);
  }
}

/**
 * The handshake libvirt's remote driver performs (remote_driver.c
 * doRemoteOpen): AUTH_LIST — required even when no authentication is needed —
 * then AUTH_POLKIT if that is what the daemon wants (non-root on the unix
 * socket; polkit decides from our peer credentials, no dialogue), then
 * CONNECT_SUPPORTS_FEATURE(PROGRAM_KEEPALIVE) so that the daemon pings us and
 * we notice a dead peer, then CONNECT_OPEN with the remote name.
 */
export async function handshake(
  conn: Connection,
  remoteName: string,
  readOnly: boolean,
): Promise<boolean> {
  const types = await conn.call(Procedure.AuthList, undefined, (r) =>
    r.readArray((x) => x.readInt(), MAX_AUTH_TYPES),
  );
  if (types.length > 0 && !types.includes(AuthType.None)) {
    if (types.includes(AuthType.Polkit)) {
      await conn
        .call(Procedure.AuthPolkit, undefined, (r) => r.readInt())
        .catch((err: unknown) => {
          const why = err instanceof Error ? err.message : String(err);
          throw new ConnectionError(
            "auth",
            `polkit refused access to ${conn.description}: ${why} (is this user in group libvirt?)`,
            { cause: err },
          );
        });
    } else {
      throw new ConnectionError(
        "auth",
        `${conn.description} requires authentication of type ${types.join(", ")} ` +
          "(SASL is not supported; use the unix socket or ssh)",
      );
    }
  }
  const keepalive = await conn.call(
    Procedure.ConnectSupportsFeature,
    (w) => w.writeInt(DriverFeature.ProgramKeepalive),
    decodeIntBool,
  );
  await conn.call(Procedure.ConnectOpen, (w) => {
    encodeOptString(w, remoteName);
    w.writeUint(readOnly ? ConnectFlags.ReadOnly : 0);
  });
  return keepalive;
}

/**
 * One error class per concern, matched on codes, never on message text:
 * - LibvirtError: the daemon answered with remote_error (the call failed, the
 *   connection is fine);
 * - ConnectionError: the connection is unusable (could not connect, closed,
 *   peer went away, or it broke the protocol) — every pending call gets one;
 * - ProtocolError: bytes that do not follow the protocol (a malformed frame,
 *   an unknown serial, a reply that does not decode);
 * - XdrError (xdr.ts) for the lowest layer, usually wrapped in a ProtocolError.
 */
import { ErrorCode, ErrorDomain, MAX_STRING, procedureName } from "./protocol";
import { decodeDomainRef, decodeNetworkRef, decodeOptString } from "./types";
import type { DomainRef, NetworkRef } from "./types";
import type { XdrReader } from "./xdr";

const codeNames = new Map<number, string>(Object.entries(ErrorCode).map(([k, v]) => [v, k]));
const domainNames = new Map<number, string>(Object.entries(ErrorDomain).map(([k, v]) => [v, k]));

/** remote_error, decoded. */
export interface RemoteError {
  code: number;
  domain: number;
  message: string | null;
  level: number;
  dom: DomainRef | null;
  str1: string | null;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
  net: NetworkRef | null;
}

export function decodeRemoteError(r: XdrReader): RemoteError {
  return {
    code: r.readInt(),
    domain: r.readInt(),
    message: r.readOptional((x) => x.readString(MAX_STRING)),
    level: r.readInt(),
    dom: r.readOptional(decodeDomainRef),
    str1: decodeOptString(r),
    str2: decodeOptString(r),
    str3: decodeOptString(r),
    int1: r.readInt(),
    int2: r.readInt(),
    net: r.readOptional(decodeNetworkRef),
  };
}

/** An error reported by the daemon. `message` is libvirt's own text, so callers can prefix it. */
export class LibvirtError extends Error {
  override readonly name = "LibvirtError";
  /** virErrorNumber, e.g. ErrorCode.NoDomain (42). */
  readonly code: number;
  /** virErrorDomain: the subsystem that raised it, e.g. ErrorDomain.Qemu. */
  readonly domain: number;
  readonly level: number;
  /** The daemon's message, unchanged even if `message` gets prefixed with context. */
  readonly libvirtMessage: string;
  /** The procedure whose call failed (Procedure.*). */
  readonly procedure: number;
  readonly remote: RemoteError;

  constructor(remote: RemoteError, procedure: number) {
    const text = remote.message ?? `libvirt error ${codeName(remote.code)}`;
    super(text);
    this.code = remote.code;
    this.domain = remote.domain;
    this.level = remote.level;
    this.libvirtMessage = text;
    this.procedure = procedure;
    this.remote = remote;
  }

  /** "NoDomain" for 42: for logs, never for matching. */
  get codeName(): string {
    return codeName(this.code);
  }

  get domainName(): string {
    return domainNames.get(this.domain) ?? `domain ${this.domain}`;
  }

  get procedureName(): string {
    return procedureName(this.procedure);
  }
}

function codeName(code: number): string {
  return codeNames.get(code) ?? `code ${code}`;
}

const NOT_FOUND: ReadonlySet<number> = new Set([
  ErrorCode.NoDomain,
  ErrorCode.NoNetwork,
  ErrorCode.NoStoragePool,
  ErrorCode.NoStorageVol,
  ErrorCode.NoDomainSnapshot,
  ErrorCode.NoNodeDevice,
]);

/** True when a lookup (or an operation on a handle) failed because the object does not exist. */
export function isNotFound(e: unknown): boolean {
  return e instanceof LibvirtError && NOT_FOUND.has(e.code);
}

/** Maps libvirt's "not found" to undefined (a lookup that may miss); every other error propagates. */
export function ignoreNotFound(err: unknown): undefined {
  if (isNotFound(err)) return undefined;
  throw err;
}

/** True for a LibvirtError with exactly this code. */
export function hasCode(e: unknown, code: ErrorCode): boolean {
  return e instanceof LibvirtError && e.code === code;
}

/**
 * True when the daemon does not know the procedure (an older libvirt).
 * The daemon (virnetserverprogram.c) answers an unknown procedure number
 * with VIR_ERR_RPC from VIR_FROM_RPC and the text "unknown procedure: N" —
 * no field carries the number, and the code pair is shared with other RPC
 * failures. So, as the one exception to matching on codes only, this also
 * requires the procedure's number in the message: a number survives the
 * daemon's translation of the text, unlike the words around it.
 */
export function isUnsupportedProcedure(e: unknown): boolean {
  return (
    e instanceof LibvirtError &&
    e.code === ErrorCode.Rpc &&
    e.domain === ErrorDomain.Rpc &&
    new RegExp(`\\b${e.procedure}\\b`).test(e.libvirtMessage)
  );
}

/** Why a connection can no longer be used. */
export type ConnectionErrorReason =
  /** The transport could not be set up (no socket, refused, permission denied). */
  | "connect"
  /** The handshake's authentication step failed or needs a method we lack. */
  | "auth"
  /** close() was called (by this process). */
  | "closed"
  /** The peer closed the stream. */
  | "eof"
  /** The transport reported an error (ECONNRESET, EPIPE, ssh died, …). */
  | "transport"
  /** The peer sent bytes that break the protocol; see `cause` (a ProtocolError). */
  | "protocol"
  /** Nothing arrived for several keepalive intervals: the peer or the path to it is gone. */
  | "keepalive";

export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  constructor(
    readonly reason: ConnectionErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The error for a transport that ended by itself: EOF (maybe mid-packet) or an error. */
export function endOfStream(
  description: string,
  reason: "eof" | "transport",
  partialBytes: number,
  detail?: string,
  cause?: Error,
): ConnectionError {
  const suffix = detail ? ` (${detail})` : "";
  if (reason === "eof" && partialBytes > 0) {
    const truncated = new ProtocolError(
      "TRUNCATED_FRAME",
      `stream ended ${partialBytes} bytes into an incomplete packet`,
    );
    const msg = `${description} closed in the middle of a packet${suffix}`;
    return new ConnectionError("eof", msg, { cause: truncated });
  }
  // With a detail (an ssh child's exit), the far end is not necessarily the daemon.
  if (reason === "eof" && detail)
    return new ConnectionError("eof", `${description} closed${suffix}`);
  if (reason === "eof")
    return new ConnectionError("eof", `${description} was closed by the daemon`);
  const msg = `${description} failed: ${cause?.message ?? "unknown error"}${suffix}`;
  return new ConnectionError("transport", msg, cause ? { cause } : undefined);
}

export type ProtocolErrorCode =
  | "FRAME_TOO_SMALL"
  | "FRAME_TOO_LARGE"
  | "TRUNCATED_FRAME"
  | "UNEXPECTED_PROGRAM"
  | "UNEXPECTED_PACKET"
  | "UNKNOWN_SERIAL"
  | "BAD_PAYLOAD";

export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Raised by the URI parser and by connect() for transports not (yet) implemented. */
export class LibvirtUriError extends Error {
  override readonly name = "LibvirtUriError";
  constructor(
    readonly uri: string,
    /** Which part is at fault: "scheme", "transport", "host", "port", "path", or a query parameter. */
    readonly part: string,
    message: string,
  ) {
    super(`libvirt URI ${JSON.stringify(uri)}: ${message}`);
  }
}

/** Whatever was thrown, as an Error (rejections must carry one). */
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

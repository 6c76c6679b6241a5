/**
 * deskfleet's client of libvirt's remote protocol: pure TypeScript, no native
 * code, no virsh. The provider uses getConnection(uri) and the typed methods
 * of LibvirtClient; nothing outside libvirt/ speaks the protocol.
 */
export { LibvirtClient } from "./client";
export type { ConnectOptions } from "./client";
export { closeAll, getConnection } from "./registry";
export {
  ConnectionError,
  LibvirtError,
  LibvirtUriError,
  ProtocolError,
  hasCode,
  isNotFound,
  isUnsupportedProcedure,
} from "./errors";
export type { ConnectionErrorReason, ProtocolErrorCode, RemoteError } from "./errors";
export { XdrError } from "./xdr";
export * from "./constants";
export { ErrorCode, ErrorDomain, ErrorLevel } from "./errorCodes";
export { DriverFeature, Procedure, procedureName } from "./protocol";
export type { CallOptions, Connection, Decoder, Encoder } from "./connection";
export { uuidFromString, uuidToString } from "./types";
export type {
  DhcpLease,
  DomainInfo,
  DomainRef,
  DomainStateInfo,
  NetworkRef,
  PoolInfo,
  StoragePoolRef,
  StorageVolRef,
  VolInfo,
} from "./types";
export type { VolUploadOptions } from "./api/storageVols";
export { parseUri } from "./uri";
export type { LibvirtUri, TransportKind } from "./uri";
export type { Transport, TransportFactory } from "./transport";

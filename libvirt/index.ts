/**
 * deskfleet's client of libvirt's remote protocol: pure TypeScript, no native
 * code, no virsh. The provider uses getConnection(uri) and the typed methods
 * of LibvirtClient; nothing outside libvirt/ speaks the protocol.
 */
export { LibvirtClient } from "./client";
export { DEFAULT_CONNECT_TIMEOUT_MS } from "./client";
export type { ConnectOptions } from "./client";
export { DEFAULT_KEEPALIVE } from "./keepalive";
export type { KeepaliveOptions } from "./keepalive";
export type { EventRegistration, LifecycleCallback } from "./api/events";
export { closeAll, getConnection } from "./registry";
export {
  ConnectionError,
  LibvirtError,
  LibvirtUriError,
  ProtocolError,
  hasCode,
  ignoreNotFound,
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
  DomainInterface,
  DomainInfo,
  DomainLifecycleEvent,
  DomainRef,
  DomainSnapshotRef,
  DomainStateInfo,
  NetworkRef,
  PoolInfo,
  StoragePoolRef,
  StorageVolRef,
  VolInfo,
} from "./types";
export type { VolDownloadOptions, VolUploadOptions } from "./api/volumeStreams";
export { HOLE_BLOCK } from "./sparse";
export { SSH_CONFIG_ENV } from "./transports/sshCommand";
export { DEFAULT_TCP_PORT } from "./transports/tcp";
export { parseUri } from "./uri";
export type { LibvirtUri, TransportKind } from "./uri";
export type { Transport, TransportFactory } from "./transport";
export type { VolPipeOptions } from "./api/volumePipes";
export { ContentDigest } from "./contentDigest";
export { copyVolume, volumeDigest } from "./volumeCopy";
export type { CopyResult, VolumeEnd } from "./volumeCopy";
export { DomainJobType } from "./api/domainJobs";
export type { DomainJobInfo, DomainJobStats } from "./api/domainJobs";
export type { MigrateParamValue } from "./api/domainMigrate";

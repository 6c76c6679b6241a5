/**
 * Numbers of libvirt's remote protocol, in one place so nothing else holds a
 * magic number. Sources: libvirt src/rpc/virnetprotocol.x (framing),
 * src/rpc/virkeepaliveprotocol.x, src/remote/remote_protocol.x (procedures),
 * include/libvirt/*.h (flags) and virterror.h (errors); every value was
 * cross-checked against digitalocean/go-libvirt's generated tables and the
 * python3-libvirt 9.0 constants on this machine. Procedure numbers never
 * change once released, so this table is safe to extend but never to edit.
 *
 * Each table is a frozen object plus a type of its values, so callers write
 * `DomainState.Running` and can still type a field as `DomainState`.
 */

type ValueOf<T> = T[keyof T];

export const Program = {
  /** REMOTE_PROGRAM: every procedure of the public API. */
  Remote: 0x20008086,
  /** QEMU_PROGRAM: qemu-specific calls (monitor commands); unused so far. */
  Qemu: 0x20008087,
  /** KEEPALIVE_PROGRAM ("keep"): PING/PONG messages. */
  Keepalive: 0x6b656570,
} as const;
export type Program = ValueOf<typeof Program>;

export const PROGRAM_VERSION = 1;
export const KEEPALIVE_VERSION = 1;

export const PacketType = {
  Call: 0,
  Reply: 1,
  Message: 2,
  Stream: 3,
  CallWithFds: 4,
  ReplyWithFds: 5,
  StreamHole: 6,
} as const;
export type PacketType = ValueOf<typeof PacketType>;

export const PacketStatus = { Ok: 0, Error: 1, Continue: 2 } as const;
export type PacketStatus = ValueOf<typeof PacketStatus>;

export const KeepaliveProcedure = { Ping: 1, Pong: 2 } as const;

/** Size of the length word that starts every packet. */
export const LENGTH_WORD_SIZE = 4;
/** prog, vers, proc, type, serial, status: six 4-byte words. */
export const HEADER_SIZE = 24;
/** VIR_NET_MESSAGE_MAX: the largest packet, excluding the length word (libvirt ≥ 1.2.x). */
export const MAX_MESSAGE_SIZE = 33_554_432;
/** REMOTE_STRING_MAX. */
export const MAX_STRING = 4_194_304;
/**
 * REMOTE_{DOMAIN,NETWORK,STORAGE_POOL,STORAGE_VOL,DOMAIN_SNAPSHOT}_LIST_MAX.
 * (Older daemons capped pools at 4,096; as a limit on what we accept, the
 * larger current value is right for both.)
 */
export const MAX_LIST = 16_384;
/** REMOTE_NETWORK_DHCP_LEASES_MAX. */
export const MAX_DHCP_LEASES = 65_536;
/** REMOTE_DOMAIN_INTERFACE_MAX and REMOTE_DOMAIN_IP_ADDR_MAX. */
export const MAX_DOMAIN_INTERFACES = 2048;
/** REMOTE_AUTH_TYPE_LIST_MAX. */
export const MAX_AUTH_TYPES = 20;
/** VIR_UUID_BUFLEN. */
export const UUID_LENGTH = 16;

export const AuthType = { None: 0, Sasl: 1, Polkit: 2 } as const;
export type AuthType = ValueOf<typeof AuthType>;

/** virDrvFeature (src/driver.h), asked with CONNECT_SUPPORTS_FEATURE. */
export const DriverFeature = {
  ProgramKeepalive: 10,
  RemoteEventCallback: 14,
  RemoteCloseCallback: 15,
  NetworkUpdateHasCorrectOrder: 16,
} as const;

/** virConnectFlags. */
export const ConnectFlags = { ReadOnly: 1 } as const;

/** REMOTE_PROC_* of program 0x20008086. */
export const Procedure = {
  ConnectOpen: 1,
  ConnectClose: 2,
  ConnectGetVersion: 4,
  NodeGetInfo: 6,
  ConnectGetCapabilities: 7,
  DomainGetXmlDesc: 14,
  DomainGetAutostart: 15,
  DomainGetInfo: 16,
  DomainLookupByName: 23,
  DomainLookupByUuid: 24,
  DomainReboot: 27,
  DomainSetAutostart: 29,
  NetworkCreate: 39,
  NetworkDefineXml: 41,
  NetworkDestroy: 42,
  NetworkGetXmlDesc: 43,
  NetworkGetAutostart: 44,
  NetworkLookupByName: 46,
  NetworkLookupByUuid: 47,
  NetworkSetAutostart: 48,
  NetworkUndefine: 49,
  ConnectGetHostname: 59,
  ConnectSupportsFeature: 60,
  AuthList: 66,
  AuthPolkit: 70,
  StoragePoolCreateXml: 76,
  StoragePoolDefineXml: 77,
  StoragePoolCreate: 78,
  StoragePoolBuild: 79,
  StoragePoolDestroy: 80,
  StoragePoolDelete: 81,
  StoragePoolUndefine: 82,
  StoragePoolRefresh: 83,
  StoragePoolLookupByName: 84,
  StoragePoolLookupByUuid: 85,
  StoragePoolGetInfo: 87,
  StoragePoolGetXmlDesc: 88,
  StoragePoolGetAutostart: 89,
  StoragePoolSetAutostart: 90,
  StorageVolCreateXml: 93,
  StorageVolDelete: 94,
  StorageVolLookupByName: 95,
  StorageVolLookupByKey: 96,
  StorageVolLookupByPath: 97,
  StorageVolGetInfo: 98,
  StorageVolGetXmlDesc: 99,
  StorageVolGetPath: 100,
  ConnectGetUri: 110,
  StorageVolCreateXmlFrom: 125,
  DomainIsActive: 150,
  DomainIsPersistent: 151,
  NetworkIsActive: 152,
  StoragePoolIsActive: 154,
  ConnectGetLibVersion: 157,
  DomainAttachDeviceFlags: 160,
  DomainDetachDeviceFlags: 161,
  DomainUpdateDeviceFlags: 174,
  DomainManagedSave: 182,
  DomainSnapshotCreateXml: 185,
  DomainSnapshotGetXmlDesc: 186,
  DomainSnapshotLookupByName: 189,
  DomainHasCurrentSnapshot: 190,
  DomainSnapshotCurrent: 191,
  DomainRevertToSnapshot: 192,
  DomainSnapshotDelete: 193,
  DomainCreateWithFlags: 196,
  DomainSetVcpusFlags: 199,
  DomainGetVcpusFlags: 200,
  DomainSetMemoryFlags: 204,
  StorageVolUpload: 208,
  StorageVolDownload: 209,
  DomainGetState: 212,
  DomainUndefineFlags: 231,
  DomainDestroyFlags: 234,
  DomainSnapshotGetParent: 244,
  DomainBlockResize: 251,
  DomainShutdownFlags: 258,
  StorageVolResize: 260,
  DomainSetMetadata: 264,
  DomainGetMetadata: 265,
  ConnectListAllDomains: 273,
  DomainListAllSnapshots: 274,
  ConnectListAllStoragePools: 281,
  StoragePoolListAllVolumes: 282,
  ConnectListAllNetworks: 283,
  NetworkUpdate: 291,
  ConnectDomainEventCallbackRegisterAny: 316,
  ConnectDomainEventCallbackDeregisterAny: 317,
  DomainEventCallbackLifecycle: 318,
  NetworkGetDhcpLeases: 341,
  DomainInterfaceAddresses: 353,
  NodeDeviceLookupByName: 113,
  ConnectGetDomainCapabilities: 342,
  DomainDefineXmlFlags: 350,
  DomainRename: 358,
  DomainGetJobInfo: 163,
  DomainAbortJob: 164,
  DomainGetJobStats: 298,
  DomainFsFreeze: 335,
  DomainFsThaw: 336,
  DomainBackupBegin: 421,
  DomainBackupGetXmlDesc: 422,
  DomainMigratePerform3Params: 305,
} as const;
export type Procedure = ValueOf<typeof Procedure>;

const procedureNames = new Map<number, string>(
  Object.entries(Procedure).map(([name, num]) => [num, name]),
);

/** "DomainLookupByName" for 23; "procedure 999" for numbers this table lacks. */
export function procedureName(proc: number): string {
  return procedureNames.get(proc) ?? `procedure ${proc}`;
}

export * from "./constants";
export * from "./errorCodes";

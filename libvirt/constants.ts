/**
 * Named values of libvirt's public API (include/libvirt/libvirt-*.h) that
 * travel as plain ints and unsigned flags. Values checked against the
 * python3-libvirt 9.0 module on this machine (`python3 -c 'import libvirt;
 * print(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)'`). Re-exported by protocol.ts.
 */

type ValueOf<T> = T[keyof T];

/** virDomainState. */
export const DomainState = {
  NoState: 0,
  Running: 1,
  Blocked: 2,
  Paused: 3,
  Shutdown: 4,
  Shutoff: 5,
  Crashed: 6,
  PmSuspended: 7,
} as const;
export type DomainState = ValueOf<typeof DomainState>;

/** virDomainUndefineFlagsValues. */
export const DomainUndefineFlags = {
  ManagedSave: 1,
  SnapshotsMetadata: 2,
  Nvram: 4,
  KeepNvram: 8,
  CheckpointsMetadata: 16,
  Tpm: 32,
  KeepTpm: 64,
} as const;

/** virDomainXMLFlags, for DOMAIN_GET_XML_DESC. */
export const DomainXmlFlags = { Secure: 1, Inactive: 2, UpdateCpu: 4, Migratable: 8 } as const;

/** virDomainDefineFlags. */
export const DomainDefineFlags = { Validate: 1 } as const;

/** virDomainModificationImpact: where a change applies (metadata, memory, vcpus, devices). */
export const DomainAffect = { Current: 0, Live: 1, Config: 2 } as const;

/** virDomainMemoryModFlags: DomainAffect plus Maximum. */
export const DomainMemoryFlags = { Current: 0, Live: 1, Config: 2, Maximum: 4 } as const;

/** virDomainVcpuFlags: DomainAffect plus Maximum, Guest, Hotpluggable. */
export const DomainVcpuFlags = {
  Current: 0,
  Live: 1,
  Config: 2,
  Maximum: 4,
  Guest: 8,
  Hotpluggable: 16,
} as const;

/** virDomainCreateFlags, for DOMAIN_CREATE_WITH_FLAGS. */
export const DomainCreateFlags = {
  None: 0,
  Paused: 1,
  AutoDestroy: 2,
  BypassCache: 4,
  ForceBoot: 8,
  Validate: 16,
  ResetNvram: 32,
} as const;

/** virDomainDestroyFlagsValues. */
export const DomainDestroyFlags = { Default: 0, Graceful: 1, RemoveLogs: 2 } as const;

/** virDomainShutdownFlagValues (also the method of DOMAIN_REBOOT as virDomainRebootFlagValues). */
export const DomainShutdownFlags = {
  Default: 0,
  AcpiPowerBtn: 1,
  GuestAgent: 2,
  Initctl: 4,
  Signal: 8,
  Paravirt: 16,
} as const;
export const DomainRebootFlags = DomainShutdownFlags;

/** virDomainMetadataType. */
export const DomainMetadataType = { Description: 0, Title: 1, Element: 2 } as const;
export type DomainMetadataType = ValueOf<typeof DomainMetadataType>;

/** virDomainSnapshotDeleteFlags. */
export const DomainSnapshotDeleteFlags = { Children: 1, MetadataOnly: 2, ChildrenOnly: 4 } as const;

/** virConnectListAllDomainsFlags (filters; 0 lists all). */
export const ListAllDomainsFlags = {
  Active: 1,
  Inactive: 2,
  Persistent: 4,
  Transient: 8,
  Running: 16,
  Paused: 32,
  Shutoff: 64,
  Other: 128,
  ManagedSave: 256,
  NoManagedSave: 512,
  Autostart: 1024,
  NoAutostart: 2048,
  HasSnapshot: 4096,
  NoSnapshot: 8192,
} as const;

/** virConnectListAllNetworksFlags. Note Inactive and Active are the other way round from domains. */
export const ListAllNetworksFlags = {
  Inactive: 1,
  Active: 2,
  Persistent: 4,
  Transient: 8,
  Autostart: 16,
  NoAutostart: 32,
} as const;

/** virConnectListAllStoragePoolsFlags (the state and persistence filters; pool types omitted). */
export const ListAllStoragePoolsFlags = {
  Inactive: 1,
  Active: 2,
  Persistent: 4,
  Transient: 8,
  Autostart: 16,
  NoAutostart: 32,
  Dir: 64,
} as const;

/** virNetworkXMLFlags. */
export const NetworkXmlFlags = { Inactive: 1 } as const;

/** virIPAddrType, the `type` of a DHCP lease. */
export const IpAddrType = { IPv4: 0, IPv6: 1 } as const;
export type IpAddrType = ValueOf<typeof IpAddrType>;

/** virStoragePoolState. */
export const StoragePoolState = {
  Inactive: 0,
  Building: 1,
  Running: 2,
  Degraded: 3,
  Inaccessible: 4,
} as const;
export type StoragePoolState = ValueOf<typeof StoragePoolState>;

/** virStoragePoolBuildFlags. */
export const StoragePoolBuildFlags = {
  New: 0,
  Repair: 1,
  Resize: 2,
  NoOverwrite: 4,
  Overwrite: 8,
} as const;

/** virStoragePoolCreateFlags. */
export const StoragePoolCreateFlags = {
  Normal: 0,
  WithBuild: 1,
  WithBuildOverwrite: 2,
  WithBuildNoOverwrite: 4,
} as const;

/** virStoragePoolDeleteFlags. STORAGE_POOL_DELETE removes the pool's directory itself. */
export const StoragePoolDeleteFlags = { Normal: 0, Zeroed: 1 } as const;

/** virStorageXMLFlags. */
export const StorageXmlFlags = { Inactive: 1 } as const;

/** virStorageVolType. */
export const StorageVolType = {
  File: 0,
  Block: 1,
  Dir: 2,
  Network: 3,
  NetDir: 4,
  Ploop: 5,
} as const;
export type StorageVolType = ValueOf<typeof StorageVolType>;

/** virStorageVolCreateFlags. */
export const StorageVolCreateFlags = { PreallocMetadata: 1, Reflink: 2, Validate: 4 } as const;

/** virStorageVolDeleteFlags. */
export const StorageVolDeleteFlags = { Normal: 0, Zeroed: 1, WithSnapshots: 2 } as const;

/** virStorageVolResizeFlags. */
export const StorageVolResizeFlags = { Allocate: 1, Delta: 2, Shrink: 4 } as const;

/** virStorageVolUploadFlags / virStorageVolDownloadFlags. */
export const StorageVolUploadFlags = { SparseStream: 1 } as const;

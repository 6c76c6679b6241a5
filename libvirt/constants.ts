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

/** virDomainShutoffReason: why a shut-off domain stopped (domainGetState's reason). */
export const DomainShutoffReason = {
  Unknown: 0,
  /** The guest shut itself down (ACPI, its agent, its own power-off). */
  Shutdown: 1,
  Destroyed: 2,
  Crashed: 3,
  Migrated: 4,
  Saved: 5,
  Failed: 6,
  FromSnapshot: 7,
  Daemon: 8,
} as const;

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
/** virDomainInterfaceAddressesSource: where DomainInterfaceAddresses looks. */
export const InterfaceAddressesSource = { Lease: 0, Agent: 1, Arp: 2 } as const;

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

/** virDomainSnapshotCreateFlags. */
export const DomainSnapshotCreateFlags = {
  Redefine: 1,
  Current: 2,
  NoMetadata: 4,
  Halt: 8,
  DiskOnly: 16,
  ReuseExt: 32,
  Quiesce: 64,
  Atomic: 128,
  Live: 256,
  Validate: 512,
} as const;

/** virDomainSnapshotRevertFlags. */
export const DomainSnapshotRevertFlags = {
  Running: 1,
  Paused: 2,
  Force: 4,
  ResetNvram: 8,
} as const;

/** virDomainSnapshotDeleteFlags. */
export const DomainSnapshotDeleteFlags = { Children: 1, MetadataOnly: 2, ChildrenOnly: 4 } as const;

/** virDomainSnapshotListFlags (Roots and Descendants share bit 1, as in libvirt). */
export const DomainSnapshotListFlags = {
  Roots: 1,
  Descendants: 1,
  Metadata: 2,
  Leaves: 4,
  NoLeaves: 8,
  NoMetadata: 16,
  Inactive: 32,
  Active: 64,
  DiskOnly: 128,
  Internal: 256,
  External: 512,
  Topological: 1024,
} as const;

/** virDomainSnapshotXMLFlags. */
export const DomainSnapshotXmlFlags = { Secure: 1 } as const;

/** virDomainBlockResizeFlags: `Bytes` gives the size in bytes, not KiB. */
export const DomainBlockResizeFlags = { Bytes: 1 } as const;

/** virDomainDeviceModifyFlags: DomainAffect plus Force (for updates of removable media). */
export const DomainDeviceModifyFlags = { Current: 0, Live: 1, Config: 2, Force: 4 } as const;

/** virDomainSaveRestoreFlags, for DOMAIN_MANAGED_SAVE. */
export const DomainSaveFlags = { BypassCache: 1, Running: 2, Paused: 4 } as const;

/** virDomainEventID: which event a registration is for (only lifecycle is implemented). */
export const DomainEventId = { Lifecycle: 0 } as const;

/** virDomainEventType: the `event` of a lifecycle event; `detail` depends on it. */
export const DomainEventType = {
  Defined: 0,
  Undefined: 1,
  Started: 2,
  Suspended: 3,
  Resumed: 4,
  Stopped: 5,
  Shutdown: 6,
  PmSuspended: 7,
  Crashed: 8,
} as const;
export type DomainEventType = ValueOf<typeof DomainEventType>;

/** virDomainEventStoppedDetailType. */
export const DomainEventStoppedDetail = {
  Shutdown: 0,
  Destroyed: 1,
  Crashed: 2,
  Migrated: 3,
  Saved: 4,
  Failed: 5,
  FromSnapshot: 6,
} as const;

/** virDomainEventShutdownDetailType. */
export const DomainEventShutdownDetail = { Finished: 0, Guest: 1, Host: 2 } as const;

/** virDomainEventStartedDetailType. */
export const DomainEventStartedDetail = {
  Booted: 0,
  Migrated: 1,
  Restored: 2,
  FromSnapshot: 3,
  Wakeup: 4,
} as const;

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

/** virNetworkUpdateCommand. */
export const NetworkUpdateCommand = { Modify: 1, Delete: 2, AddLast: 3, AddFirst: 4 } as const;
export type NetworkUpdateCommand = ValueOf<typeof NetworkUpdateCommand>;

/** virNetworkUpdateSection: which part of the network XML an update edits. */
export const NetworkUpdateSection = {
  Bridge: 1,
  Domain: 2,
  Ip: 3,
  IpDhcpHost: 4,
  IpDhcpRange: 5,
  Forward: 6,
  ForwardInterface: 7,
  ForwardPf: 8,
  Portgroup: 9,
  DnsHost: 10,
  DnsTxt: 11,
  DnsSrv: 12,
} as const;
export type NetworkUpdateSection = ValueOf<typeof NetworkUpdateSection>;

/** virNetworkUpdateFlags. */
export const NetworkUpdateFlags = { AffectCurrent: 0, AffectLive: 1, AffectConfig: 2 } as const;

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

/** virStorageVolUploadFlags. */
export const StorageVolUploadFlags = { SparseStream: 1 } as const;

/** virStorageVolDownloadFlags. */
export const StorageVolDownloadFlags = { SparseStream: 1 } as const;

/** virDomainGetJobStatsFlags. Completed: the last job that ended, not the running one. */
export const DomainJobStatsFlags = { Completed: 1, KeepCompleted: 2 } as const;

/** virDomainMigrateFlags (the ones deskfleet sends). */
export const DomainMigrateFlags = {
  Live: 1,
  PeerToPeer: 2,
  Tunnelled: 4,
  PersistDest: 8,
  UndefineSource: 16,
  Paused: 32,
  /** Copies every disk's whole chain into the target's (pre-)created images. */
  NonSharedDisk: 64,
  /** Copies only each disk's top image: the target has its backing chain. */
  NonSharedInc: 128,
  ChangeProtection: 256,
  AbortOnError: 4096,
  AutoConverge: 8192,
} as const;

/** VIR_MIGRATE_PARAM_* names (libvirt-domain.h). */
export const MigrateParam = {
  Uri: "migrate_uri",
  DestName: "destination_name",
  DestXml: "destination_xml",
  PersistXml: "persistent_xml",
  Bandwidth: "bandwidth",
  ListenAddress: "listen_address",
  MigrateDisks: "migrate_disks",
  DisksPort: "disks_port",
  /** Since libvirt 6.6: where the target's NBD server listens, e.g. `unix:///path`. */
  DisksUri: "disks_uri",
} as const;

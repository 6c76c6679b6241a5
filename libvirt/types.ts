/**
 * Handles and structs of remote_protocol.x with their XDR codecs.
 *
 * Handles are what the daemon hands out (remote_nonnull_domain and friends);
 * they must be sent back exactly as received, so they are plain data that the
 * caller passes around, never reconstructed from a name.
 */
import { MAX_DOMAIN_INTERFACES, MAX_STRING, UUID_LENGTH } from "./protocol";
import type {
  DomainEventType,
  DomainState,
  IpAddrType,
  StoragePoolState,
  StorageVolType,
} from "./protocol";
import type { XdrReader, XdrWriter } from "./xdr";

/** remote_nonnull_domain. `id` is -1 while the domain is not running. */
export interface DomainRef {
  name: string;
  uuid: Buffer;
  id: number;
}

/** remote_nonnull_network. */
export interface NetworkRef {
  name: string;
  uuid: Buffer;
}

/** remote_nonnull_storage_pool. */
export interface StoragePoolRef {
  name: string;
  uuid: Buffer;
}

/** remote_nonnull_storage_vol. `key` is unique per host (for dir pools: the file path). */
export interface StorageVolRef {
  pool: string;
  name: string;
  key: string;
}

/** remote_nonnull_domain_snapshot: the snapshot's name and the handle of its domain. */
export interface DomainSnapshotRef {
  name: string;
  dom: DomainRef;
}

/** remote_domain_event_callback_lifecycle_msg: which registration, which domain, what happened. */
export interface DomainLifecycleEvent {
  callbackId: number;
  dom: DomainRef;
  event: DomainEventType;
  /** A Domain<Event>Detail value of `event` (e.g. DomainEventStoppedDetail.Destroyed). */
  detail: number;
}

/** remote_domain_get_info_ret. Memory in KiB, cpuTime in nanoseconds. */
export interface DomainInfo {
  state: DomainState;
  maxMem: bigint;
  memory: bigint;
  nrVirtCpu: number;
  cpuTime: bigint;
}

/** remote_domain_get_state_ret. `reason` is a virDomain<State>Reason of the given state. */
export interface DomainStateInfo {
  state: DomainState;
  reason: number;
}

/** remote_storage_pool_get_info_ret. Sizes in bytes. */
export interface PoolInfo {
  state: StoragePoolState;
  capacity: bigint;
  allocation: bigint;
  available: bigint;
}

/** remote_storage_vol_get_info_ret. Sizes in bytes. */
export interface VolInfo {
  type: StorageVolType;
  capacity: bigint;
  allocation: bigint;
}

/** remote_network_dhcp_lease. Optional fields are null when dnsmasq did not report them. */
/** remote_domain_interface: a guest interface and its addresses (DomainInterfaceAddresses). */
export interface DomainInterface {
  name: string;
  hwaddr: string | null;
  addrs: { type: IpAddrType; addr: string; prefix: number }[];
}

export interface DhcpLease {
  iface: string;
  /** Seconds since the epoch. */
  expiryTime: bigint;
  type: IpAddrType;
  mac: string | null;
  iaid: string | null;
  ipaddr: string;
  prefix: number;
  hostname: string | null;
  clientid: string | null;
}

export function encodeString(w: XdrWriter, s: string): void {
  w.writeString(s, MAX_STRING);
}

export function decodeString(r: XdrReader): string {
  return r.readString(MAX_STRING);
}

/** remote_string: an optional remote_nonnull_string. */
export function encodeOptString(w: XdrWriter, s: string | null | undefined): void {
  w.writeOptional(s, encodeString);
}

export function decodeOptString(r: XdrReader): string | null {
  return r.readOptional(decodeString);
}

export function encodeUuid(w: XdrWriter, uuid: Buffer): void {
  w.writeFixedOpaque(uuid, UUID_LENGTH);
}

export function decodeUuid(r: XdrReader): Buffer {
  return r.readFixedOpaque(UUID_LENGTH);
}

export function encodeDomainRef(w: XdrWriter, d: DomainRef): void {
  encodeString(w, d.name);
  encodeUuid(w, d.uuid);
  w.writeInt(d.id);
}

export function decodeDomainRef(r: XdrReader): DomainRef {
  return { name: decodeString(r), uuid: decodeUuid(r), id: r.readInt() };
}

/** Networks and storage pools share the {name, uuid} layout. */
export function encodeNetworkRef(w: XdrWriter, n: NetworkRef): void {
  encodeString(w, n.name);
  encodeUuid(w, n.uuid);
}

export function decodeNetworkRef(r: XdrReader): NetworkRef {
  return { name: decodeString(r), uuid: decodeUuid(r) };
}

export const encodeStoragePoolRef: (w: XdrWriter, p: StoragePoolRef) => void = encodeNetworkRef;
export const decodeStoragePoolRef: (r: XdrReader) => StoragePoolRef = decodeNetworkRef;

export function encodeStorageVolRef(w: XdrWriter, v: StorageVolRef): void {
  encodeString(w, v.pool);
  encodeString(w, v.name);
  encodeString(w, v.key);
}

export function decodeStorageVolRef(r: XdrReader): StorageVolRef {
  return { pool: decodeString(r), name: decodeString(r), key: decodeString(r) };
}

export function encodeDomainSnapshotRef(w: XdrWriter, s: DomainSnapshotRef): void {
  encodeString(w, s.name);
  encodeDomainRef(w, s.dom);
}

export function decodeDomainSnapshotRef(r: XdrReader): DomainSnapshotRef {
  return { name: decodeString(r), dom: decodeDomainRef(r) };
}

export function decodeDomainLifecycleEvent(r: XdrReader): DomainLifecycleEvent {
  return {
    callbackId: r.readInt(),
    dom: decodeDomainRef(r),
    event: r.readInt() as DomainEventType,
    detail: r.readInt(),
  };
}

// rpcgen sends `unsigned char`/`char`/`unsigned short` as full 4-byte ints.

export function decodeDomainInfo(r: XdrReader): DomainInfo {
  return {
    state: r.readUint() as DomainState,
    maxMem: r.readUhyper(),
    memory: r.readUhyper(),
    nrVirtCpu: r.readUint(),
    cpuTime: r.readUhyper(),
  };
}

export function decodeDomainStateInfo(r: XdrReader): DomainStateInfo {
  return { state: r.readInt() as DomainState, reason: r.readInt() };
}

export function decodePoolInfo(r: XdrReader): PoolInfo {
  return {
    state: r.readUint() as StoragePoolState,
    capacity: r.readUhyper(),
    allocation: r.readUhyper(),
    available: r.readUhyper(),
  };
}

export function decodeVolInfo(r: XdrReader): VolInfo {
  return {
    type: r.readInt() as StorageVolType,
    capacity: r.readUhyper(),
    allocation: r.readUhyper(),
  };
}

export function decodeDomainInterface(r: XdrReader): DomainInterface {
  return {
    name: decodeString(r),
    hwaddr: decodeOptString(r),
    addrs: r.readArray(
      (a) => ({ type: a.readInt() as IpAddrType, addr: decodeString(a), prefix: a.readUint() }),
      MAX_DOMAIN_INTERFACES,
    ),
  };
}

export function decodeDhcpLease(r: XdrReader): DhcpLease {
  return {
    iface: decodeString(r),
    expiryTime: r.readHyper(),
    type: r.readInt() as IpAddrType,
    mac: decodeOptString(r),
    iaid: decodeOptString(r),
    ipaddr: decodeString(r),
    prefix: r.readUint(),
    hostname: decodeOptString(r),
    clientid: decodeOptString(r),
  };
}

const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** 16 raw bytes → "8-4-4-4-12" lowercase hex, the form libvirt prints and puts in XML. */
export function uuidToString(uuid: Buffer): string {
  if (uuid.length !== UUID_LENGTH) {
    throw new RangeError(`a UUID has ${UUID_LENGTH} bytes, got ${uuid.length}`);
  }
  const h = uuid.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Parses a UUID with or without dashes, any case (libvirt accepts both). */
export function uuidFromString(text: string): Buffer {
  if (!UUID_TEXT.test(text)) throw new RangeError(`not a UUID: ${JSON.stringify(text)}`);
  return Buffer.from(text.replace(/-/g, ""), "hex");
}

/**
 * XDR (RFC 4506) encoding and decoding: big-endian, every item padded to a
 * multiple of 4 bytes. libvirt's remote protocol is rpcgen-generated XDR, so
 * this is the only wire format the client needs besides the raw bytes of
 * stream packets.
 *
 * The reader never trusts a length it reads: every count is checked against
 * the caller's maximum (the `<N>` of the .x declaration) and against the bytes
 * actually left, before anything is allocated, so a corrupt or hostile frame
 * costs an exception, not memory.
 */

/** Why decoding (or, for range errors, encoding) failed. */
export type XdrErrorCode = "TRUNCATED" | "LIMIT_EXCEEDED" | "OUT_OF_RANGE" | "INVALID_VALUE";

export class XdrError extends Error {
  override readonly name = "XdrError";
  constructor(
    readonly code: XdrErrorCode,
    message: string,
    /** Byte offset in the buffer being read or written where it went wrong. */
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

const INT32_MIN = -0x8000_0000;
const INT32_MAX = 0x7fff_ffff;
const UINT32_MAX = 0xffff_ffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const UINT64_MAX = (1n << 64n) - 1n;
/** No libvirt array or string may exceed this; a default for callers that give no maximum. */
const UNBOUNDED = UINT32_MAX;

/** Bytes of zero padding that follow `n` bytes of data. */
export function padding(n: number): number {
  return (4 - (n % 4)) % 4;
}

export class XdrWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** A copy-free view of the bytes written so far; valid until the next write. */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far, as a buffer the caller owns. */
  finish(): Buffer {
    return Buffer.from(this.view());
  }

  /** Overwrites a u32 already written at `offset` (used to patch a frame's length word). */
  patchUint(offset: number, value: number): void {
    checkInt(value, 0, UINT32_MAX, "unsigned int", offset);
    this.buf.writeUInt32BE(value, offset);
  }

  writeInt(value: number): void {
    checkInt(value, INT32_MIN, INT32_MAX, "int", this.pos);
    this.reserve(4);
    this.pos = this.buf.writeInt32BE(value, this.pos);
  }

  writeUint(value: number): void {
    checkInt(value, 0, UINT32_MAX, "unsigned int", this.pos);
    this.reserve(4);
    this.pos = this.buf.writeUInt32BE(value, this.pos);
  }

  writeHyper(value: bigint): void {
    checkBig(value, INT64_MIN, INT64_MAX, "hyper", this.pos);
    this.reserve(8);
    this.pos = this.buf.writeBigInt64BE(value, this.pos);
  }

  writeUhyper(value: bigint): void {
    checkBig(value, 0n, UINT64_MAX, "unsigned hyper", this.pos);
    this.reserve(8);
    this.pos = this.buf.writeBigUInt64BE(value, this.pos);
  }

  writeDouble(value: number): void {
    this.reserve(8);
    this.pos = this.buf.writeDoubleBE(value, this.pos);
  }

  writeBool(value: boolean): void {
    this.writeInt(value ? 1 : 0);
  }

  /** `string<max>`: length, UTF-8 bytes, padding. `max` counts bytes, as rpcgen does. */
  writeString(value: string, max = UNBOUNDED): void {
    this.writeOpaque(Buffer.from(value, "utf8"), max);
  }

  /** Variable-length `opaque<max>`. */
  writeOpaque(data: Uint8Array, max = UNBOUNDED): void {
    if (data.length > max) {
      throw new XdrError(
        "LIMIT_EXCEEDED",
        `opaque of ${data.length} bytes exceeds ${max}`,
        this.pos,
      );
    }
    this.writeUint(data.length);
    this.writeFixedOpaque(data, data.length);
  }

  /** Fixed-length `opaque[length]` (e.g. a 16-byte UUID): no length word. */
  writeFixedOpaque(data: Uint8Array, length: number): void {
    if (data.length !== length) {
      throw new XdrError(
        "INVALID_VALUE",
        `fixed opaque needs ${length} bytes, got ${data.length}`,
        this.pos,
      );
    }
    const pad = padding(length);
    this.reserve(length + pad);
    this.buf.set(data, this.pos);
    this.buf.fill(0, this.pos + length, this.pos + length + pad);
    this.pos += length + pad;
  }

  /** Optional `T*`: 0, or 1 followed by the value. `null` and `undefined` both mean absent. */
  writeOptional<T>(value: T | null | undefined, encode: (w: XdrWriter, v: T) => void): void {
    if (value === null || value === undefined) {
      this.writeUint(0);
      return;
    }
    this.writeUint(1);
    encode(this, value);
  }

  /** Variable-length array `T<max>`: count, then each element. */
  writeArray<T>(items: readonly T[], encode: (w: XdrWriter, v: T) => void, max = UNBOUNDED): void {
    if (items.length > max) {
      throw new XdrError("LIMIT_EXCEEDED", `array of ${items.length} exceeds ${max}`, this.pos);
    }
    this.writeUint(items.length);
    for (const item of items) encode(this, item);
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

export class XdrReader {
  private pos: number;

  /** Reads `buf` from `start` to `end` (defaults: all of it). */
  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws unless every byte has been consumed: a reply longer than its struct is a mismatch. */
  expectEnd(): void {
    if (this.pos !== this.end) {
      throw new XdrError(
        "INVALID_VALUE",
        `${this.end - this.pos} unexpected trailing bytes`,
        this.pos,
      );
    }
  }

  readInt(): number {
    this.need(4, "int");
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readUint(): number {
    this.need(4, "unsigned int");
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  readHyper(): bigint {
    this.need(8, "hyper");
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  readUhyper(): bigint {
    this.need(8, "unsigned hyper");
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  readDouble(): number {
    this.need(8, "double");
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  /** XDR bool is an enum of exactly 0 or 1; anything else means we are misaligned. */
  readBool(): boolean {
    const at = this.pos;
    const v = this.readInt();
    if (v !== 0 && v !== 1)
      throw new XdrError("INVALID_VALUE", `bool must be 0 or 1, got ${v}`, at);
    return v === 1;
  }

  readString(max = UNBOUNDED): string {
    return this.readOpaqueView(max, "string").toString("utf8");
  }

  /** Variable-length opaque, copied so it outlives the frame buffer. */
  readOpaque(max = UNBOUNDED): Buffer {
    return Buffer.from(this.readOpaqueView(max, "opaque"));
  }

  readFixedOpaque(length: number): Buffer {
    const total = length + padding(length);
    this.need(total, `opaque[${length}]`);
    // Padding content is not checked: rpcgen's own decoder ignores it, and so must we.
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + length));
    this.pos += total;
    return out;
  }

  readOptional<T>(decode: (r: XdrReader) => T): T | null {
    const at = this.pos;
    const present = this.readUint();
    if (present === 0) return null;
    if (present !== 1) {
      throw new XdrError("INVALID_VALUE", `optional flag must be 0 or 1, got ${present}`, at);
    }
    return decode(this);
  }

  readArray<T>(decode: (r: XdrReader) => T, max = UNBOUNDED): T[] {
    const at = this.pos;
    const count = this.readUint();
    if (count > max)
      throw new XdrError("LIMIT_EXCEEDED", `array count ${count} exceeds ${max}`, at);
    // Every element takes at least 4 bytes: reject impossible counts before looping.
    if (count * 4 > this.remaining) {
      throw new XdrError(
        "TRUNCATED",
        `array of ${count} cannot fit in ${this.remaining} bytes`,
        at,
      );
    }
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(decode(this));
    return out;
  }

  private readOpaqueView(max: number, what: string): Buffer {
    const at = this.pos;
    const len = this.readUint();
    if (len > max) throw new XdrError("LIMIT_EXCEEDED", `${what} length ${len} exceeds ${max}`, at);
    const total = len + padding(len);
    this.need(total, what);
    const view = this.buf.subarray(this.pos, this.pos + len);
    this.pos += total;
    return view;
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.end) {
      throw new XdrError(
        "TRUNCATED",
        `${what} needs ${n} bytes, only ${this.end - this.pos} left`,
        this.pos,
      );
    }
  }
}

function checkInt(v: number, min: number, max: number, what: string, at: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new XdrError("OUT_OF_RANGE", `${String(v)} is not a valid ${what}`, at);
  }
}

function checkBig(v: bigint, min: bigint, max: bigint, what: string, at: number): void {
  if (v < min || v > max) throw new XdrError("OUT_OF_RANGE", `${v} is not a valid ${what}`, at);
}

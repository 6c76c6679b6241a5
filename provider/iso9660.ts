/**
 * A small ISO 9660 image of a few files in its root directory, built in
 * memory: what a cloud-init NoCloud seed is (volume label `cidata`, files
 * `meta-data`, `user-data`, `network-config`), so no `genisoimage` is needed
 * where Pulumi runs.
 *
 * Names like `user-data` are not ISO 9660 names (upper case, 8.3), so the
 * image carries two directory trees over the same file data, as
 * `genisoimage -J` writes them: the primary one with ISO names (`USER_DAT.;1`)
 * for readers that know nothing else, and a Joliet one (a supplementary
 * volume descriptor, UCS-2 names) with the real names, which Linux, Windows
 * and cloud-init's own readers use.
 *
 * The image is deterministic: no timestamps of its making (one fixed date),
 * so the same files always give the same bytes. Layout, in 2048-byte sectors:
 *   0-15  system area (zeros)   16 primary volume descriptor
 *   17    Joliet descriptor     18 descriptor set terminator
 *   19-22 path tables (primary L, M; Joliet L, M)
 *   23    primary root directory   24 Joliet root directory
 *   25-   the files, each from a sector of its own
 * Facts from ECMA-119 (ISO 9660) and the Joliet specification.
 */

const SECTOR = 2048;
const FIRST_FILE_SECTOR = 25;
const ROOT = { primary: 23, joliet: 24 } as const;
const PATH_TABLES = { primaryL: 19, primaryM: 20, jolietL: 21, jolietM: 22 } as const;
/**
 * Every record's date: fixed, so that the image depends on the files only
 * (1980-01-01 00:00 UTC, as reproducible zip files use; zeros would read as 1899).
 */
const RECORDED = Buffer.from([80, 1, 1, 0, 0, 0, 0]);
/** A root directory fits in one sector: 34 bytes each for "." and "..", then the files. */
const MAX_FILES = 16;

export interface IsoFile {
  /** The name readers show (Joliet): at most 64 characters, no '/'. */
  name: string;
  content: Buffer;
}

export function buildIso9660(label: string, files: IsoFile[]): Buffer {
  checkInputs(label, files);
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const placed = placeFiles(sorted);
  const totalSectors = placed.reduce(
    (end, f) => Math.max(end, f.sector + sectorsFor(f.content.length)),
    FIRST_FILE_SECTOR,
  );
  const image = Buffer.alloc(totalSectors * SECTOR);
  const at = (sector: number) => image.subarray(sector * SECTOR, (sector + 1) * SECTOR);

  volumeDescriptor(at(16), { joliet: false, label, totalSectors });
  volumeDescriptor(at(17), { joliet: true, label, totalSectors });
  terminator(at(18));
  pathTable(at(PATH_TABLES.primaryL), ROOT.primary, "LE");
  pathTable(at(PATH_TABLES.primaryM), ROOT.primary, "BE");
  pathTable(at(PATH_TABLES.jolietL), ROOT.joliet, "LE");
  pathTable(at(PATH_TABLES.jolietM), ROOT.joliet, "BE");
  rootDirectory(at(ROOT.primary), ROOT.primary, placed, primaryNames(sorted));
  rootDirectory(
    at(ROOT.joliet),
    ROOT.joliet,
    placed,
    sorted.map((f) => jolietName(f.name)),
  );
  for (const f of placed) f.content.copy(image, f.sector * SECTOR);
  return image;
}

function checkInputs(label: string, files: IsoFile[]): void {
  if (!/^[\x20-\x7e]{1,16}$/.test(label)) {
    throw new Error(
      `ISO volume label ${JSON.stringify(label)}: 1 to 16 printable ASCII characters`,
    );
  }
  if (files.length > MAX_FILES) throw new Error(`an ISO seed holds at most ${MAX_FILES} files`);
  const seen = new Set<string>();
  for (const { name } of files) {
    if (!/^[^/\0]{1,64}$/.test(name) || name === "." || name === "..") {
      throw new Error(`ISO file name ${JSON.stringify(name)}: 1 to 64 characters, no '/'`);
    }
    if (seen.has(name)) throw new Error(`ISO file name ${JSON.stringify(name)} given twice`);
    seen.add(name);
  }
}

interface PlacedFile extends IsoFile {
  sector: number;
}

function placeFiles(files: IsoFile[]): PlacedFile[] {
  let sector = FIRST_FILE_SECTOR;
  return files.map((f) => {
    const placed = { ...f, sector };
    sector += sectorsFor(f.content.length);
    return placed;
  });
}

function sectorsFor(bytes: number): number {
  return Math.ceil(bytes / SECTOR);
}

// --- fields ------------------------------------------------------------------

/** ISO 9660 "both-byte order": little-endian, then the same value big-endian. */
function both32(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt32LE(value, offset);
  buf.writeUInt32BE(value, offset + 4);
}

function both16(buf: Buffer, offset: number, value: number): void {
  buf.writeUInt16LE(value, offset);
  buf.writeUInt16BE(value, offset + 2);
}

/** A text field: ASCII padded with spaces, or (Joliet) UCS-2 big-endian padded with U+0020. */
function text(buf: Buffer, offset: number, length: number, value: string, joliet: boolean): void {
  const bytes = joliet ? ucs2(value) : Buffer.from(value, "latin1");
  const pad = joliet ? Buffer.from([0x00, 0x20]) : Buffer.from(" ");
  for (let i = 0; i < length; i += pad.length) pad.copy(buf, offset + i);
  bytes.copy(buf, offset, 0, Math.min(bytes.length, length));
}

function ucs2(value: string): Buffer {
  const out = Buffer.alloc(value.length * 2);
  for (let i = 0; i < value.length; i++) out.writeUInt16BE(value.charCodeAt(i), i * 2);
  return out;
}

/** "Not specified": sixteen ASCII zeros and a zero time zone. */
function noDate(buf: Buffer, offset: number): void {
  buf.write("0000000000000000", offset, "latin1");
  buf[offset + 16] = 0;
}

// --- structures ----------------------------------------------------------------

function volumeDescriptor(
  buf: Buffer,
  d: { joliet: boolean; label: string; totalSectors: number },
): void {
  buf[0] = d.joliet ? 2 : 1; // supplementary (Joliet) or primary
  buf.write("CD001", 1, "latin1");
  buf[6] = 1;
  text(buf, 8, 32, "", d.joliet); // system identifier
  text(buf, 40, 32, d.label, d.joliet); // volume identifier: the label blkid and cloud-init read
  both32(buf, 80, d.totalSectors);
  if (d.joliet) buf.write("%/E", 88, "latin1"); // UCS-2 level 3
  both16(buf, 120, 1); // volume set size
  both16(buf, 124, 1); // volume sequence number
  both16(buf, 128, SECTOR);
  both32(buf, 132, PATH_TABLE_BYTES);
  const [l, m] = d.joliet
    ? [PATH_TABLES.jolietL, PATH_TABLES.jolietM]
    : [PATH_TABLES.primaryL, PATH_TABLES.primaryM];
  buf.writeUInt32LE(l, 140);
  buf.writeUInt32BE(m, 148);
  directoryRecord(buf, 156, { sector: d.joliet ? ROOT.joliet : ROOT.primary, bytes: SECTOR }, [0]);
  for (const [offset, length] of [
    [190, 128], // volume set
    [318, 128], // publisher
    [446, 128], // data preparer
    [574, 128], // application
    [702, 37], // copyright file
    [739, 37], // abstract file
    [776, 37], // bibliographic file
  ]) {
    text(buf, offset, length, "", d.joliet);
  }
  for (const offset of [813, 830, 847, 864]) noDate(buf, offset);
  buf[881] = 1; // file structure version
}

function terminator(buf: Buffer): void {
  buf[0] = 255;
  buf.write("CD001", 1, "latin1");
  buf[6] = 1;
}

/** One entry: the root directory (number 1, its own parent, identifier 0x00). */
const PATH_TABLE_BYTES = 10;

function pathTable(buf: Buffer, rootSector: number, order: "LE" | "BE"): void {
  buf[0] = 1; // identifier length
  buf[1] = 0;
  if (order === "LE") {
    buf.writeUInt32LE(rootSector, 2);
    buf.writeUInt16LE(1, 6);
  } else {
    buf.writeUInt32BE(rootSector, 2);
    buf.writeUInt16BE(1, 6);
  }
  buf[8] = 0; // identifier of the root
}

function rootDirectory(buf: Buffer, sector: number, files: PlacedFile[], names: Buffer[]): void {
  const self = { sector, bytes: SECTOR };
  let offset = directoryRecord(buf, 0, self, [0], true); // "."
  offset = directoryRecord(buf, offset, self, [1], true); // ".." of the root is the root
  files.forEach((f, i) => {
    offset = directoryRecord(buf, offset, { sector: f.sector, bytes: f.content.length }, names[i]);
  });
}

/** Writes a directory record at `offset`; returns the offset after it. */
function directoryRecord(
  buf: Buffer,
  offset: number,
  extent: { sector: number; bytes: number },
  identifier: Buffer | number[],
  directory = identifier.length === 1 && (identifier[0] === 0 || identifier[0] === 1),
): number {
  const id = Buffer.from(identifier);
  const length = 33 + id.length + (id.length % 2 === 0 ? 1 : 0); // padded to an even length
  buf[offset] = length;
  buf[offset + 1] = 0; // extended attribute record
  both32(buf, offset + 2, extent.sector);
  both32(buf, offset + 10, extent.bytes);
  RECORDED.copy(buf, offset + 18);
  buf[offset + 25] = directory ? 2 : 0;
  both16(buf, offset + 28, 1); // volume sequence number
  buf[offset + 32] = id.length;
  id.copy(buf, offset + 33);
  return offset + length;
}

// --- names -----------------------------------------------------------------------

/** Joliet: the name in UCS-2 big-endian, with the ";1" version most writers add. */
function jolietName(name: string): Buffer {
  return ucs2(`${name};1`);
}

/**
 * ISO 9660 level 1 names (`USER_DAT.;1`): d-characters only, 8.3, made
 * unique by a counter where two would collide. Only readers without Joliet
 * see them; they scan the directory, so its order does not matter to them.
 */
function primaryNames(files: IsoFile[]): Buffer[] {
  const used = new Set<string>();
  return files.map((f) => {
    const dot = f.name.lastIndexOf(".");
    const [stem, ext] = dot > 0 ? [f.name.slice(0, dot), f.name.slice(dot + 1)] : [f.name, ""];
    const clean = (s: string, n: number) =>
      s
        .toUpperCase()
        .replace(/[^A-Z0-9_]/g, "_")
        .slice(0, n);
    let base = clean(stem, 8) || "_";
    const extension = clean(ext, 3);
    for (let i = 1; used.has(`${base}.${extension}`); i++) {
      base = `${clean(stem, 8 - String(i).length)}${i}`;
    }
    used.add(`${base}.${extension}`);
    return Buffer.from(`${base}.${extension};1`, "latin1");
  });
}

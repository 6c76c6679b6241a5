/**
 * Where a local file's holes are, asked of the kernel, so a sparse upload
 * reads only the file's data (fileSource.ts) and not the zeros of its holes.
 *
 * Node has no lseek(SEEK_DATA/SEEK_HOLE), which is how libvirt's C client
 * skips holes. `qemu-img map -f raw` asks exactly that of the kernel and
 * prints the file's layout as JSON; it is where libvirt is (the qemu-utils
 * package), and answers in about 10 ms for a 1 GiB image, where reading
 * the holes costs 135–165 ms of kernel CPU per GiB from the page cache and
 * about 2.5 s per GiB from disk (sparse.ts has the measurements).
 *
 * It is an optimisation only: without qemu-img, or if it fails, there are
 * no known holes and the whole file is read and scanned for zero blocks as
 * before. A known hole is skipped; everything else, data or unreported, is
 * read and scanned, so a map that is wrong the safe way costs time, never
 * bytes.
 */
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";

/** Bytes [from, to) of a file known to read as zeros. */
export interface HoleRange {
  from: number;
  to: number;
}

/** One entry of `qemu-img map --output=json` (the fields used). */
interface MapEntry {
  start: number;
  length: number;
  data: boolean;
  zero: boolean;
}

/** A 1 TiB file of 4 KiB fragments still maps well within this. */
const MAP_TIMEOUT_MS = 30_000;
const MAP_MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * The holes of `path` within [start, end), in order; [] when they cannot be
 * found (no qemu-img, an error, a file system without SEEK_DATA).
 */
export async function findHoles(path: string, start: number, end: number): Promise<HoleRange[]> {
  // qemu maps a raw file in 512-byte sectors: a tail past the end of the
  // file shows as a hole, and must not be skipped over as one.
  const size = await stat(path).then(
    (s) => (s.isFile() ? s.size : 0),
    () => 0,
  );
  end = Math.min(end, size);
  if (end <= start) return [];
  const json = await new Promise<string | undefined>((resolve) => {
    execFile(
      "qemu-img",
      // -f raw: the file's own bytes, whatever its format; -U: no lock, so a
      // file a guest has open can still be mapped.
      ["map", "-f", "raw", "-U", "--output=json", path],
      { timeout: MAP_TIMEOUT_MS, maxBuffer: MAP_MAX_OUTPUT, encoding: "utf8" },
      (err, stdout) => resolve(err === null ? stdout : undefined),
    );
  });
  return json === undefined ? [] : holesFromMap(json, start, end);
}

/**
 * The holes in qemu-img's JSON map, clipped to [start, end), adjacent ones
 * joined. Only entries that say both "no data" and "reads as zeros" count;
 * anything unexpected in the text gives no holes at all.
 */
export function holesFromMap(json: string, start: number, end: number): HoleRange[] {
  let entries: unknown;
  try {
    entries = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(entries) || !entries.every(isMapEntry)) return [];
  const holes: HoleRange[] = [];
  for (const e of [...entries].sort((a, b) => a.start - b.start)) {
    if (e.data || !e.zero) continue;
    const from = Math.max(e.start, start);
    const to = Math.min(e.start + e.length, end);
    if (to <= from) continue;
    const last = holes[holes.length - 1];
    if (last !== undefined && last.to >= from) last.to = Math.max(last.to, to);
    else holes.push({ from, to });
  }
  return holes;
}

function isMapEntry(e: unknown): e is MapEntry {
  if (typeof e !== "object" || e === null) return false;
  const m = e as Record<string, unknown>;
  return (
    Number.isSafeInteger(m.start) &&
    Number.isSafeInteger(m.length) &&
    (m.start as number) >= 0 &&
    (m.length as number) >= 0 &&
    typeof m.data === "boolean" &&
    typeof m.zero === "boolean"
  );
}

/**
 * Walks known holes in file order: positions only ever increase, as a
 * read-ahead's do.
 */
export class HoleCursor {
  private index = 0;

  constructor(private holes: readonly HoleRange[] = []) {}

  /** The holes, known now (a search that finished while reading had begun); none before. */
  learn(holes: readonly HoleRange[]): void {
    this.holes = holes;
    this.index = 0;
  }

  /** How many bytes from `pos` are a known hole (0 when `pos` is not in one). */
  holeAt(pos: number): number {
    this.skipPast(pos);
    const h = this.holes[this.index];
    return h !== undefined && h.from <= pos ? h.to - pos : 0;
  }

  /** Where the next known hole at or after `pos` begins (Infinity if none). */
  nextHole(pos: number): number {
    this.skipPast(pos);
    const h = this.holes[this.index];
    return h === undefined ? Infinity : Math.max(h.from, pos);
  }

  private skipPast(pos: number): void {
    while (this.index < this.holes.length && this.holes[this.index].to <= pos) this.index++;
  }
}

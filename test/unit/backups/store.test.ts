/** The chunk store, the chunker and manifests, on a temporary directory. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHUNK_SIZE, ChunkStore, sha256 } from "../../../backups/chunkStore";
import { Chunker, contentChunks } from "../../../backups/chunker";
import type { Manifest } from "../../../backups/manifest";
import { chunksOf, listManifests, manifestFile, writeManifest } from "../../../backups/manifest";

let dir: string;
let store: ChunkStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-backups-"));
  store = new ChunkStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Content of `chunks` chunks and a short tail: data in some, zeros in others. */
function content(seed: number, dataChunks: number[], chunks = 5, tail = 1000): Buffer {
  const buf = Buffer.alloc(chunks * CHUNK_SIZE + tail);
  for (const c of dataChunks) buf.fill(seed + c, c * CHUNK_SIZE + 17, c * CHUNK_SIZE + 4096);
  return buf;
}

async function chunk(buf: Buffer, cut: number[], holes: boolean) {
  const chunker = new Chunker(store);
  let at = 0;
  let i = 0;
  while (at < buf.length) {
    const n = Math.min(cut[i++ % cut.length], buf.length - at);
    const part = buf.subarray(at, at + n);
    if (holes && part.every((b) => b === 0)) await chunker.hole(n);
    else await chunker.add(part);
    at += n;
  }
  return { content: await chunker.finish(), data: chunker.data, written: chunker.written };
}

async function readBack(c: Awaited<ReturnType<typeof chunk>>["content"]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const p of contentChunks(store, c)) parts.push("hole" in p ? Buffer.alloc(p.hole) : p);
  return Buffer.concat(parts);
}

test.each([
  ["whole", [1 << 30], false],
  ["odd pieces", [1, 70_000, 262_120, 3 * 1024 * 1024], false],
  ["odd pieces with holes", [65_536, 1_000_000], true],
])(
  "content cut as %s comes back byte for byte; zero chunks are not stored",
  async (_n, cut, holes) => {
    const buf = content(1, [0, 3]);
    const { content: c, data } = await chunk(buf, cut, holes);
    expect(c.size).toBe(buf.length);
    expect(c.chunks.map((r) => r !== null)).toEqual([true, false, false, true, false, false]);
    expect(data).toBe(2 * CHUNK_SIZE);
    expect((await readBack(c)).equals(buf)).toBe(true);
  },
);

test("a second backup writes only the chunks that changed", async () => {
  const first = await chunk(content(1, [0, 1, 2]), [CHUNK_SIZE], false);
  expect(first.written).toBe(3 * CHUNK_SIZE);
  const changed = content(1, [0, 1, 2]);
  changed[CHUNK_SIZE + 100] ^= 0xff;
  const second = await chunk(changed, [CHUNK_SIZE], false);
  expect(second.written).toBe(CHUNK_SIZE);
  expect(second.content.chunks[0]).toBe(first.content.chunks[0]);
  expect(second.content.chunks[1]).not.toBe(first.content.chunks[1]);
});

test("a damaged or missing chunk is refused, naming it", async () => {
  const { content: c } = await chunk(content(1, [0]), [CHUNK_SIZE], false);
  const hash = c.chunks[0] as string;
  writeFileSync(join(dir, "chunks", hash.slice(0, 2), hash), "bitrot");
  await expect(store.get(hash)).rejects.toThrow(`backup chunk ${hash} in ${dir} is damaged`);
  await expect(store.get(sha256(Buffer.from("x")))).rejects.toThrow(/is missing from/);
});

const manifest = (guest: string, time: string, chunks: (string | null)[]): Manifest => ({
  version: 1,
  guest,
  uuid: "u",
  time,
  kind: "full",
  consistency: "shut off",
  definition: "<domain/>",
  disks: [{ target: "vda", pool: "p", volume: "v", format: "qcow2", size: 1, chunks }],
  tpm: {},
  bytes: { content: 1, data: 1, written: 1 },
  verified: true,
  types: ["daily"],
});

test("manifests list oldest first, skip unfinished ones, and name the chunks to keep", async () => {
  await writeManifest(dir, manifest("mail", "2026-12-05T02:30:00.000Z", ["b", null]));
  await writeManifest(dir, manifest("mail", "2026-12-04T02:30:00.000Z", ["a"]));
  await writeManifest(dir, manifest("desk", "2026-12-05T03:00:00.000Z", ["c"]));
  writeFileSync(join(dir, "guests", "mail", "2026-12-06T02-30-00Z.json.1a2b.tmp"), "{");
  expect((await listManifests(dir, "mail")).map((m) => m.time)).toEqual([
    "2026-12-04T02:30:00.000Z",
    "2026-12-05T02:30:00.000Z",
  ]);
  const all = await listManifests(dir);
  expect(all.map((m) => m.guest)).toEqual(["mail", "mail", "desk"]);
  expect([...chunksOf(all)].sort()).toEqual(["a", "b", "c"]);
  expect(manifestFile("2026-12-05T02:30:00.000Z")).toBe("2026-12-05T02-30-00Z.json");
});

test("a sweep removes the chunks no manifest names, and leftover temporary files", async () => {
  const { content: c } = await chunk(content(1, [0, 1]), [CHUNK_SIZE], false);
  const [keep, drop] = c.chunks as string[];
  writeFileSync(join(dir, "chunks", keep.slice(0, 2), `${keep}.abc.tmp`), "half");
  expect(await store.sweep(new Set([keep]))).toEqual({ chunks: 1, bytes: CHUNK_SIZE + 4 });
  expect(await store.has(keep)).toBe(true);
  expect(await store.has(drop)).toBe(false);
  expect(readdirSync(join(dir, "chunks", keep.slice(0, 2)))).toEqual([keep]);
});

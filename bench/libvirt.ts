/**
 * npm run bench:libvirt — our client against libvirt's C client
 * (python3-libvirt, bench/libvirt_c.py), in one run, on one daemon, with the
 * workload of issue #3:
 *
 *   define 200 domains; 10 rounds of lookup + get XML + is-active for each;
 *   undefine all; then volume streams of 1 GiB:
 *
 *   upload sparse    the sparse image (test/support/sparseImage.ts: 128 MiB
 *                    of data in 32 runs, the rest holes) with SPARSE_STREAM;
 *   upload dense     a 1 GiB file of non-zero data, without the flag;
 *   download sparse  the volume uploaded from the sparse image, with
 *                    SPARSE_STREAM: holes stay holes in the local file;
 *   download dense   the volume uploaded from the dense file, without it.
 *
 * Why a file of real data for "dense", not the sparse image sent without
 * the flag: that would mostly time reading 896 MiB of holes, which the
 * kernel serves as zero pages to both clients alike, and writing zeros on
 * the host; a file where every byte is data is what a dense transfer is for
 * (a fully allocated image) and times the data path alone — read, frame,
 * socket, daemon — with no hole handling on either side to help or hurt.
 *
 * The domain workload runs three ways: C sequential, ours sequential, ours
 * with 16 calls in flight (16 workers, each doing one domain's calls in
 * order). Each repetition alternates who goes first, in every workload;
 * `sync` runs before each timed phase; the table shows medians. Before the
 * repetitions, one untimed round of each transfer on each side checks that
 * the bytes arrive identical (and holes stay holes). Not a test: beyond that
 * check nothing is asserted. BENCH_REPS sets the repetitions (default 5),
 * LIBVIRT_URI the daemon (default qemu:///system), BENCH_WORKLOADS which
 * parts run ("domains,streams", the default, or either alone); BENCH_VERBOSE=1
 * prints every stream timing to stderr as it is taken.
 * Objects: test-bench-*, removed afterwards.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { LibvirtClient, StoragePoolBuildFlags } from "../libvirt";
import { GiB, makeSparseImage } from "../test/support/sparseImage";

const URI = process.env.LIBVIRT_URI ?? "qemu:///system";
const REPS = Number(process.env.BENCH_REPS ?? 5);
const DOMAINS = 200;
const ROUNDS = 10;
const IN_FLIGHT = 16;
const PREFIX = "test-bench-";
/** Debian's python3, which has python3-libvirt (a pyenv python first on PATH would not). */
const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const WORKLOADS = (process.env.BENCH_WORKLOADS ?? "domains,streams").split(",");

/** Next to this file when run from source, under bench/ when run from dist/bench/. */
const C_SCRIPT =
  [join(__dirname, "libvirt_c.py"), join(__dirname, "..", "..", "bench", "libvirt_c.py")].find(
    (p) => existsSync(p),
  ) ?? "bench/libvirt_c.py";

const XML = (name: string): string =>
  `<domain type='qemu'><name>${name}</name><memory unit='MiB'>64</memory>` +
  "<os><type arch='x86_64'>hvm</type></os></domain>";

interface DomainTimes {
  define: number;
  rounds: number;
  undefine: number;
}
const total = (t: DomainTimes): number => t.define + t.rounds + t.undefine;

/** Runs fn(0 … n-1) with at most `width` running at once. */
async function inFlight(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

async function oursDomains(
  lv: LibvirtClient,
  names: string[],
  width: number,
): Promise<DomainTimes> {
  const t0 = performance.now();
  const doms = new Array<Awaited<ReturnType<LibvirtClient["domainDefineXml"]>>>(names.length);
  await inFlight(names.length, width, async (i) => {
    doms[i] = await lv.domainDefineXml(XML(names[i]));
  });
  const t1 = performance.now();
  await inFlight(names.length * ROUNDS, width, async (k) => {
    const dom = await lv.domainLookupByName(names[k % names.length]);
    await lv.domainGetXmlDesc(dom);
    await lv.domainIsActive(dom);
  });
  const t2 = performance.now();
  await inFlight(doms.length, width, (i) => lv.domainUndefine(doms[i]));
  const t3 = performance.now();
  return { define: t1 - t0, rounds: t2 - t1, undefine: t3 - t2 };
}

/** bench/libvirt_c.py as a child: one JSON command per line, one JSON answer per line. */
class CClient {
  private readonly child = spawn(PYTHON, [C_SCRIPT], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  private readonly lines = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();

  async run<T>(cmd: object): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    const line = await this.lines.next();
    if (line.done === true) throw new Error(`${PYTHON} bench/libvirt_c.py exited`);
    const answer = JSON.parse(line.value) as T & { error?: string };
    if (answer.error !== undefined) throw new Error(`C client: ${answer.error}`);
    return answer;
  }

  async domains(names: string[]): Promise<DomainTimes> {
    const xml = XML("%(name)s");
    const s = await this.run<DomainTimes>({ op: "domains", uri: URI, xml, names, rounds: ROUNDS });
    return { define: s.define * 1000, rounds: s.rounds * 1000, undefine: s.undefine * 1000 };
  }

  /** One upload or download of `volume` from or to `file`; milliseconds. */
  async transfer(
    op: "upload" | "download",
    pool: string,
    volume: string,
    file: string,
    sparse: boolean,
  ): Promise<number> {
    const s = await this.run<{ seconds: number }>({ op, uri: URI, pool, volume, file, sparse });
    return s.seconds * 1000;
  }

  close(): void {
    this.child.stdin.end();
  }
}

/**
 * Flushes dirty pages before each timed phase. Every define ends in an
 * fsync, and on ext4 (data=ordered) the first fsync after an upload also
 * writes out the upload's data: without this, whoever runs next pays for it.
 */
const settle = (): void => {
  execFileSync("sync");
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

async function removeLeftovers(lv: LibvirtClient): Promise<void> {
  for (const dom of await lv.listAllDomains()) {
    if (dom.name.startsWith(PREFIX)) await lv.domainUndefine(dom);
  }
  for (const pool of await lv.listAllStoragePools()) {
    if (!pool.name.startsWith(PREFIX)) continue;
    if (await lv.storagePoolIsActive(pool)) {
      for (const v of await lv.storagePoolListAllVolumes(pool)) await lv.storageVolDelete(v);
      await lv.storagePoolDestroy(pool);
    }
    await lv.storagePoolUndefine(pool);
  }
}

/** The four stream workloads, in table order. */
const TRANSFERS = [
  { key: "upSparse", label: "upload sparse", op: "upload", sparse: true },
  { key: "upDense", label: "upload dense", op: "upload", sparse: false },
  { key: "downSparse", label: "download sparse", op: "download", sparse: true },
  { key: "downDense", label: "download dense", op: "download", sparse: false },
] as const;
type TransferKey = (typeof TRANSFERS)[number]["key"];
type Transfer = (typeof TRANSFERS)[number];
type StreamTimes = Record<TransferKey, { c: number[]; ours: number[] }>;

/** A 1 GiB file of non-zero (random) data; every byte allocated. */
function makeDenseImage(path: string): void {
  const block = randomBytes(64 * 2 ** 20);
  const fd = openSync(path, "w");
  try {
    for (let at = 0; at < GiB; at += block.length) writeSync(fd, block, 0, block.length, at);
  } finally {
    closeSync(fd);
  }
}

/** Whether two files hold the same bytes (holes read as zeros). */
function sameBytes(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false;
  const fa = openSync(a, "r");
  const fb = openSync(b, "r");
  const ba = Buffer.allocUnsafe(16 * 2 ** 20);
  const bb = Buffer.allocUnsafe(16 * 2 ** 20);
  try {
    for (let pos = 0; ;) {
      const n = readSync(fa, ba, 0, ba.length, pos);
      const m = readSync(fb, bb, 0, bb.length, pos);
      if (n !== m || !ba.subarray(0, n).equals(bb.subarray(0, m))) return false;
      if (n === 0) return true;
      pos += n;
    }
  } finally {
    closeSync(fa);
    closeSync(fb);
  }
}

async function main(): Promise<void> {
  const lv = await LibvirtClient.connect(URI);
  const c = new CClient();
  const work = mkdtempSync(join(tmpdir(), PREFIX));
  chmodSync(work, 0o755); // the daemon's helpers write the volume here
  try {
    await removeLeftovers(lv);
    const domains = WORKLOADS.includes("domains") ? await domainWorkload(lv, c) : undefined;
    const streams = WORKLOADS.includes("streams") ? await streamWorkload(lv, c, work) : undefined;
    report(domains, streams);
  } finally {
    c.close();
    await removeLeftovers(lv).catch(() => undefined);
    await lv.close();
    rmSync(work, { recursive: true, force: true });
  }
}

interface DomainResults {
  parts: Record<"c" | "seq" | "par", DomainTimes[]>;
  times: Record<"c" | "seq" | "par", number[]>;
}

async function domainWorkload(lv: LibvirtClient, c: CClient): Promise<DomainResults> {
  const names = (who: string) => Array.from({ length: DOMAINS }, (_, i) => `${PREFIX}${who}-${i}`);
  // Warm-up, not counted: JIT on our side, caches on both.
  await oursDomains(lv, names("warm").slice(0, 20), IN_FLIGHT);
  await c.domains(names("warm").slice(0, 20));

  const times = { c: [] as number[], seq: [] as number[], par: [] as number[] };
  const parts = { c: [] as DomainTimes[], seq: [] as DomainTimes[], par: [] as DomainTimes[] };
  for (let rep = 0; rep < REPS; rep++) {
    const order = rep % 2 === 0 ? ["c", "seq", "par"] : ["par", "seq", "c"];
    for (const who of order as ("c" | "seq" | "par")[]) {
      settle();
      const t =
        who === "c"
          ? await c.domains(names("c"))
          : await oursDomains(lv, names(who), who === "seq" ? 1 : IN_FLIGHT);
      times[who].push(total(t));
      parts[who].push(t);
    }
  }
  return { parts, times };
}

async function streamWorkload(
  lv: LibvirtClient,
  c: CClient,
  work: string,
): Promise<{ times: StreamTimes; data: number }> {
  const sparseImage = join(work, "sparse.raw");
  const data = makeSparseImage(sparseImage);
  const denseImage = join(work, "dense.raw");
  makeDenseImage(denseImage);
  const downloaded = join(work, "downloaded.raw");
  const poolName = `${PREFIX}pool`;
  const pool = await lv.storagePoolDefineXml(
    `<pool type='dir'><name>${poolName}</name><target><path>${join(work, "pool")}</path></target></pool>`,
  );
  await lv.storagePoolBuild(pool, StoragePoolBuildFlags.New);
  await lv.storagePoolCreate(pool);
  const volXml = (name: string): string =>
    `<volume><name>${name}</name><capacity unit='bytes'>${GiB}</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>`;
  // The volumes the downloads read: one per kind, uploaded once.
  const sources = { true: "src-sparse.raw", false: "src-dense.raw" };
  await lv.storageVolUpload(await lv.storageVolCreateXml(pool, volXml(sources.true)), sparseImage, {
    sparse: true,
  });
  await lv.storageVolUpload(await lv.storageVolCreateXml(pool, volXml(sources.false)), denseImage);

  /** One timed transfer; the volume or file it made is removed afterwards. */
  const run = async (t: Transfer, who: "c" | "ours"): Promise<number> => {
    const image = t.sparse ? sparseImage : denseImage;
    if (t.op === "upload") {
      const vol = await lv.storageVolCreateXml(pool, volXml("up.raw"));
      settle();
      const t0 = performance.now();
      let ms: number;
      if (who === "c") ms = await c.transfer("upload", poolName, "up.raw", image, t.sparse);
      else {
        await lv.storageVolUpload(vol, image, { sparse: t.sparse });
        ms = performance.now() - t0;
      }
      await lv.storageVolDelete(vol);
      return ms;
    }
    const source = sources[`${t.sparse}`];
    settle();
    const t0 = performance.now();
    let ms: number;
    if (who === "c") ms = await c.transfer("download", poolName, source, downloaded, t.sparse);
    else {
      const vol = await lv.storageVolLookupByName(pool, source);
      await lv.storageVolDownload(vol, downloaded, { sparse: t.sparse });
      ms = performance.now() - t0;
    }
    return ms;
  };

  // Untimed check, which also warms up both sides: what arrives is what was
  // sent, holes stay holes. The sources were uploaded by us: this checks our
  // uploads too (and the sparse one left the volume sparse).
  const sourceBlocks = statSync(join(work, "pool", sources.true)).blocks * 512;
  if (sourceBlocks > 2 * data) throw new Error(`sparse upload allocated ${sourceBlocks} bytes`);
  for (const who of ["c", "ours"] as const) {
    for (const t of TRANSFERS.filter((x) => x.op === "download")) {
      await run(t, who);
      const image = t.sparse ? sparseImage : denseImage;
      if (!sameBytes(downloaded, image)) throw new Error(`${who} ${t.label}: bytes differ`);
      const allocated = statSync(downloaded).blocks * 512;
      if (t.sparse && allocated > 2 * data) {
        throw new Error(`${who} ${t.label}: ${allocated} bytes allocated, holes lost`);
      }
      rmSync(downloaded);
    }
  }

  const times = Object.fromEntries(
    TRANSFERS.map((t) => [t.key, { c: [] as number[], ours: [] as number[] }]),
  ) as StreamTimes;
  for (let rep = 0; rep < REPS; rep++) {
    for (const t of TRANSFERS) {
      for (const who of rep % 2 === 0 ? (["c", "ours"] as const) : (["ours", "c"] as const)) {
        const ms = await run(t, who);
        times[t.key][who].push(ms);
        if (process.env.BENCH_VERBOSE === "1")
          console.error(`${rep} ${t.label} ${who}: ${ms.toFixed(1)}`);
        if (t.op === "download") rmSync(downloaded);
      }
    }
  }
  return { times, data };
}

function report(
  domains: DomainResults | undefined,
  streams: { times: StreamTimes; data: number } | undefined,
): void {
  const ms = (x: number): string => x.toFixed(1).padStart(10);
  console.log(`libvirt client benchmark: ${URI}, medians of ${REPS} repetitions, milliseconds\n`);
  console.log(`| ${"workload".padEnd(36)} | C seq.    | ours seq. | ours x${IN_FLIGHT}  |`);
  console.log(`|${"-".repeat(38)}|-----------|-----------|-----------|`);
  if (domains !== undefined) {
    const { parts } = domains;
    const row = (label: string, pick: (t: DomainTimes) => number): string =>
      `| ${label.padEnd(36)} |${ms(median(parts.c.map(pick)))} |${ms(median(parts.seq.map(pick)))} |${ms(median(parts.par.map(pick)))} |`;
    console.log(row(`define ${DOMAINS} domains`, (t) => t.define));
    console.log(row(`${ROUNDS} x ${DOMAINS} x (lookup, XML, active)`, (t) => t.rounds));
    console.log(row(`undefine ${DOMAINS}`, (t) => t.undefine));
    console.log(row("all of the above", total));
  }
  if (streams !== undefined) {
    const mib = (streams.data / 2 ** 20).toFixed(0);
    for (const t of TRANSFERS) {
      const label = `${t.label} 1 GiB${t.sparse ? ` (${mib} MiB data)` : ""}`;
      const { c, ours } = streams.times[t.key];
      console.log(
        `| ${label.padEnd(36)} |${ms(median(c))} |${ms(median(ours))} |${"-".padStart(10)} |`,
      );
    }
  }
  console.log("");
  if (domains !== undefined) {
    const { times } = domains;
    const seq = median(times.seq) / median(times.c);
    const speedup = median(times.c) / median(times.par);
    console.log(
      `libvirt-client: sequential ours/C = ${seq.toFixed(2)}; ` +
        `${IN_FLIGHT}-in-flight speedup over C sequential = ${speedup.toFixed(2)}`,
    );
  }
  if (streams !== undefined) {
    console.log(
      `libvirt-streams: ${TRANSFERS.map((t) => {
        const { c, ours } = streams.times[t.key];
        return `${t.label} ours/C = ${(median(ours) / median(c)).toFixed(2)}`;
      }).join("; ")}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

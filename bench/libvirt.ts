/**
 * npm run bench:libvirt — our client against libvirt's C client
 * (python3-libvirt, bench/libvirt_c.py), in one run, on one daemon, with the
 * workload of issue #3:
 *
 *   define 200 domains; 10 rounds of lookup + get XML + is-active for each;
 *   undefine all; then upload a sparse 1 GiB image.
 *
 * The domain workload runs three ways: C sequential, ours sequential, ours
 * with 16 calls in flight (16 workers, each doing one domain's calls in
 * order). Each repetition alternates who goes first; the table shows
 * medians. Not a test: nothing is asserted. BENCH_REPS sets the repetitions
 * (default 5), LIBVIRT_URI the daemon (default qemu:///system).
 * Objects: test-bench-*, removed afterwards.
 */
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
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

  async upload(pool: string, volume: string, file: string): Promise<number> {
    const s = await this.run<{ upload: number }>({ op: "upload", uri: URI, pool, volume, file });
    return s.upload * 1000;
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

async function main(): Promise<void> {
  const lv = await LibvirtClient.connect(URI);
  const c = new CClient();
  const work = mkdtempSync(join(tmpdir(), PREFIX));
  chmodSync(work, 0o755); // the daemon's helpers write the volume here
  try {
    await removeLeftovers(lv);
    const image = join(work, "image.raw");
    const data = makeSparseImage(image);
    const poolName = `${PREFIX}pool`;
    const pool = await lv.storagePoolDefineXml(
      `<pool type='dir'><name>${poolName}</name><target><path>${join(work, "pool")}</path></target></pool>`,
    );
    await lv.storagePoolBuild(pool, StoragePoolBuildFlags.New);
    await lv.storagePoolCreate(pool);
    const volXml = `<volume><name>up.raw</name><capacity unit='bytes'>${GiB}</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>`;

    const names = (who: string) =>
      Array.from({ length: DOMAINS }, (_, i) => `${PREFIX}${who}-${i}`);
    // Warm-up, not counted: JIT on our side, caches on both.
    await oursDomains(lv, names("warm").slice(0, 20), IN_FLIGHT);
    await c.domains(names("warm").slice(0, 20));

    const times = { c: [] as number[], seq: [] as number[], par: [] as number[] };
    const parts = { c: [] as DomainTimes[], seq: [] as DomainTimes[], par: [] as DomainTimes[] };
    const uploads = { c: [] as number[], ours: [] as number[] };
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
      for (const who of rep % 2 === 0 ? ["c", "ours"] : ["ours", "c"]) {
        const vol = await lv.storageVolCreateXml(pool, volXml);
        settle();
        const t0 = performance.now();
        if (who === "c") uploads.c.push(await c.upload(poolName, "up.raw", image));
        else {
          await lv.storageVolUpload(vol, image, { sparse: true });
          uploads.ours.push(performance.now() - t0);
        }
        await lv.storageVolDelete(vol);
      }
    }
    report(parts, times, uploads, data);
  } finally {
    c.close();
    await removeLeftovers(lv).catch(() => undefined);
    await lv.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function report(
  parts: Record<"c" | "seq" | "par", DomainTimes[]>,
  times: Record<"c" | "seq" | "par", number[]>,
  uploads: { c: number[]; ours: number[] },
  data: number,
): void {
  const ms = (x: number): string => x.toFixed(1).padStart(10);
  const row = (label: string, pick: (t: DomainTimes) => number): string =>
    `| ${label.padEnd(34)} |${ms(median(parts.c.map(pick)))} |${ms(median(parts.seq.map(pick)))} |${ms(median(parts.par.map(pick)))} |`;
  const seq = median(times.seq) / median(times.c);
  const speedup = median(times.c) / median(times.par);
  const upload = median(uploads.ours) / median(uploads.c);
  console.log(`libvirt client benchmark: ${URI}, medians of ${REPS} repetitions, milliseconds\n`);
  console.log(`| ${"workload".padEnd(34)} | C seq.    | ours seq. | ours x${IN_FLIGHT}  |`);
  console.log(`|${"-".repeat(36)}|-----------|-----------|-----------|`);
  console.log(row(`define ${DOMAINS} domains`, (t) => t.define));
  console.log(row(`${ROUNDS} x ${DOMAINS} x (lookup, XML, active)`, (t) => t.rounds));
  console.log(row(`undefine ${DOMAINS}`, (t) => t.undefine));
  console.log(row("all of the above", total));
  const mib = (data / 2 ** 20).toFixed(0);
  console.log(
    `| ${`sparse upload 1 GiB (${mib} MiB data)`.padEnd(34)} |${ms(median(uploads.c))} |${ms(median(uploads.ours))} |${"-".padStart(10)} |`,
  );
  console.log("");
  console.log(
    `libvirt-client: sequential ours/C = ${seq.toFixed(2)}; ` +
      `${IN_FLIGHT}-in-flight speedup over C sequential = ${speedup.toFixed(2)}; ` +
      `upload ours/C = ${upload.toFixed(2)}`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

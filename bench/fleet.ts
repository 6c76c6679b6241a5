/**
 * npm run bench:fleet — what a preview and an `up` cost, against the engine's
 * own floor, in one run on one daemon, with the real CLI, program and
 * provider plugin:
 *
 *   X = a no-op preview of a 5-guest fleet / an empty program's preview
 *   Y = a no-op preview of a 100-guest fleet / of the 5-guest fleet
 *   Z = an `up` creating 20 guests / one creating 1
 *
 * Guests are defined only (`running: false`, no disks): what is measured is
 * deskfleet and Pulumi, not QEMU. Every preview reads the host first
 * (`refresh: always`), as a user's does. Medians of BENCH_REPS previews
 * (default 3). Not a test: nothing is asserted. LIBVIRT_URI names the daemon
 * (default qemu:///system). Objects: test-benchf-*, removed afterwards.
 */
import { performance } from "node:perf_hooks";
import type { TestProject } from "../test/support/project";
import { createTestProject } from "../test/support/project";

const URI = process.env.LIBVIRT_URI ?? "qemu:///system";
const REPS = Number(process.env.BENCH_REPS ?? 3);

/** `count` define-only guests. */
function fleet(prefix: string, count: number): string {
  const guests = Array.from(
    { length: count },
    (_, i) => `  test-benchf-${prefix}${i}: { type: qemu, memory: 64MiB, running: false }`,
  );
  return count === 0 ? "guests: {}\n" : `guests:\n${guests.join("\n")}\n`;
}

async function seconds(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function previewSeconds(project: TestProject): Promise<number> {
  await project.stack.preview(); // warm: plugin binaries in the page cache
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) times.push(await seconds(() => project.stack.preview()));
  return median(times);
}

async function main(): Promise<void> {
  const projects: TestProject[] = [];
  const make = async (name: string, yaml: string, program?: string) => {
    const project = await createTestProject(name, yaml, URI, program);
    projects.push(project);
    return project;
  };
  try {
    const empty = await make("benchf-empty", fleet("e", 0), "module.exports = {};\n");
    const emptyPreview = await previewSeconds(empty);

    const five = await make("benchf-5", fleet("f", 5));
    await five.stack.up();
    const fivePreview = await previewSeconds(five);

    const hundred = await make("benchf-100", fleet("h", 100));
    await hundred.stack.up();
    const hundredPreview = await previewSeconds(hundred);
    await hundred.stack.destroy();

    const one = await make("benchf-1", fleet("o", 1));
    const createOne = await seconds(() => one.stack.up());
    const twenty = await make("benchf-20", fleet("t", 20));
    const createTwenty = await seconds(() => twenty.stack.up());

    const x = fivePreview / emptyPreview;
    const y = hundredPreview / fivePreview;
    const z = createTwenty / createOne;
    console.log(
      `previews (median of ${REPS}): empty program ${emptyPreview.toFixed(2)} s, ` +
        `5 guests ${fivePreview.toFixed(2)} s, 100 guests ${hundredPreview.toFixed(2)} s; ` +
        `up creating 1 guest ${createOne.toFixed(2)} s, 20 guests ${createTwenty.toFixed(2)} s`,
    );
    console.log(
      `fleet: preview 5 guests / empty program = ${x.toFixed(2)}; 100 / 5 guests = ${y.toFixed(2)}; ` +
        `create 20 / 1 guests = ${z.toFixed(2)}`,
    );
  } finally {
    for (const project of projects.reverse()) {
      await project.stack.destroy().catch(() => undefined);
      await project.dispose();
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/**
 * Fault injection: the real CLI deploys a one-guest fleet to a private libvirt
 * host (scripts/second-host.sh, so that killing its daemon touches nothing
 * else), and a fault strikes at a chosen step of a create, an update or a
 * delete: libvirtd frozen (SIGSTOP) the moment deskfleet calls that procedure
 * (DESKFLEET_LIBVIRT_TRACE names each call as it goes out), then killed and
 * started again; or the `pulumi up` interrupted once or twice (SIGINT). Other
 * cases change the host behind deskfleet's back. Each case must end with the
 * next `up` (at most two) converging, a clean preview, no object on the host
 * that the stack does not hold, and the kept data disk's marker intact. The
 * suite prints the table of outcomes.
 */
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { LibvirtClient } from "../../libvirt";
import { objectsNamed, requireAppliance } from "../support/host";
import { secondHost } from "../support/hosts";
import type { TestProject } from "../support/project";
import { createTestProject, spawnTracedUp } from "../support/project";
import { waitFor } from "../support/wait";

// A case is a faulty up plus at most two more ups and a preview of a one-guest fleet: seconds each.
jest.setTimeout(180_000);

const HOST = secondHost("faults");
const POOL_DIR = HOST.poolDir("test-fi-pool");
const GUEST = "test-fi-guest";
const DATA = join(POOL_DIR, `${GUEST}-data.qcow2`);

let uri: string;
let project: TestProject;
let trace: string;
const virsh = (...args: string[]): string =>
  execFileSync("virsh", ["-q", "-c", uri, ...args], { encoding: "utf8" }).trim();

interface Shape {
  guest: boolean;
  running?: boolean;
  memory?: string;
}
/**
 * Raised by each update scenario, so that its `up` restarts the guest whatever its memory
 * change would need (a lower memory applies live, with no restart to break into).
 */
let restartGeneration = 0;
const fleet = ({ guest, running = true, memory = "128MiB" }: Shape) => `
pools:
  test-fi-pool: { path: ${POOL_DIR} }
networks:
  test-fi-net: { address: 10.83.0.1/24, dhcp: { start: 10.83.0.100, end: 10.83.0.150 } }
images:
  test-fi-appliance: { source: ${requireAppliance()}, pool: test-fi-pool }
guests:${
  guest
    ? `
  ${GUEST}:
    type: qemu
    memory: ${memory}
    running: ${running}
    restart: allowed
    restartGeneration: ${restartGeneration}
    disks:
      root: { image: test-fi-appliance }
      data: { size: 16MiB }
    interfaces: [{ network: test-fi-net }]`
    : " {}"
}
`;

/** The marker the guest's kept data disk holds from the start; checked after every case. */
function markerIntact(): boolean {
  const out = execFileSync(
    "qemu-io",
    ["-r", "-U", "-f", "qcow2", "-c", "read -P 0x7e 0 64k", DATA],
    { encoding: "utf8" },
  );
  return !/verification failed/i.test(out);
}

type Fault = "kill libvirtd" | "SIGINT" | "SIGINT twice";

/**
 * Runs `pulumi up` towards `shape` and strikes with `fault` as soon as deskfleet calls
 * `procedure` (its `occurrence`-th call). Resolves with the up's exit code when it has ended.
 */
async function upWithFault(shape: Shape, fault: Fault, procedure: string, occurrence = 1) {
  project.writeFleet(fleet(shape));
  const { child, exited } = spawnTracedUp(project, trace);
  let done = false;
  void exited.then(() => (done = true));
  const calls = () =>
    readFileSync(trace, "utf8")
      .split("\n")
      .filter((l) => l === procedure);
  await waitFor(
    `deskfleet's call of ${procedure}`,
    () => (done || calls().length >= occurrence ? true : undefined),
    120_000,
    2,
  );
  if (done) throw new Error(`the up ended before deskfleet called ${procedure}`);
  await strike(fault, child);
  return exited;
}

async function strike(fault: Fault, child: ChildProcess): Promise<void> {
  if (fault === "kill libvirtd") {
    const pid = HOST.pid();
    process.kill(pid, "SIGSTOP"); // frozen with deskfleet's call in flight
    process.kill(pid, "SIGKILL");
    HOST.start();
    return;
  }
  child.kill("SIGINT");
  if (fault === "SIGINT twice") {
    await new Promise((r) => setTimeout(r, 200));
    child.kill("SIGINT");
  }
}

/** Ups until a preview is clean: how many it took (at most two), or a failure. */
async function converge(shape: Shape): Promise<number> {
  project.writeFleet(fleet(shape));
  let lastError: unknown;
  for (let ups = 1; ups <= 2; ups++) {
    try {
      await project.stack.up();
    } catch (err) {
      lastError = err;
      continue;
    }
    const preview = await project.stack.preview();
    if (Object.keys(preview.changeSummary).every((k) => k === "same")) return ups;
    lastError = new Error(`preview after up ${ups}: ${JSON.stringify(preview.changeSummary)}`);
  }
  throw lastError;
}

/**
 * Objects on the host (all of them: the host is the test's own) that the stack does not hold,
 * but for the guest's data disk when the fleet no longer has the guest: that one is kept.
 */
async function orphans(shape: Shape): Promise<string[]> {
  const conn = await LibvirtClient.connect(uri);
  try {
    const onHost = await objectsNamed(conn, "");
    const state = (await project.stack.exportStack()).deployment as {
      resources: { type: string; outputs?: { name?: string } }[];
    };
    const held = new Set(state.resources.map((r) => r.outputs?.name).filter(Boolean));
    return [
      ...onHost.domains,
      ...onHost.networks.filter((n) => n !== "default"),
      ...onHost.pools,
      ...onHost.volumes,
    ].filter((name) => !held.has(name) && !(name === `${GUEST}-data.qcow2` && !shape.guest));
  } finally {
    await conn.close();
  }
}

const table: string[] = [];

/**
 * Converges after a case and checks what every case must leave; records its row, with how
 * the faulty up itself ended (`exit`: its exit code; undefined for a change made by hand).
 */
async function settle(
  fault: string,
  phase: string,
  exit?: number | null,
  shape: Shape = { guest: true },
) {
  const ups = await converge(shape);
  const left = await orphans(shape);
  const intact = markerIntact();
  const struck = exit === undefined ? "-" : exit === 0 ? "succeeded" : `failed (${exit})`;
  table.push(
    `| ${fault} | ${phase} | ${struck} | ${ups} | ${left.length} | ${intact ? "yes" : "NO"} |`,
  );
  expect(left).toEqual([]);
  expect(intact).toBe(true);
  expect(ups).toBeLessThanOrEqual(2);
}

beforeAll(async () => {
  HOST.stop(); // what an interrupted earlier run left
  uri = HOST.start();
  project = await createTestProject("test-faults", fleet({ guest: true, running: false }), uri);
  trace = join(project.dir, "libvirt-calls.log");
  await project.stack.up();
  // The marker goes in while the guest is off; qemu-io then only reads it, sharing the image.
  execFileSync("qemu-io", ["-f", "qcow2", "-c", "write -P 0x7e 0 64k", DATA]);
  project.writeFleet(fleet({ guest: true }));
  await project.stack.up();
});

afterAll(async () => {
  if (table.length > 0) {
    console.log(
      [
        "| fault | phase | the faulty up | ups to converge | orphans | kept data intact |",
        "|---|---|---|---|---|---|",
        ...table,
      ].join("\n"),
    );
  }
  await project?.stack.destroy().catch(() => undefined);
  await project?.dispose();
  HOST.stop();
});

// Create: the guest is removed (its data disk kept), then declared again while the fault strikes.
describe.each([
  ["kill libvirtd", "StorageVolCreateXml"],
  ["kill libvirtd", "DomainDefineXmlFlags"],
  ["kill libvirtd", "DomainCreateWithFlags"],
  ["SIGINT", "DomainDefineXmlFlags"],
  ["SIGINT twice", "DomainDefineXmlFlags"],
] as const)("%s at %s of a create", (fault, procedure) => {
  it("converges", async () => {
    await converge({ guest: false });
    const exit = await upWithFault({ guest: true }, fault, procedure);
    await settle(fault, `create, at ${procedure}`, exit);
  });
});

/** The guest's memory as the fleet declares it (the fleet's default at first). */
let declaredMemory = "128MiB";

describe.each([
  ["kill libvirtd", "DomainDefineXmlFlags"],
  ["kill libvirtd", "DomainShutdownFlags"],
  ["kill libvirtd", "DomainCreateWithFlags"],
] as const)("%s at %s of an update (memory, with a restart)", (fault, procedure) => {
  it("converges", async () => {
    // What the fleet declares flips each time: a change of the definition, whatever the running
    // guest has (a kill after the define leaves it running with the old size until a restart).
    declaredMemory = declaredMemory === "128MiB" ? "160MiB" : "128MiB";
    restartGeneration += 1;
    const memory = declaredMemory;
    const exit = await upWithFault({ guest: true, memory }, fault, procedure);
    await settle(fault, `update, at ${procedure}`, exit, { guest: true, memory });
  });
});

describe.each([
  ["kill libvirtd", "DomainUndefineFlags"],
  ["kill libvirtd", "StorageVolDelete"],
] as const)("%s at %s of a delete", (fault, procedure) => {
  it("converges", async () => {
    const exit = await upWithFault({ guest: false }, fault, procedure);
    await settle(fault, `delete, at ${procedure}`, exit, { guest: false });
    await converge({ guest: true });
  });
});

describe.each([
  ["pool stopped", () => virsh("pool-destroy", "test-fi-pool")],
  ["network stopped", () => virsh("net-destroy", "test-fi-net")],
  ["guest undefined", () => virsh("undefine", GUEST)],
  ["memory edited", () => virsh("setmaxmem", GUEST, "200M", "--config")],
] as const)("behind deskfleet's back: %s", (fault, act) => {
  it("converges", async () => {
    act();
    await settle(fault, "steady");
  });
});

it("behind deskfleet's back: the data volume deleted comes back blank", async () => {
  virsh("destroy", GUEST);
  virsh("vol-delete", "--pool", "test-fi-pool", `${GUEST}-data.qcow2`);
  const ups = await converge({ guest: true });
  table.push(
    `| data volume deleted | steady | - | ${ups} | ${(await orphans({ guest: true })).length} | (deleted by hand) |`,
  );
  expect(existsSync(DATA)).toBe(true);
  expect(await orphans({ guest: true })).toEqual([]);
  rmSync(trace, { force: true });
});

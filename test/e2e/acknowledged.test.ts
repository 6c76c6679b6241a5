/**
 * The guardrails that need the stored state, with the real engine: a move or
 * a rebuild the fleet file does not acknowledge fails the preview with the
 * policy pack, and passes once the fleet says so. CrossGuard shows policies
 * only new inputs; the provider's check adds what the update would do
 * (pendingChange.ts), and this proves the engine hands the policies those
 * checked inputs. The move is to a second URI of the same daemon (its socket
 * named): the URI is what moves a guest, and the preview is all that runs
 * against it. Objects: test-ack-*.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../support/host";
import { useDeployment } from "../support/deployment";
import { upAndClean } from "../support/converged";
import { systemHost } from "../support/hosts";

jest.setTimeout(300_000);

const POOL = "test-ack-pool";
const POOL_DIR = systemHost.poolDir(POOL);
const POLICIES = join(REPO_ROOT, "policies");
const G = "test-ack-g";
const images = mkdtempSync(join(tmpdir(), "test-ack-"));
for (const name of ["one", "two"]) {
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", join(images, `${name}.qcow2`), "64M"]);
}
afterAll(() => rmSync(images, { recursive: true, force: true }));

interface Shape {
  host?: "desk" | "alt";
  movedFrom?: string;
  image?: "one" | "two";
  rebuild?: number;
}

const deployed = useDeployment(systemHost, "test-ack", () => fleet({}), POOL_DIR);
/** The same daemon under another URI: a guest put on it would move. */
const altUri = () => `${deployed.uri}?socket=/run/libvirt/libvirt-sock`;

function fleet({ host = "desk", movedFrom, image = "one", rebuild = 0 }: Shape): string {
  return `
hosts:
  desk: ${deployed.uri}
  ${host === "alt" ? `alt: "${altUri()}"` : ""}
pools:
  ${POOL}: { path: ${POOL_DIR} }
images:
  test-ack-one: { source: ${join(images, "one.qcow2")} }
  test-ack-two: { source: ${join(images, "two.qcow2")} }
guests:
  ${G}:
    type: qemu
    memory: 64MiB
    running: false
    host: ${host}
    rebuild: ${rebuild}
    ${movedFrom !== undefined ? `movedFrom: ${movedFrom}` : ""}
    disks:
      root: { image: test-ack-${image} }
`;
}

const preview = () => deployed.project.stack.preview({ policyPacks: [POLICIES] });

beforeAll(async () => {
  await upAndClean(deployed.project);
});

it("a guest put on another host without movedFrom fails the preview, naming both hosts", async () => {
  deployed.project.writeFleet(fleet({ host: "alt" }));
  await expect(preview()).rejects.toThrow(
    new RegExp(
      `moves-are-acknowledged[\\s\\S]*guest "${G}" would move from ${deployed.uri.replace(/[/+.?]/g, "\\$&")} to ${altUri().replace(/[/+.?]/g, "\\$&")}, but the fleet does not say it is meant`,
    ),
  );
});

it("movedFrom naming the host it leaves acknowledges the move: the preview passes and says move", async () => {
  deployed.project.writeFleet(fleet({ host: "alt", movedFrom: "desk" }));
  const result = await preview();
  expect(result.stdout).not.toMatch(/mandatory|moves-are-acknowledged/);
  expect(result.stdout).toMatch(new RegExp(`move ${G}`));
});

it("a disk pointed at another image without rebuild raised fails; raising rebuild passes", async () => {
  deployed.project.writeFleet(fleet({ image: "two" }));
  await expect(preview()).rejects.toThrow(
    new RegExp(
      `rebuilds-are-acknowledged[\\s\\S]*guest "${G}" would have ${POOL}/${G}-root.qcow2 from test-ack-two.qcow2 made anew, deleting what is on them[\\s\\S]*raise its rebuild to 1`,
    ),
  );
  deployed.project.writeFleet(fleet({ image: "two", rebuild: 1 }));
  const result = await preview();
  expect(result.stdout).not.toMatch(/mandatory|rebuilds-are-acknowledged/);
  expect(result.stdout).toMatch(new RegExp(`rebuild ${G}`));
});

it("an acknowledged rebuild goes through; its stored pendingChange is no change at the next preview", async () => {
  deployed.project.writeFleet(fleet({ image: "two", rebuild: 1 }));
  const up = await deployed.project.stack.up({ policyPacks: [POLICIES] });
  expect(up.summary.result).toBe("succeeded");
  const result = await preview();
  expect(Object.keys(result.changeSummary)).toEqual(["same"]);
  expect(result.stdout).not.toMatch(/mandatory|advisory/);
});

/**
 * `deskfleet review` with the real CLI, engine, provider, policy pack and
 * daemon: a stack whose change deletes a data disk and breaks a mandatory
 * policy gets a review whose first lines say both, and whose diagram mermaid
 * parses; the preview changes nothing on the host.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, requireAppliance } from "../support/host";
import { renderMermaid } from "../support/mermaidRender";
import { useDeployment } from "../support/deployment";
import { systemHost } from "../support/hosts";
import { pulumiEnv } from "../support/project";

// An up of this define-only fleet and a preview take seconds each; the destroy after them more.
jest.setTimeout(300_000);

const POOL = "test-review-pool";
const POOL_DIR = systemHost.poolDir(POOL);

const guest = (name: string, memory: string, dataDisk: boolean) => `
  ${name}:
    type: qemu
    memory: ${memory}
    running: false
    disks:
      root: { image: test-review-app }${dataDisk ? "\n      data: { size: 16MiB, keep: false }" : ""}
    interfaces: [{ network: test-review-net }]`;

const fleet = (guests: string) => `
pools:
  ${POOL}: { path: ${POOL_DIR} }
networks:
  test-review-net: { address: 10.97.0.1/24 }
images:
  test-review-app: { source: ${requireAppliance()}, pool: ${POOL} }
guests:${guests}
`;

const deployed = useDeployment(
  systemHost,
  "test-review",
  () => fleet(guest("test-review-a", "64MiB", true)),
  POOL_DIR,
);

let out: string;
beforeAll(() => (out = mkdtempSync(join(tmpdir(), "test-review-"))));
afterAll(() => rmSync(out, { recursive: true, force: true }));

it("puts the data deletion and the policy violation at the top of the review", async () => {
  // Up without the policy pack: a data disk that is not kept, as a fleet made before the policy.
  const up = await deployed.project.stack.up();
  expect(up.summary.result).toBe("succeeded");

  // The change: guest a loses its data disk and gets more memory; guest b's data disk is not kept.
  deployed.project.writeFleet(
    fleet(guest("test-review-a", "96MiB", false) + guest("test-review-b", "64MiB", true)),
  );
  const file = join(out, "review.md");
  const run = spawnSync(
    process.execPath,
    [
      join(REPO_ROOT, "dist", "cli", "deskfleet.js"),
      "review",
      "--stack",
      "test-review",
      "--policy-pack",
      join(REPO_ROOT, "policies"),
      "--out",
      file,
    ],
    {
      cwd: deployed.project.dir,
      env: { ...process.env, ...pulumiEnv(deployed.project.dir) },
      encoding: "utf8",
    },
  );
  // The mandatory policy fails the preview: exit 1, the review written all the same.
  expect(run.stderr).toBe(
    "deskfleet review: the preview of test-review failed (the review says why)\n",
  );
  expect(run.status).toBe(1);

  const review = readFileSync(file, "utf8");
  const lines = review.split("\n");
  expect(lines.slice(0, 3)).toEqual(["<!-- deskfleet-review -->", "## deskfleet review", ""]);
  expect(lines.slice(3, 5)).toEqual([
    "- **Deletes data: guest test-review-a: disk data: blank volume test-review-pool/test-review-a-data.qcow2 (16 MiB) deleted, with the data on it** (stack test-review, host qemu:///system)",
    "- **Policy data-disks-are-kept stops this change: guest test-review-b, disk data: volume &quot;test-review-b-data.qcow2&quot; holds data but is not kept: declare the disk with &#96;keep: true&#96;** (stack test-review)",
  ]);
  expect(lines[5]).toBe("");
  expect(lines).toContain("| test-review-a | memory 64 MiB → 96 MiB (next boot) | next boot |");
  expect(lines).toContain(
    "| test-review-b | new guest (64 MiB, 1 vCPU, 2 disks, not started) | new |",
  );

  // The diagram as the comment has it, parsed by mermaid.
  const diagram = /```mermaid\n([\s\S]*?)```/.exec(review)?.[1] ?? "";
  expect(diagram).toMatch(/^flowchart LR\n/);
  const parsed = spawnSync(
    process.execPath,
    [join(REPO_ROOT, "test", "support", "mermaidParse.mjs")],
    { input: JSON.stringify([diagram]), encoding: "utf8" },
  );
  expect(JSON.parse(parsed.stdout)).toEqual([{ ok: true, type: "flowchart-v2" }]);
  // And drawn, as a pull-request page would: every guest, disk and network, styled.
  const [drawn] = renderMermaid([diagram]);
  expect(drawn.ok).toBe(true);
  expect(drawn.ok && drawn.nodes).toBe((diagram.match(/^\s+n\d+[[({]/gm) ?? []).length);
  expect(drawn.ok && drawn.styled.removed).toBeGreaterThan(0); // the deleted data disk

  // Pulumi's own text, folded away.
  expect(review).toMatch(
    /<details><summary>Pulumi's preview of test-review<\/summary>\n\n<pre>Previewing update \(test-review\):/,
  );

  // A preview: the data disk is still there.
  const pool = await deployed.conn.storagePoolLookupByName(POOL);
  const vol = await deployed.conn.storageVolLookupByName(pool, "test-review-a-data.qcow2");
  expect(vol.name).toBe("test-review-a-data.qcow2");
});

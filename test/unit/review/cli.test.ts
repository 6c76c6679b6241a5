/**
 * `deskfleet review` reading previews made elsewhere (the e2e test runs the
 * previews itself), and how it finds the pulumi CLI.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../../cli/deskfleet";
import { hostNamesOf } from "../../../cli/review";
import { PulumiNotFoundError, findPulumi, pathFor } from "../../../cli/pulumiBinary";

const FIXTURES = join(__dirname, "fixtures");
const fixture = (n: string) => join(FIXTURES, n);

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "test-review-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it("writes the review of an event log and text to --out, and exits 1 since that preview failed", async () => {
  const { io, out, err } = capture();
  const file = join(dir, "review.md");
  const args = ["review", "--event-log", fixture("update.events.jsonl")];
  const code = await main([...args, "--text", fixture("update.preview.txt"), "--out", file], io);
  expect(code).toBe(1);
  expect(out).toEqual([]);
  expect(err.join("")).toBe(
    "deskfleet review: the preview of test-revp failed (the review says why)\n",
  );
  // The stack's name comes from the URNs; the review is the golden one of this preview.
  expect(readFileSync(file, "utf8")).toBe(
    readFileSync(
      join(__dirname, "golden", "update-replace-delete-and-policy-violations-real.md"),
      "utf8",
    ),
  );
});

it("reviews two previews at once, named by --stack, the JSON one without policy findings", async () => {
  const { io, out } = capture();
  const code = await main(
    [
      "review",
      "--from",
      fixture("update.preview.json"),
      "--from",
      fixture("create.preview.json"),
      "--stack",
      "desk",
      "--stack",
      "laptop",
    ],
    io,
  );
  expect(code).toBe(1);
  const md = out.join("");
  expect(md.match(/^### Stack .*$/gm)).toEqual(["### Stack desk", "### Stack laptop"]);
  expect(md).toContain("Not checked here: policy findings come from the preview's event log.");
  expect(md.split("\n")[3]).toMatch(/^- \*\*Deletes data: guest test-revp-c: disk data: /);
});

it.each([
  [["review", "extra"], 2, /unexpected "extra"/],
  [["review", "extra", "--", "--diff"], 2, /unexpected "extra"/],
  [
    ["review", "--event-log", fixture("create.events.jsonl"), "--", "--config", "a=b"],
    1,
    /"-- --config a=b" is for a preview it runs, not one it reads/,
  ],
  [
    ["review", "--from", "/nonexistent/p.json"],
    1,
    /^deskfleet review: .*ENOENT.*\/nonexistent\/p\.json/,
  ],
  [
    ["review", "--event-log", fixture("update.preview.json")],
    1,
    /update\.preview\.json: one JSON document, not an engine event a line/,
  ],
])("%j exits %i", async (argv, status, message) => {
  const { io, err } = capture();
  expect(await main(argv, io)).toBe(status);
  expect(err.join("")).toMatch(message);
});

describe("findPulumi", () => {
  const has =
    (...paths: string[]) =>
    (p: string) =>
      paths.includes(p);
  it("prefers the clone's .tools/bin, then PATH, then ~/.pulumi/bin", () => {
    const all = has("/r/.tools/bin/pulumi", "/usr/bin/pulumi", "/h/.pulumi/bin/pulumi");
    expect(findPulumi("/r", "/bin:/usr/bin", "/h", all)).toBe("/r/.tools/bin/pulumi");
    const noTools = has("/usr/bin/pulumi", "/h/.pulumi/bin/pulumi");
    expect(findPulumi("/r", "/bin:/usr/bin", "/h", noTools)).toBe("/usr/bin/pulumi");
    expect(findPulumi("/r", "/bin", "/h", has("/h/.pulumi/bin/pulumi"))).toBe(
      "/h/.pulumi/bin/pulumi",
    );
  });

  it("says where it looked when there is none", () => {
    expect(() => findPulumi("/r", "/bin", "/h", () => false)).toThrow(PulumiNotFoundError);
  });

  it("runs pulumi with its own folder first on PATH (its language host is beside it)", () => {
    expect(pathFor("/r/.tools/bin/pulumi", "/bin:/usr/bin")).toBe("/r/.tools/bin:/bin:/usr/bin");
  });
});

it("names hosts as the stack's fleet does; {} where the project, stack or fleet cannot be read", () => {
  writeFileSync(join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nstackConfigDir: stacks\n");
  mkdirSync(join(dir, "stacks"));
  writeFileSync(
    join(dir, "stacks", "Pulumi.desk.yaml"),
    "config:\n  deskfleet:fleet: [stacks/fleet.yaml]\n",
  );
  writeFileSync(
    join(dir, "stacks", "fleet.yaml"),
    "hosts:\n  desk: qemu:///system\n  laptop: qemu+ssh://me@laptop/system\n",
  );
  expect(hostNamesOf("desk", join(dir, "stacks"))).toEqual({
    "qemu:///system": "desk",
    "qemu+ssh://me@laptop/system": "laptop",
  });
  expect(hostNamesOf("other", dir)).toEqual({});
  writeFileSync(join(dir, "stacks", "fleet.yaml"), "hosts: [not, a, map]\n");
  expect(hostNamesOf("desk", dir)).toEqual({});
  expect(hostNamesOf("desk", tmpdir())).toEqual({});
});

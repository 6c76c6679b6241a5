/** `deskfleet affected`: which stacks a pull request's changed paths touch. */
import { affectedCommand, affectedStacks, parsePathList } from "../../../cli/affected";
import { main } from "../../../cli/deskfleet";
import type { StackConfig } from "../../../cli/stackConfigs";
import {
  StackConfigError,
  findProjectRoot,
  parseStackConfig,
  readStackConfigs,
} from "../../../cli/stackConfigs";
import { Exit } from "../../../snapshots/commands";
import { REPO_ROOT } from "../../support/host";
import { Project } from "./project";

const STACKS: StackConfig[] = [
  {
    stack: "desk",
    file: "stacks/Pulumi.desk.yaml",
    fleet: ["stacks/fleet.yaml", "stacks/desk.yaml"],
  },
  {
    stack: "laptop",
    file: "stacks/Pulumi.laptop.yaml",
    fleet: ["./stacks/fleet.yaml", "stacks/laptop.yaml"],
  },
  { stack: "lab", file: "stacks/Pulumi.lab.yaml", fleet: ["lab/fleet.yaml"] },
];

test.each([
  ["the shared fleet file", ["stacks/fleet.yaml"], ["desk", "laptop"]],
  ["one machine's overrides", ["stacks/laptop.yaml"], ["laptop"]],
  ["one stack's config", ["stacks/Pulumi.desk.yaml"], ["desk"]],
  ["a fleet file outside stacks/", ["lab/fleet.yaml"], ["lab"]],
  [
    "paths written with ./ or a/../",
    ["./stacks/desk.yaml", "lab/x/../fleet.yaml"],
    ["desk", "lab"],
  ],
  ["several, in the stacks' order", ["stacks/laptop.yaml", "stacks/desk.yaml"], ["desk", "laptop"]],
  ["code, docs and other YAML only", ["README.md", "components/plan.ts", "stacks/FORMAT.md"], []],
  ["a file that merely looks alike", ["stacks/fleet.yaml.orig", "other/stacks/fleet.yaml"], []],
  ["nothing", [], []],
])("%s", (_what, changed, expected) => {
  expect(affectedStacks(STACKS, changed)).toEqual(expected);
});

test("a path list as git diff --name-only writes it, blank lines and CRs dropped", () => {
  expect(parsePathList("a.yaml\r\n\nstacks/b c.yaml\n")).toEqual(["a.yaml", "stacks/b c.yaml"]);
});

describe("stack configs", () => {
  test("this repository's: stack example on stacks/example.yaml", () => {
    expect(readStackConfigs(REPO_ROOT)).toEqual([
      {
        stack: "example",
        file: "stacks/Pulumi.example.yaml",
        uri: "qemu:///system",
        fleet: ["stacks/example.yaml"],
      },
    ]);
    expect(affectedStacks(readStackConfigs(REPO_ROOT), ["stacks/example.yaml"])).toEqual([
      "example",
    ]);
  });

  test("the project root is found from a folder below it", () => {
    expect(findProjectRoot(`${REPO_ROOT}/test/unit/cli`)).toBe(REPO_ROOT);
    expect(findProjectRoot("/")).toBeUndefined();
  });

  test.each([
    ["config: [\n", "stacks/Pulumi.x.yaml: not valid YAML"],
    ["config:\n  deskfleet:uri: 7\n", "stacks/Pulumi.x.yaml: deskfleet:uri must be a string"],
    [
      "config:\n  deskfleet:fleet: stacks/a.yaml\n",
      "stacks/Pulumi.x.yaml: deskfleet:fleet must be a list of file names",
    ],
    ["config:\n  deskfleet:fleet: [1]\n", "deskfleet:fleet must be a list of file names"],
  ])("%j is refused", (text, message) => {
    expect(() => parseStackConfig("x", "stacks/Pulumi.x.yaml", text)).toThrow(StackConfigError);
    expect(() => parseStackConfig("x", "stacks/Pulumi.x.yaml", text)).toThrow(message);
  });

  test("without deskfleet settings, a stack has no fleet files", () => {
    expect(parseStackConfig("x", "f", "encryptionsalt: v1:a\n")).toEqual({
      stack: "x",
      file: "f",
      fleet: [],
    });
  });
});

describe("the command", () => {
  let p: Project;
  beforeEach(() => {
    p = Project.example({
      "stacks/Pulumi.laptop.yaml":
        "config:\n  deskfleet:fleet: [stacks/example.yaml, stacks/laptop.yaml]\n",
    });
  });
  afterEach(() => p.remove());

  function run(options: { paths?: string[]; changedFile?: string; json?: boolean }, stdin = "") {
    let out = "";
    let err = "";
    const code = affectedCommand(
      { root: p.root, paths: options.paths ?? [], json: options.json ?? false, ...options },
      { out: (t) => (out += t), err: (t) => (err += t) },
      (f) => (f === 0 ? stdin : p.read(String(f).slice(p.root.length + 1))),
    );
    return { code, out, err };
  }

  test("paths as arguments, one stack per line", () => {
    expect(run({ paths: ["stacks/example.yaml"] })).toEqual({
      code: Exit.Ok,
      out: "example\nlaptop\n",
      err: "",
    });
  });

  test("--changed FILE and --json, as the workflow calls it", () => {
    p.write("changed.txt", "README.md\nstacks/laptop.yaml\n");
    expect(run({ changedFile: `${p.root}/changed.txt`, json: true }).out).toBe('["laptop"]\n');
  });

  test("--changed - reads standard input; nothing touched is an empty list", () => {
    expect(run({ changedFile: "-", json: true }, "README.md\n").out).toBe("[]\n");
  });

  test("a malformed stack config fails, naming it", () => {
    p.write("stacks/Pulumi.bad.yaml", "config: [\n");
    const { code, err } = run({ paths: ["x"] });
    expect(code).toBe(Exit.Failed);
    expect(err).toContain("deskfleet affected: stacks/Pulumi.bad.yaml: not valid YAML");
  });
});

describe("the deskfleet command line (run in this repository)", () => {
  async function cli(...argv: string[]) {
    let out = "";
    let err = "";
    const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  test("affected", async () => {
    expect(await cli("affected", "stacks/example.yaml", "README.md")).toEqual({
      code: Exit.Ok,
      out: "example\n",
      err: "",
    });
    expect((await cli("affected", "--json", "README.md")).out).toBe("[]\n");
  });

  test.each([[["init"]], [["init", "a", "b"]]])("%j is a usage error", async (argv) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(Exit.Usage);
    expect(err).toContain("deskfleet: init needs one machine name: init MACHINE");
    expect(err).toContain("deskfleet init MACHINE [--uri URI] [--fleet FILE]… [--force]");
  });
});

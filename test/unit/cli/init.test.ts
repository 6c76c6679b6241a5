/** `deskfleet init`: the checks (all before anything is written), the two files, the next steps. */
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { loadFleet } from "../../../fleet/load";
import type { InitIssueCode, InitOptions } from "../../../cli/init";
import { InitError, planInit, stackNameProblem, writeInit } from "../../../cli/init";
import { initCommand, nextSteps } from "../../../cli/initCommand";
import { SKELETON_MARKER, key } from "../../../cli/overrides";
import { Exit } from "../../../snapshots/commands";
import { REPO_ROOT } from "../../support/host";
import { Project } from "./project";

let projects: Project[] = [];
afterEach(() => {
  for (const p of projects) p.remove();
  projects = [];
});
function project(make: () => Project = () => Project.example()): Project {
  const p = make();
  projects.push(p);
  return p;
}

function run(p: Project, options: Partial<InitOptions> & { cwd?: string } = {}) {
  let out = "";
  let err = "";
  const code = initCommand(
    { root: p.root, cwd: p.root, machine: "laptop", ...options },
    { out: (t) => (out += t), err: (t) => (err += t) },
    {},
  );
  return { code, out, err };
}

/** The codes planInit throws; fails when it throws anything else or nothing. */
function codesOf(options: InitOptions): InitIssueCode[] {
  try {
    planInit(options);
  } catch (err) {
    if (err instanceof InitError) return err.issues.map((i) => i.code);
    throw err;
  }
  throw new Error("expected an InitError");
}

/** The new stack config's `config` map. */
const stackConfig = (p: Project) =>
  (parse(p.read("stacks/Pulumi.laptop.yaml")) as { config: Record<string, unknown> }).config;

const load = (p: Project, files: string[]) => loadFleet(files, { cwd: p.root, checkImages: false });

/** The overrides file with its skeleton uncommented (the header stays a comment). */
function uncommented(text: string): string {
  const [head, body] = text.split(`${SKELETON_MARKER}\n`);
  return `${head}${body.replace(/^# ?/gm, "")}`;
}

describe("a new machine", () => {
  test("writes the stack config (host, shared fleet then overrides) and says what it chose", () => {
    const p = project();
    const { code, out, err } = run(p, { uri: "qemu+ssh://me@laptop/system" });
    expect(err).toBe("");
    expect(code).toBe(Exit.Ok);
    expect(parse(p.read("stacks/Pulumi.laptop.yaml"))).toEqual({
      config: {
        "deskfleet:uri": "qemu+ssh://me@laptop/system",
        "deskfleet:fleet": ["stacks/example.yaml", "stacks/laptop.yaml"],
      },
    });
    expect(out).toContain(
      "wrote stacks/Pulumi.laptop.yaml (deskfleet:uri qemu+ssh://me@laptop/system)",
    );
    expect(out).toContain("wrote stacks/laptop.yaml");
    expect(out).toContain(
      "shared fleet: stacks/example.yaml, named by every stack config (stacks/Pulumi.example.yaml)",
    );
    expect(out).toContain("the merged fleet loads: 1 guest, 1 network, 1 pool");
    expect(out).toContain("DESKFLEET_STACK=laptop npm run preview");
  });

  test("the host defaults to qemu:///system", () => {
    const p = project();
    expect(run(p).code).toBe(Exit.Ok);
    expect(stackConfig(p)["deskfleet:uri"]).toBe("qemu:///system");
  });

  test("the overrides file is all comments: the machine gets the shared fleet unchanged", () => {
    const p = project();
    run(p);
    const text = p.read("stacks/laptop.yaml");
    expect(text.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual([]);
    expect(load(p, ["stacks/example.yaml", "stacks/laptop.yaml"])).toEqual(
      load(p, ["stacks/example.yaml"]),
    );
  });

  test("the overrides file names the shared fleet's guests, networks, pools and images", () => {
    const p = project();
    run(p);
    const text = p.read("stacks/laptop.yaml");
    expect(text).toContain("#   guests: demo (256MiB, 1 vcpu)");
    expect(text).toContain("#   networks: demo-net");
    expect(text).toContain("#   pools: deskfleet");
    expect(text).toContain("#   images: appliance");
    expect(text).toContain("#   not on this machine:  guests: { demo: null }");
  });

  test("uncommented as it is, the skeleton still changes nothing", () => {
    const p = project();
    run(p);
    p.write("stacks/laptop.yaml", uncommented(p.read("stacks/laptop.yaml")));
    expect(p.read("stacks/laptop.yaml")).toContain("guests:\n  demo:");
    expect(load(p, ["stacks/example.yaml", "stacks/laptop.yaml"])).toEqual(
      load(p, ["stacks/example.yaml"]),
    );
  });

  test("edited as its comments say, it changes memory, or drops the guest", () => {
    const p = project();
    run(p);
    const skeleton = uncommented(p.read("stacks/laptop.yaml"));
    p.write("stacks/laptop.yaml", skeleton.replace("memory: 256MiB", "memory: 1GiB"));
    const files = ["stacks/example.yaml", "stacks/laptop.yaml"];
    expect(load(p, files).guests.map((g) => [g.name, g.memory])).toEqual([["demo", 1024 ** 3]]);
    p.write("stacks/laptop.yaml", skeleton.replace(/ {2}demo:.*\n(?: {4}.*\n)*/, "  demo: null\n"));
    expect(load(p, files).guests).toEqual([]);
  });

  test("a fleet with no guests, networks or pools gets an empty skeleton that loads", () => {
    const p = project(() =>
      Project.example({ "stacks/example.yaml": "snapshotSchedules:\n  d: { daily: 1 }\n" }),
    );
    expect(run(p).code).toBe(Exit.Ok);
    expect(p.read("stacks/laptop.yaml")).toContain("#   guests: none");
  });

  test("the shared fleet is what every other stack config names, in the first one's order", () => {
    const p = project(() =>
      Project.example({
        "stacks/base.yaml": "pools:\n  p: { path: /var/lib/p }\n",
        "stacks/Pulumi.example.yaml":
          "config:\n  deskfleet:fleet: [stacks/base.yaml, stacks/example.yaml]\n",
        "stacks/Pulumi.desk.yaml":
          "config:\n  deskfleet:fleet: [./stacks/base.yaml, stacks/example.yaml, stacks/desk.yaml]\n",
        "stacks/desk.yaml": "guests:\n  demo: { memory: 2GiB }\n",
      }),
    );
    const { out } = run(p);
    expect(stackConfig(p)["deskfleet:fleet"]).toEqual([
      "stacks/base.yaml",
      "stacks/example.yaml",
      "stacks/laptop.yaml",
    ]);
    expect(out).toContain(
      "named by every stack config (stacks/Pulumi.desk.yaml, stacks/Pulumi.example.yaml)",
    );
  });

  test("--fleet names the shared files, in order, relative to where the command runs", () => {
    const p = project(() =>
      Project.example({ "stacks/extra.yaml": "guests:\n  more: { memory: 1GiB }\n" }),
    );
    const { code, out } = run(p, {
      cwd: path.join(p.root, "stacks"),
      fleet: ["extra.yaml", "example.yaml"],
    });
    expect(code).toBe(Exit.Ok);
    expect(stackConfig(p)["deskfleet:fleet"]).toEqual([
      "stacks/extra.yaml",
      "stacks/example.yaml",
      "stacks/laptop.yaml",
    ]);
    expect(out).toContain(
      "shared fleet: stacks/extra.yaml, stacks/example.yaml, given with --fleet",
    );
  });
});

test("the README's walk-through: its laptop overrides give demo 512MiB on the laptop", () => {
  const readme = readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const overrides = /```yaml\n( *# stacks\/laptop\.yaml — only what differs[\s\S]*?)```/.exec(
    readme,
  )?.[1];
  expect(overrides).toBeDefined();
  const p = project();
  expect(run(p).code).toBe(Exit.Ok);
  p.write("stacks/laptop.yaml", (overrides ?? "").replace(/^ {3}/gm, ""));
  const spec = load(p, ["stacks/example.yaml", "stacks/laptop.yaml"]);
  expect(spec.guests.map((g) => [g.name, g.memory])).toEqual([["demo", 512 * 1024 ** 2]]);
});

describe("bad input: one clear error, nothing written", () => {
  function refused(p: Project, options: Partial<InitOptions>, message: string) {
    const before = p.snapshot();
    const { code, out, err } = run(p, options);
    expect(code).toBe(Exit.Failed);
    expect(out).toBe("");
    expect(err).toContain("deskfleet init: nothing was written:");
    expect(err).toContain(message);
    expect(p.snapshot()).toEqual(before);
  }

  test.each([
    ["", 'stack name "" is empty'],
    ["my laptop", 'stack name "my laptop" has " "'],
    ["org/laptop", 'stack name "org/laptop" has "/"'],
    ["laptop!", 'has "!"'],
    ["x".repeat(101), "is longer than 100 characters"],
    [".hidden", 'starts with ".": its files would be hidden'],
    ["..", 'starts with "."'],
    ["Pulumi.laptop", 'starts with "Pulumi."'],
  ])("stack name %j", (machine, message) => {
    const p = project();
    refused(p, { machine }, message);
    expect(codesOf({ root: p.root, machine })).toEqual(["invalid_stack_name"]);
  });

  test.each(["laptop", "desk_2.home", "A-1", "x".repeat(100), "007"])(
    "stack name %j is taken",
    (machine) => {
      expect(stackNameProblem(machine)).toBeUndefined();
    },
  );

  test.each([
    ["laptop", "is not of the form driver[+transport]://"],
    ["qemu+bogus://desk/system", 'unknown transport "bogus"'],
    ["qemu+ssh://me@desk:99999/system", 'port "99999" is not 1-65535'],
    ["qemu+unix://desk/system", "the unix transport cannot reach a host"],
    ["qemu:///system#x", "must not have a #fragment"],
    ["qemu+ssh://desk/system?no_verify=yes", "no_verify must be 0 or 1"],
  ])("URI %j", (uri, message) => {
    const p = project();
    refused(p, { uri }, `--uri: libvirt URI ${JSON.stringify(uri)}: ${message}`);
    expect(codesOf({ root: p.root, machine: "laptop", uri })).toEqual(["invalid_uri"]);
  });

  test.each(["stacks/Pulumi.laptop.yaml", "stacks/laptop.yaml"])("%s exists", (file) => {
    const p = project(() => Project.example({ [file]: "# mine\n" }));
    refused(p, {}, `${file} exists (--force replaces it)`);
    expect(p.read(file)).toBe("# mine\n");
  });

  test("a shared fleet file that does not exist", () => {
    const p = project();
    refused(
      p,
      { fleet: ["stacks/nope.yaml"] },
      "shared fleet file stacks/nope.yaml does not exist",
    );
  });

  test("a stack config naming a fleet file that does not exist", () => {
    const p = project(() =>
      Project.example({
        "stacks/Pulumi.example.yaml": "config:\n  deskfleet:fleet: [stacks/gone.yaml]\n",
      }),
    );
    refused(p, {}, "shared fleet file stacks/gone.yaml does not exist");
  });

  test("a shared fleet file that does not load names the file, line and column", () => {
    const p = project(() =>
      Project.example({ "stacks/example.yaml": "guests:\n  demo:\n    memory: lots\n" }),
    );
    refused(
      p,
      {},
      "the shared fleet does not load:\n    stacks/example.yaml:3:13: guests.demo.memory: expected a size",
    );
    expect(codesOf({ root: p.root, machine: "laptop" })).toEqual(["fleet_invalid"]);
  });

  test("no stack config to take the shared fleet from", () => {
    const p = project(() => new Project({ "stacks/example.yaml": "{}\n" }));
    refused(
      p,
      {},
      "no stack config in stacks/ to take the shared fleet from: name it with --fleet FILE",
    );
  });

  test("stack configs that share no fleet file", () => {
    const p = project(() =>
      Project.example({
        "stacks/Pulumi.desk.yaml": "config:\n  deskfleet:fleet: [stacks/desk.yaml]\n",
        "stacks/desk.yaml": "{}\n",
      }),
    );
    refused(
      p,
      {},
      "no fleet file is named by every stack config (desk: stacks/desk.yaml; example: stacks/example.yaml)",
    );
  });

  test("a stack config that is not valid YAML", () => {
    const p = project(() => Project.example({ "stacks/Pulumi.desk.yaml": "config: [\n" }));
    refused(p, {}, "stacks/Pulumi.desk.yaml: not valid YAML");
    // --fleet does not need the other stack configs.
    expect(run(p, { fleet: ["stacks/example.yaml"] }).code).toBe(Exit.Ok);
  });

  test("an overrides file that would be a shared fleet file, even with --force", () => {
    const p = project(() =>
      Project.example({
        "stacks/Pulumi.desk.yaml": "config:\n  deskfleet:fleet: [stacks/example.yaml]\n",
      }),
    );
    refused(
      p,
      { machine: "example", force: true },
      'stacks/example.yaml is a shared fleet file, so it cannot be machine "example"\'s overrides',
    );
  });

  test("every problem at once", () => {
    const p = project();
    expect(
      codesOf({ root: p.root, machine: "my laptop", uri: "laptop", fleet: ["x.yaml"] }),
    ).toEqual(["invalid_stack_name", "invalid_uri", "fleet_not_found"]);
  });
});

describe("--force", () => {
  test("replaces both files; the stack config keeps its other settings", () => {
    const p = project(() =>
      Project.example({
        "stacks/Pulumi.laptop.yaml":
          "encryptionsalt: v1:abc\nconfig:\n  deskfleet:uri: qemu:///old\n  deskfleet:fleet: [stacks/old.yaml]\n  deskfleet:console:\n    secure: v1:xyz\n",
        "stacks/laptop.yaml": "guests:\n  demo: { memory: 1GiB }\n",
      }),
    );
    const { code, out } = run(p, { force: true, uri: "qemu+ssh://me@laptop/system" });
    expect(code).toBe(Exit.Ok);
    expect(parse(p.read("stacks/Pulumi.laptop.yaml"))).toEqual({
      encryptionsalt: "v1:abc",
      config: {
        "deskfleet:uri": "qemu+ssh://me@laptop/system",
        "deskfleet:fleet": ["stacks/example.yaml", "stacks/laptop.yaml"],
        "deskfleet:console": { secure: "v1:xyz" },
      },
    });
    expect(p.read("stacks/laptop.yaml")).toContain(SKELETON_MARKER);
    expect(out).toContain("replaced stacks/Pulumi.laptop.yaml");
    expect(out).toContain("replaced stacks/laptop.yaml");
  });

  test("a stack config that cannot be edited is replaced whole", () => {
    const p = project(() => Project.example({ "stacks/Pulumi.laptop.yaml": "config: [1, 2]\n" }));
    expect(run(p, { force: true }).code).toBe(Exit.Ok);
    expect(stackConfig(p)["deskfleet:fleet"]).toHaveLength(2);
  });
});

test("a write that fails half way leaves neither file nor a temporary one", () => {
  const p = project();
  const plan = planInit({ root: p.root, machine: "laptop" });
  // The overrides' place is taken by a directory: its rename fails after the stack config's.
  mkdirSync(path.join(p.root, "stacks", "laptop.yaml"));
  expect(() => writeInit(p.root, plan)).toThrow();
  expect(existsSync(path.join(p.root, "stacks", "Pulumi.laptop.yaml"))).toBe(false);
  expect(readdirSync(path.join(p.root, "stacks")).sort()).toEqual([
    "Pulumi.example.yaml",
    "example.yaml",
    "laptop.yaml",
  ]);
});

test("the command says so when writing fails, and leaves nothing behind", () => {
  const p = project();
  mkdirSync(path.join(p.root, "stacks", "laptop.yaml"));
  const { code, out, err } = run(p, { force: true });
  expect(code).toBe(Exit.Failed);
  expect(out).toBe("");
  expect(err).toMatch(/^deskfleet init: nothing was written:\n {2}EISDIR: /);
  expect(readdirSync(path.join(p.root, "stacks")).sort()).toEqual([
    "Pulumi.example.yaml",
    "example.yaml",
    "laptop.yaml",
  ]);
});

describe("next steps", () => {
  const plan = () => planInit({ root: projects[0].root, machine: "laptop" });
  beforeEach(() => project());

  test("as scripts/stack.sh runs them: the local backend under .state/, an empty passphrase", () => {
    const root = projects[0].root;
    const text = nextSteps(plan(), root, {});
    expect(text).toContain("2. DESKFLEET_STACK=laptop npm run preview");
    expect(text).toContain(`runs \`pulumi stack init laptop\` in file://${root}/.state`);
    expect(text).toContain(
      `by hand: PULUMI_BACKEND_URL=file://${root}/.state PULUMI_CONFIG_PASSPHRASE= pulumi stack init laptop`,
    );
    expect(text).toContain("3. DESKFLEET_STACK=laptop npm run up");
  });

  test("with PULUMI_BACKEND_URL set, that backend", () => {
    const text = nextSteps(plan(), projects[0].root, { PULUMI_BACKEND_URL: "s3://b/deskfleet" });
    expect(text).toContain("in s3://b/deskfleet");
    expect(text).toContain("by hand: pulumi stack init laptop)");
  });
});

test.each([
  ["demo", "demo"],
  ["demo-net", "demo-net"],
  ["007", '"007"'],
  ["1e3", '"1e3"'],
  ["null", '"null"'],
  ["True", '"True"'],
  ["a.b_c", "a.b_c"],
])("the YAML key of %j is %s", (name, expected) => {
  expect(key(name)).toBe(expected);
  expect(Object.keys(parse(`${key(name)}: 1`) as object)).toEqual([name]);
});

/**
 * Which Pulumi CLI setup uses (scripts/setup-pulumi.sh --decide), with fake
 * `pulumi` binaries on PATH: a person's own official CLI at or above the SDK's
 * version, with its own language host, is used; only otherwise is one built.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../../support/host";

const SDK = (
  JSON.parse(
    readFileSync(join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
  ) as { version: string }
).version;
const [major, minor] = SDK.split(".").map(Number);
const NEWER = `v${major}.${minor + 11}.2`;
const OLDER = `v${major}.${minor - 9}.0`;

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "deskfleet-pulumi-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A folder with a fake `pulumi` printing `version`, and optionally a language host. */
function install(dir: string, version: string, languageHost = true): string {
  const bin = join(work, dir);
  mkdirSync(bin, { recursive: true });
  const write = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  write("pulumi", `echo ${version}`);
  if (languageHost) write("pulumi-language-nodejs", "exit 0");
  return bin;
}

function decide(path: string[]): string {
  return execFileSync("bash", [join(REPO_ROOT, "scripts", "setup-pulumi.sh"), "--decide"], {
    env: { PATH: [...path, "/usr/bin", "/bin"].join(":"), HOME: join(work, "home") },
    encoding: "utf8",
  }).trim();
}

test("the SDK's version is the one setup builds", () => {
  const env = execFileSync(
    "bash",
    ["-c", `source scripts/lib/env.sh; echo $DESKFLEET_PULUMI_VERSION`],
    {
      cwd: REPO_ROOT,
      encoding: "utf8",
    },
  );
  expect(env.trim()).toBe(SDK);
});

test("no pulumi anywhere: build", () => {
  expect(decide([])).toBe("build no pulumi on PATH or in ~/.pulumi/bin");
});

test.each([
  ["exactly the SDK's version", `v${SDK}`],
  ["a newer one", NEWER],
  ["a newer major", "v4.0.0"],
])("%s with its language host: used", (_what, version) => {
  const bin = install("a", version);
  expect(decide([bin])).toBe(`use ${bin}/pulumi ${version}`);
});

test.each([
  ["an older one", OLDER, "needs"],
  ["a pre-release of the SDK's version", `v${SDK}-dev.0`, "needs"],
  ["one that prints no version", "", "of no version"],
  ["one that prints something else", "pulumi", "needs"],
])("%s: build, saying why", (_what, version, why) => {
  const bin = install("a", version);
  const choice = decide([bin]);
  expect(choice).toMatch(/^build /);
  expect(choice).toContain(`${bin}/pulumi`);
  expect(choice).toContain(why);
});

test("a newer one without pulumi-language-nodejs beside it: build, saying why", () => {
  const bin = install("a", NEWER, false);
  expect(decide([bin])).toBe(
    `build ${bin}/pulumi ${NEWER} has no pulumi-language-nodejs beside it`,
  );
});

test("an older one first on PATH and a newer one later: the newer one", () => {
  const old = install("old", OLDER);
  const recent = install("recent", NEWER);
  expect(decide([old, recent])).toBe(`use ${recent}/pulumi ${NEWER}`);
});

test("Pulumi's installer location is found when it is not on PATH", () => {
  const bin = install("home/.pulumi/bin", NEWER);
  expect(decide([])).toBe(`use ${bin}/pulumi ${NEWER}`);
});

/**
 * The pull-request preview workflow passes actionlint (v1.7.12, installed by
 * scripts/setup-actionlint.sh), with shellcheck checking every `run:` block:
 * actionlint skips that check silently when shellcheck is not on PATH, so this
 * test insists on it (scripts/packages.txt installs it). A broken copy of the
 * workflow shows that each kind of finding fails the check.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../../support/host";

const ACTIONLINT = join(REPO_ROOT, ".tools", "bin", "actionlint");
const WORKFLOW = join(REPO_ROOT, ".github", "workflows", "deskfleet-preview.yml");
const TEXT = readFileSync(WORKFLOW, "utf8");

interface Finding {
  kind: string;
  message: string;
  line: number;
}

/** actionlint's findings for the workflow file `file` (run from `cwd`). */
function lint(file: string, cwd = REPO_ROOT): Finding[] {
  if (!existsSync(ACTIONLINT)) {
    throw new Error(`${ACTIONLINT} is missing: run bash scripts/setup-actionlint.sh`);
  }
  const run = spawnSync(ACTIONLINT, ["-shellcheck=shellcheck", "-format", "{{json .}}", file], {
    cwd,
    encoding: "utf8",
  });
  if (run.status !== 0 && run.status !== 1) {
    throw new Error(`actionlint failed (${run.status}): ${run.stderr}`);
  }
  const findings = JSON.parse(run.stdout || "[]") as Finding[];
  // Exit 1 exactly when there are findings.
  expect(run.status).toBe(findings.length > 0 ? 1 : 0);
  return findings;
}

test("shellcheck is there, so actionlint checks the run: blocks", () => {
  expect(execFileSync("shellcheck", ["--version"], { encoding: "utf8" })).toMatch(/version: \d/);
});

test("actionlint is the pinned version", () => {
  expect(execFileSync(ACTIONLINT, ["-version"], { encoding: "utf8" }).split("\n")[0]).toBe(
    "v1.7.12",
  );
});

test("the preview workflow has no findings", () => {
  expect(lint(WORKFLOW).map((f) => `${f.line}: [${f.kind}] ${f.message}`)).toEqual([]);
});

describe("a broken copy has findings", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "test-deskfleet-actionlint-"));
    mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test.each([
    ["a misspelt key", "runs-on:", "runs_on:", "syntax-check", 'unexpected key "runs_on"'],
    [
      "an input the action does not have",
      "fetch-depth: 0",
      "fetch-deep: 0",
      "action",
      'input "fetch-deep" is not defined',
    ],
    [
      "an unquoted variable in a run: block",
      '>"$RUNNER_TEMP/changed.txt"',
      ">$RUNNER_TEMP/changed.txt",
      "shellcheck",
      "SC2086",
    ],
    [
      "untrusted input pasted into a script",
      'echo "count=',
      'echo "${{ github.event.pull_request.title }}"; echo "count=',
      "expression",
      "potentially untrusted",
    ],
    [
      "an unknown step output",
      "steps.stacks.outputs.count != '0' && steps.pulumi-cache",
      "steps.stacks.outputs.count != '0' && steps.nope",
      "expression",
      'property "nope" is not defined',
    ],
  ])("%s", (_what, from, to, kind, message) => {
    expect(TEXT).toContain(from);
    const file = join(dir, ".github", "workflows", "broken.yml");
    writeFileSync(file, TEXT.replace(from, to));
    const findings = lint(file, dir);
    expect(findings).toContainEqual(
      expect.objectContaining({ kind, message: expect.stringContaining(message) as string }),
    );
  });
});

describe("what the workflow does", () => {
  const workflow = parse(TEXT) as {
    on: Record<string, unknown>;
    jobs: { preview: { steps: { run?: string; with?: { script?: string } }[] } };
  };
  const runs = workflow.jobs.preview.steps.map((s) => s.run ?? s.with?.script ?? "").join("\n");

  test("runs on pull requests, and lists the stacks with deskfleet affected", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(runs).toContain("npx deskfleet affected --changed");
  });

  test("reviews each stack with deskfleet review, which previews it (policy pack, event log), without image files", () => {
    expect(runs).toContain('npx deskfleet review --stack "$stack" --out "$out/$stack.md"');
    expect(runs).toContain("-- --config deskfleet:checkImages=false");
  });

  test("the comment it writes carries the marker it looks for", () => {
    const marker = "<!-- deskfleet-preview -->";
    expect(runs).toContain(`printf '%s\\n\\n' '${marker}'`);
    expect(runs).toContain(`const marker = "${marker}";`);
    expect(runs).toContain("updateComment");
  });

  describe("the comment step", () => {
    const script = workflow.jobs.preview.steps.find((s) => s.with?.script)?.with?.script ?? "";
    type Call = [string, ...unknown[]];
    /** Runs the step's script against a fake GitHub with these comments; what it did. */
    async function comment(existing: { id: number; type: string; body: string }[], made: boolean) {
      const calls: Call[] = [];
      const github = {
        paginate: () => Promise.resolve(existing.map((c) => ({ ...c, user: { type: c.type } }))),
        rest: {
          issues: {
            listComments: () => undefined,
            updateComment: (a: { comment_id: number; body: string }) =>
              Promise.resolve(calls.push(["update", a.comment_id, a.body])),
            createComment: (a: { issue_number: number; body: string }) =>
              Promise.resolve(calls.push(["create", a.issue_number, a.body])),
          },
        },
      };
      const dir = mkdtempSync(join(tmpdir(), "test-deskfleet-comment-"));
      const file = join(dir, "comment.md");
      if (made) writeFileSync(file, "<!-- deskfleet-preview -->\n\nreview");
      process.env.COMMENT = file;
      const context = {
        repo: { owner: "me", repo: "fleet" },
        payload: { pull_request: { number: 5 } },
      };
      // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the workflow's own script
      const run = new Function(
        "require",
        "context",
        "github",
        `return (async () => {${script}})();`,
      ) as (...args: unknown[]) => Promise<void>;
      try {
        await run(require, context, github);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        delete process.env.COMMENT;
      }
      return calls;
    }
    const REVIEW = "<!-- deskfleet-preview -->\n\nreview";

    test("the first review is a new comment", async () => {
      expect(await comment([], true)).toEqual([["create", 5, REVIEW]]);
    });

    test("later ones update the bot's comment with the marker, never a person's", async () => {
      const existing = [
        { id: 1, type: "User", body: "quoting <!-- deskfleet-preview -->" },
        { id: 2, type: "Bot", body: "another bot" },
        { id: 3, type: "Bot", body: "<!-- deskfleet-preview -->\n\nold" },
      ];
      expect(await comment(existing, true)).toEqual([["update", 3, REVIEW]]);
    });

    test("when no stack is touched any more, the comment says so; without one, none is made", async () => {
      const existing = [{ id: 3, type: "Bot", body: "<!-- deskfleet-preview -->\n\nold" }];
      expect(await comment(existing, false)).toEqual([
        [
          "update",
          3,
          "<!-- deskfleet-preview -->\n\nThis pull request no longer changes the fleet files of any stack.",
        ],
      ]);
      expect(await comment([], false)).toEqual([]);
    });
  });

  test("sets up with the project's own script, and uses the secrets README names", () => {
    expect(runs).toContain("bash scripts/setup-preview.sh");
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const secrets = [...new Set([...TEXT.matchAll(/secrets\.([A-Z_]+)/g)].map((m) => m[1]))];
    expect(secrets.sort()).toEqual([
      "DESKFLEET_SSH_KEY",
      "DESKFLEET_SSH_KNOWN_HOSTS",
      "PULUMI_BACKEND_URL",
      "PULUMI_CONFIG_PASSPHRASE",
    ]);
    for (const s of secrets) expect(readme).toContain(`\`${s}\``);
  });
});

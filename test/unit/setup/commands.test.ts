/**
 * Every external command that setup, the scripts, the tests and the
 * benchmarks run must be provided by setup (scripts/packages.txt), so that
 * `npm test` passes on a fresh machine and not only on one set up by hand
 * (a missing `nc` once failed the ssh tests there).
 */
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseUri } from "../../../libvirt/uri";
import { remoteCommand } from "../../../libvirt/transports/sshCommand";
import { REPO_ROOT } from "../../support/host";
import { shellCommands, shellFunctions, typescriptCommands } from "./scan";
import type { CommandUse } from "./scan";

const TABLE = join(REPO_ROOT, "scripts", "packages.txt");

/** command → provider, from scripts/packages.txt. */
function providers(): Map<string, string> {
  const map = new Map<string, string>();
  for (const raw of readFileSync(TABLE, "utf8").split("\n")) {
    const [provider, ...commands] = raw.replace(/#.*/, "").trim().split(/\s+/);
    if (!provider) continue;
    for (const c of commands) if (c !== "-") map.set(c, provider);
  }
  return map;
}

/** Files under `dir` (relative to the repo) whose names pass `keep`, skipping `skip` folders. */
function files(dir: string, keep: (name: string) => boolean, skip: string[] = []): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (name === "node_modules" || skip.includes(relative(REPO_ROOT, path))) continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (keep(name)) out.push(path);
    }
  };
  walk(join(REPO_ROOT, dir));
  return out;
}

const SHELL = [
  join(REPO_ROOT, ".ci", "run"),
  // The appliance's rootfs runs inside the guest on busybox, not on the host.
  ...files("scripts", (n) => n.endsWith(".sh"), ["scripts/appliance/rootfs"]),
];
const TYPESCRIPT = ["test", "scripts", "bench"].flatMap((d) =>
  files(d, (n) => n.endsWith(".ts") && !n.endsWith(".d.ts")),
);

/** What sshd on the test host runs for each proxy mode the ssh tests use. */
function remoteCommands(): CommandUse[] {
  return (["auto", "netcat", "native"] as const).flatMap((proxy) => {
    const command = remoteCommand(
      parseUri(`qemu+ssh://root@127.0.0.1/system?proxy=${proxy}`),
      false,
    );
    const body = /^sh -c '(.*)'$/s.exec(command)?.[1];
    if (body === undefined)
      throw new Error(`unexpected remote command for proxy=${proxy}: ${command}`);
    return [...shellCommands(command), ...shellCommands(body)];
  });
}

describe("scripts/packages.txt covers every command that is run", () => {
  const table = providers();
  const uses: { where: string; command: string }[] = [
    ...SHELL.flatMap((f) =>
      shellCommands(readFileSync(f, "utf8")).map((u) => ({
        where: `${relative(REPO_ROOT, f)}:${u.line}`,
        command: u.command,
      })),
    ),
    ...TYPESCRIPT.flatMap((f) =>
      typescriptCommands(readFileSync(f, "utf8")).map((u) => ({
        where: `${relative(REPO_ROOT, f)}:${u.line}`,
        command: u.command,
      })),
    ),
    ...remoteCommands().map((u) => ({
      where: "libvirt/transports/sshCommand.ts (remote)",
      command: u.command,
    })),
  ];

  test("the scan finds the commands this repository is known to run", () => {
    const seen = new Set(uses.map((u) => u.command));
    for (const c of [
      "virsh",
      "qemu-img",
      "nc",
      "ssh-keygen",
      "sshd",
      "libvirtd",
      "ip",
      "apt-get",
      "pulumi",
    ])
      expect(seen).toContain(c);
  });

  test("each has a provider", () => {
    // Functions defined in one script may be used in another that sources it (lib/env.sh).
    const functions = new Set(SHELL.flatMap((f) => shellFunctions(readFileSync(f, "utf8"))));
    const missing = uses
      .filter((u) => !table.has(u.command) && !functions.has(u.command))
      .map((u) => `${u.where}: ${u.command}`);
    expect(missing).toEqual([]);
  });

  test("setup installs every Debian package of the table, and only from it", () => {
    const setup = readFileSync(join(REPO_ROOT, "scripts", "setup-packages.sh"), "utf8");
    expect(setup).toContain("packages.txt");
    expect(setup).not.toMatch(/PACKAGES=\(/);
    const debian = [...new Set(table.values())].filter((p) => !p.includes(":"));
    for (const p of debian) expect(p).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
  });
});

describe("shellCommands", () => {
  const commands = (text: string) => shellCommands(text).map((u) => u.command);

  test.each([
    [
      "plain commands and pipelines",
      "virsh list | grep -q x && qemu-img info y || true",
      ["virsh", "grep", "qemu-img"],
    ],
    [
      "assignments, builtins and keywords are not commands",
      "X=1 Y=2 cp a b\nset -e; if cut -c1 x; then local z; fi",
      ["cp", "cut"],
    ],
    [
      "command substitutions, also inside strings",
      'x="$(stat -c %a f)"; echo "$(id -u)" `uname`',
      ["stat", "id", "uname"],
    ],
    [
      "wrappers run the next word",
      "timeout 10 virsh version\nexec pulumi up\nip netns exec ns libvirtd -d\ncommand -v nc",
      ["timeout", "virsh", "pulumi", "ip", "libvirtd", "nc"],
    ],
    [
      "functions defined here are not commands",
      "log() { printf x; }\nlog hi\nsha256sum f",
      ["sha256sum"],
    ],
    [
      "case patterns are not commands",
      'case "$x" in\n  *":a:"*) ;;\n  b|c) sort f ;;\nesac\ntail f',
      ["sort", "tail"],
    ],
    [
      "heredoc bodies are not commands",
      "cat <<'EOF'\nnotacommand here\nEOF\nmkdir d",
      ["cat", "mkdir"],
    ],
    ["comments are not commands", "# virsh here\nwc -l f # and nc there", ["wc"]],
    ["quoted whole words and absolute paths", "'nc' -U /s; /usr/sbin/sshd -D", ["nc", "sshd"]],
    ["for loops run only their body", "for p in a b; do dpkg-query -W $p; done", ["dpkg-query"]],
    ["process substitution", "mapfile -t A < <(sed -e s/x// f | awk 1)", ["sed", "awk"]],
  ])("%s", (_what, text, expected) => {
    expect(commands(text).sort()).toEqual([...expected].sort());
  });

  test("lines are counted through strings, substitutions and heredocs", () => {
    const text = 'echo "a\nb"\nx=$(\ntrue)\ncat <<EOF\n1\nEOF\nvirsh list';
    expect(shellCommands(text).find((u) => u.command === "virsh")?.line).toBe(8);
  });
});

describe("typescriptCommands", () => {
  test("literal commands, constants, node itself and sh -c bodies", () => {
    const text = [
      'const SSHD = "/usr/sbin/sshd";',
      'execFileSync("virsh", ["-c", uri]);',
      "spawn(SSHD, []);",
      'spawnSync(process.execPath, ["-e", "1"]);',
      'execFileSync("sh", ["-c", "nc -U /s | cat"]);',
      "spawn(cmd.file, cmd.args);",
    ].join("\n");
    expect(typescriptCommands(text)).toEqual([
      { command: "virsh", line: 2 },
      { command: "sshd", line: 3 },
      { command: "node", line: 4 },
      { command: "sh", line: 5 },
      { command: "nc", line: 5 },
      { command: "cat", line: 5 },
    ]);
  });
});

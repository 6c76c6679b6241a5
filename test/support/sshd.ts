/**
 * A private sshd for the ssh-transport tests: on 127.0.0.1 and a free port,
 * with its own host key, config and an authorized client key, all generated
 * in a temp directory and removed by stop(). Logging in as root (allowed by
 * this sshd's own config, key only) gives the session access to the libvirt
 * socket, as an admin's ssh to their own machine would.
 *
 * The client side needs nothing of ~/.ssh: `clientConfig` is an ssh_config
 * with this sshd's known_hosts, for DESKFLEET_SSH_CONFIG (libvirt/transports/
 * sshCommand.ts), and `uri()` names the port and key.
 *
 * Needs root and openssh-server (scripts/setup-packages.sh installs it).
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, stopChild, waitForPort } from "./ports";

const SSHD = "/usr/sbin/sshd";
/** sshd's privilege-separation directory; Debian creates it at boot, a container may not. */
const PRIVSEP_DIR = "/run/sshd";
const START_TIMEOUT_MS = 10_000;

export interface TestSshd {
  readonly port: number;
  readonly dir: string;
  /** The client's private key, authorized for root. */
  readonly keyfile: string;
  /** ssh_config trusting this sshd's host key (UserKnownHostsFile), nothing else. */
  readonly clientConfig: string;
  /** ssh_config with an empty known_hosts: the host key is unknown. */
  readonly strangerConfig: string;
  /** A key sshd does not accept. */
  readonly wrongKeyfile: string;
  /** qemu+ssh://root@127.0.0.1:<port>/system?keyfile=…[&extra] */
  uri(extra?: string): string;
  stop(): Promise<void>;
}

export async function startSshd(): Promise<TestSshd> {
  if (process.getuid?.() !== 0) throw new Error("the sshd test fixture needs root");
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: install openssh-server`);
  const dir = mkdtempSync(join(tmpdir(), "test-sshd-"));
  const file = (name: string): string => join(dir, name);
  const keygen = (name: string): void => {
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file(name)]);
  };
  keygen("host_ed25519");
  keygen("client_ed25519");
  keygen("wrong_ed25519");
  writeFileSync(file("authorized_keys"), readFileSync(file("client_ed25519.pub")));

  const port = await freePort();
  writeFileSync(
    file("sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${file("host_ed25519")}`,
      `AuthorizedKeysFile ${file("authorized_keys")}`,
      `PidFile ${file("sshd.pid")}`,
      "PermitRootLogin prohibit-password",
      "AllowUsers root",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no", // the temp dir's permissions are not sshd's business here
      "PrintMotd no",
      "MaxStartups 64",
      "LogLevel ERROR",
    ].join("\n") + "\n",
  );
  const hostKey = readFileSync(file("host_ed25519.pub"), "utf8").split(" ").slice(0, 2).join(" ");
  writeFileSync(file("known_hosts"), `[127.0.0.1]:${port} ${hostKey}\n`);
  writeFileSync(file("known_hosts_empty"), "");
  const config = (knownHosts: string): string =>
    [
      "Host *",
      `  UserKnownHostsFile ${knownHosts}`,
      "  GlobalKnownHostsFile /dev/null",
      "  IdentitiesOnly yes",
      "  ConnectTimeout 10",
      "  LogLevel ERROR",
    ].join("\n") + "\n";
  writeFileSync(file("ssh_config"), config(file("known_hosts")));
  writeFileSync(file("ssh_config_stranger"), config(file("known_hosts_empty")));

  if (!existsSync(PRIVSEP_DIR)) mkdirSync(PRIVSEP_DIR, { mode: 0o755 });
  const daemon = spawn(SSHD, ["-D", "-e", "-f", file("sshd_config")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  daemon.stderr?.on("data", (b: Buffer) => (log += b.toString()));
  try {
    await waitForPort(port, daemon, START_TIMEOUT_MS, () => log);
  } catch (err) {
    await stopChild(daemon);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    port,
    dir,
    keyfile: file("client_ed25519"),
    wrongKeyfile: file("wrong_ed25519"),
    clientConfig: file("ssh_config"),
    strangerConfig: file("ssh_config_stranger"),
    uri: (extra) =>
      `qemu+ssh://root@127.0.0.1:${port}/system?keyfile=${file("client_ed25519")}` +
      (extra ? `&${extra}` : ""),
    async stop() {
      await stopChild(daemon);
      rmSync(dir, { recursive: true, force: true });
      // PRIVSEP_DIR stays: another sshd may rely on it, and an empty directory harms nothing.
    },
  };
}

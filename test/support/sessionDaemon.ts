/**
 * A second, private libvirtd for the tcp-transport tests: a session daemon
 * run as the unprivileged user `nobody`, with its config, sockets and state
 * in a temp directory, listening on 127.0.0.1 and a free port. Being a
 * session daemon of another user, it shares nothing with the system daemon
 * the other tests use (a second privileged libvirtd would share qemu's state
 * directories). stop() ends it and removes the directory.
 *
 * Needs root (to start a process as another user).
 */
import { spawn } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, stopChild, waitForPort } from "./ports";

/** nobody:nogroup on Debian. */
const NOBODY = 65534;
const START_TIMEOUT_MS = 15_000;

export interface SessionDaemon {
  readonly port: number;
  readonly pid: number;
  /** Sends a signal to this daemon (and only this one: it was started here). */
  signal(sig: NodeJS.Signals): void;
  /** Resolves once the process has exited (after a signal that ends it). */
  exited(): Promise<void>;
  stop(): Promise<void>;
}

export interface SessionDaemonOptions {
  /** libvirtd.conf's auth_tcp: "none", or "sasl" to see a daemon demand SASL. Default "none". */
  auth?: "none" | "sasl";
  /** Listen on this port (to restart a daemon where its clients expect it). Default: a free one. */
  port?: number;
}

export async function startSessionDaemon(opts: SessionDaemonOptions = {}): Promise<SessionDaemon> {
  if (process.getuid?.() !== 0) throw new Error("the session daemon fixture needs root");
  const auth = opts.auth ?? "none";
  const dir = mkdtempSync(join(tmpdir(), "test-libvirtd-"));
  for (const sub of ["run", "config", "cache"]) mkdirSync(join(dir, sub));
  const port = opts.port ?? (await freePort());
  const conf = join(dir, "libvirtd.conf");
  writeFileSync(
    conf,
    [
      "listen_tls = 0",
      "listen_tcp = 1",
      'listen_addr = "127.0.0.1"',
      `tcp_port = "${port}"`,
      `auth_tcp = "${auth}"`,
    ].join("\n") + "\n",
  );
  for (const p of [dir, join(dir, "run"), join(dir, "config"), join(dir, "cache"), conf]) {
    chownSync(p, NOBODY, NOBODY);
  }
  const daemon = spawn("libvirtd", ["--listen", "-f", conf], {
    uid: NOBODY,
    gid: NOBODY,
    cwd: dir,
    env: {
      HOME: dir,
      XDG_RUNTIME_DIR: join(dir, "run"),
      XDG_CONFIG_HOME: join(dir, "config"),
      XDG_CACHE_HOME: join(dir, "cache"),
      PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  daemon.stderr?.on("data", (b: Buffer) => (log = (log + b.toString()).slice(-4096)));
  try {
    await waitForPort(port, daemon, START_TIMEOUT_MS, () => log);
  } catch (err) {
    await stopChild(daemon, 5_000);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const gone = new Promise<void>((resolve) => daemon.once("exit", () => resolve()));
  return {
    port,
    pid: daemon.pid ?? -1,
    signal: (sig) => daemon.kill(sig),
    exited: () => gone,
    async stop() {
      if (daemon.exitCode === null) daemon.kill("SIGCONT"); // a test may have frozen it
      await stopChild(daemon, 5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The ssh transport: the system `ssh` binary as a child process whose
 * stdin/stdout are the byte stream (sshCommand.ts builds its command line).
 * Going through the binary, not an ssh library, honours everything the user
 * set up: ~/.ssh/config, the agent, ProxyJump, known_hosts, certificates.
 *
 * The child never outlives its use: close() and a failed connect kill it
 * (SIGTERM, then SIGKILL), process exit kills any still running, and if
 * this process dies hard, ssh sees EOF on stdin and exits with the remote
 * side. ssh runs in its own session, without a controlling terminal, so it
 * can never stop to prompt on the terminal the provider shares with the
 * Pulumi CLI: authentication must come from an agent or an unencrypted key.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { Duplex } from "node:stream";
import { ConnectionError } from "../errors";
import type { Transport, TransportOptions } from "../transport";
import type { LibvirtUri } from "../uri";
import { sshCommand } from "./sshCommand";

/** How long ssh gets to exit after SIGTERM before SIGKILL. */
const KILL_GRACE_MS = 2_000;
/** The tail of ssh's stderr kept for error messages (its last words say why it died). */
const STDERR_KEPT = 2_048;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function connectSsh(uri: LibvirtUri, opts: TransportOptions): Promise<Transport> {
  const cmd = sshCommand(uri, opts.readOnly);
  const child = spawn(cmd.file, cmd.args, {
    env: cmd.env,
    stdio: ["pipe", "pipe", "pipe"],
    detached: true, // own session: no controlling terminal to prompt on
  });
  track(child);
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string, cause?: unknown): void => {
      kill(child);
      reject(new ConnectionError("connect", `${cmd.description}: ${why}`, { cause }));
    };
    const onAbort = (): void => fail("timed out");
    child.once("error", (err: NodeJS.ErrnoException) => {
      opts.signal?.removeEventListener("abort", onAbort);
      const hint = err.code === "ENOENT" ? " (is openssh-client installed?)" : "";
      fail(`cannot run ${cmd.file}: ${err.message}${hint}`, err);
    });
    child.once("spawn", () => {
      opts.signal?.removeEventListener("abort", onAbort);
      resolve();
    });
    opts.signal?.addEventListener("abort", onAbort, { once: true });
  });

  child.on("error", () => undefined); // a failed kill(); the stream's end reports the rest
  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (text: string) => {
    stderr = (stderr + text).slice(-STDERR_KEPT);
  });
  const stream = new ChildStream(child);
  return {
    stream,
    description: cmd.description,
    ...(child.pid !== undefined && { pid: child.pid }),
    failureDetail: () => exitText(child, stderr),
    close: () => stream.destroy(),
  };
}

/** "ssh exited with status 255: Host key verification failed." */
function exitText(child: ChildProcess, stderr: string): string {
  const status =
    child.signalCode !== null
      ? `ssh was killed by ${child.signalCode}`
      : child.exitCode !== null
        ? `ssh exited with status ${child.exitCode}`
        : "ssh closed its output";
  const last = stderr.trim().split("\n").slice(-3).join("; ");
  return last === "" ? status : `${status}: ${last}`;
}

/**
 * The child's stdout and stdin as one Duplex. It ends only once the child
 * has exited (its 'close'), so that failureDetail() can name the exit status.
 */
class ChildStream extends Duplex {
  constructor(private readonly child: ChildProcess) {
    super();
    const out = child.stdout;
    out?.on("data", (chunk: Buffer) => {
      if (!this.push(chunk)) out.pause();
    });
    // Writes to a dead ssh fail with EPIPE; its exit, reported below, says more.
    child.stdin?.on("error", () => undefined);
    child.once("close", () => this.push(null));
  }

  override _read(): void {
    this.child.stdout?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error) => void): void {
    const stdin = this.child.stdin;
    if (stdin === null || stdin.destroyed) return done();
    stdin.write(chunk, () => done());
  }

  override _final(done: (err?: Error) => void): void {
    this.child.stdin?.end();
    done();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    kill(this.child);
    done(err);
  }
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous: SIGKILL is the only thing left to do.
    process.once("exit", () => {
      for (const c of running) c.kill("SIGKILL");
    });
  }
}

function kill(child: ChildProcess): void {
  child.stdin?.destroy();
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }, KILL_GRACE_MS);
  timer.unref();
  child.once("exit", () => clearTimeout(timer));
}

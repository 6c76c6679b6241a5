/**
 * The libvirt hosts tests run against: the system daemon (libvirt 9.0 here),
 * or a second host of the test's own, started by scripts/second-host.sh
 * (libvirt 9.0, or 11.3 + QEMU 10.0 with `version: "11"`). A second host keeps
 * its images and logs under /run/deskfleet-hosts/NAME, so paths a test reads
 * from outside (console logs, pool folders) differ by host: ask the host.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT, TEST_URI } from "./host";

export interface TestHost {
  /** For test names: "libvirt 9.0 (system)", "libvirt 11.3 (second host v11)". */
  readonly label: string;
  /** Starts it, or finds it running (a second host), and returns its URI. */
  start(): string;
  /** Stops it and removes everything it had (a second host); nothing for the system daemon. */
  stop(): void;
  /** The folder of a pool named `pool`, as the host's daemon and this process both see it. */
  poolDir(pool: string): string;
  /** Where the host's virtlogd writes a guest's serial console. */
  consoleLog(guest: string): string;
  /** A path as the host's daemon sees it (e.g. under /var/lib/libvirt), as this process sees it. */
  hostFile(path: string): string;
  /** The pid of its libvirtd, to signal (a second host only). */
  pid(): number;
}

export const systemHost: TestHost = {
  label: "libvirt 9.0 (system)",
  start: () => TEST_URI,
  stop: () => undefined,
  poolDir: (pool) => `/var/lib/libvirt/images/${pool}`,
  consoleLog: (guest) => `/var/log/libvirt/qemu/${guest}-console.log`,
  hostFile: (path) => path,
  pid: () => {
    throw new Error("tests never signal the system daemon");
  },
};

const SCRIPT = join(REPO_ROOT, "scripts", "second-host.sh");

export function secondHost(name: string, version?: "11"): TestHost {
  const base = `/run/deskfleet-hosts/${name}`;
  const run = (...args: string[]) =>
    execFileSync("bash", [SCRIPT, ...args], { encoding: "utf8" }).trim();
  return {
    label: `libvirt ${version === "11" ? "11.3" : "9.0"} (second host ${name})`,
    start: () => run("start", name, ...(version ? [version] : [])),
    stop: () => void run("stop", name),
    poolDir: (pool) => `${base}/pools/${pool}`,
    consoleLog: (guest) => `${base}/log/qemu/${guest}-console.log`,
    // The daemon's private folders (scripts/second-host.sh PRIVATE) are these under its base.
    hostFile: (path) => {
      const mounts: [string, string][] = [
        ["/etc/libvirt", "etc"],
        ["/var/lib/libvirt", "lib"],
        ["/var/cache/libvirt", "cache"],
        ["/run/libvirt", "run"],
        ["/var/log/libvirt", "log"],
      ];
      const hit = mounts.find(([dir]) => path === dir || path.startsWith(`${dir}/`));
      return hit ? `${base}/${hit[1]}${path.slice(hit[0].length)}` : path;
    },
    pid: () => Number(run("pid", name)),
  };
}

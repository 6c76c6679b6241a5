/**
 * The ssh command line libvirt's own client runs for qemu+ssh:// URIs
 * (src/rpc/virnetsocket.c virNetSocketNewConnectSSH and src/rpc/virnetclient.c
 * virNetClientSSHHelperCommand, libvirt 9.x), rebuilt byte for byte so that a
 * host that works with virsh works with deskfleet, and the other way round:
 *
 *   ssh [-p port] [-l user] [-i keyfile] -T -e none [-o BatchMode=yes]
 *       [-o StrictHostKeyChecking=no] -- host '<remote command>'
 *
 * The remote command runs virt-ssh-helper (which relays to the right daemon
 * by itself) or, for hosts without it, netcat on the daemon's socket.
 *
 * One addition of ours: DESKFLEET_SSH_CONFIG=<file> puts `-F <file>` first,
 * so a caller (the tests, a CI job) can hand ssh its own config — port,
 * identity, UserKnownHostsFile — without touching ~/.ssh. With -F, ssh reads
 * neither ~/.ssh/config nor /etc/ssh/ssh_config.
 */
import { LibvirtUriError } from "../errors";
import { resolveUnixSocket } from "../uri";
import type { LibvirtUri } from "../uri";

/** Environment variable naming an ssh_config file to pass with -F. */
export const SSH_CONFIG_ENV = "DESKFLEET_SSH_CONFIG";

/**
 * Variables ssh gets from our environment, as libvirt passes them
 * (virCommandAddEnvPassCommon, plus the agent, askpass and Kerberos ones);
 * nothing else of the provider's environment leaks to ssh.
 */
const PASSED_ENV = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "TMPDIR",
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "SSH_AUTH_SOCK",
  "SSH_ASKPASS",
  "KRB5CCNAME",
  "DISPLAY",
  "XAUTHORITY",
];

export interface SshCommand {
  /** The ssh binary: the URI's `command=` parameter, else "ssh" from PATH. */
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** For messages: "ssh me@laptop:2222". */
  description: string;
}

/** The whole command for a qemu+ssh URI. Throws LibvirtUriError for URIs ssh cannot honour. */
export function sshCommand(
  uri: LibvirtUri,
  readOnly: boolean,
  env: NodeJS.ProcessEnv = process.env,
): SshCommand {
  if (uri.host === undefined) {
    throw new LibvirtUriError(uri.uri, "host", "the ssh transport needs a host");
  }
  const args: string[] = [];
  const config = env[SSH_CONFIG_ENV];
  if (config) args.push("-F", config);
  if (uri.port !== undefined) args.push("-p", String(uri.port));
  if (uri.user !== undefined) args.push("-l", uri.user);
  if (uri.keyfile !== undefined) args.push("-i", uri.keyfile);
  args.push("-T", "-e", "none");
  if (uri.noTty) args.push("-o", "BatchMode=yes");
  if (uri.noVerify) args.push("-o", "StrictHostKeyChecking=no");
  args.push("--", uri.host, remoteCommand(uri, readOnly));

  const childEnv: NodeJS.ProcessEnv = { LC_ALL: "C" }; // untranslated ssh messages in our errors
  for (const name of PASSED_ENV) if (env[name] !== undefined) childEnv[name] = env[name];
  const who = uri.user === undefined ? uri.host : `${uri.user}@${uri.host}`;
  const port = uri.port === undefined ? "" : `:${uri.port}`;
  return {
    file: uri.params.get("command") ?? "ssh",
    args,
    env: childEnv,
    description: `ssh ${who}${port}`,
  };
}

/**
 * The command sshd runs on the host (through the user's shell, hence the
 * quoting). `proxy=auto` prefers virt-ssh-helper and falls back to netcat;
 * a `netcat=` path implies netcat, as in libvirt.
 */
export function remoteCommand(uri: LibvirtUri, readOnly: boolean): string {
  let proxy = uri.proxy;
  if (uri.netcat !== undefined) {
    if (proxy === "native") {
      throw new LibvirtUriError(uri.uri, "netcat", "netcat= cannot be combined with proxy=native");
    }
    proxy = "netcat";
  }
  if (uri.mode === "direct") {
    throw new LibvirtUriError(uri.uri, "mode", "mode=direct works only with the unix transport");
  }
  const nc = doubleEscape(uri.netcat ?? "nc");
  // libvirt picks the socket for a remote host without probing it: the legacy libvirtd one,
  // which a modular host (virtqemud, no virtproxyd) does not have. Unless the URI names the
  // socket or asks for mode=legacy (then it is libvirt's exact command), the remote shell takes
  // the legacy socket where it exists and the driver's own (virtqemud-sock) otherwise.
  const legacy = resolveUnixSocket({ ...uri, mode: "legacy" }, readOnly);
  const direct = resolveUnixSocket({ ...uri, mode: "direct" }, readOnly);
  const probe = uri.socket === undefined && uri.mode !== "legacy";
  const socket = probe ? "$S" : doubleEscape(uri.socket ?? legacy);
  const pick = probe ? `S=${doubleEscape(legacy)};[ -S $S ] || S=${doubleEscape(direct)};` : "";
  // libvirt inserts the socket path unquoted; quoting changes nothing for ordinary paths.
  const netcat =
    `if '${nc}' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ` +
    `ARG=-q0;else ARG=;fi;${pick}'${nc}' $ARG -U ${socket}`;
  const helper = `virt-ssh-helper${readOnly ? " -r " : " "}'${doubleEscape(uri.remoteName)}'`;
  switch (proxy) {
    case "auto":
      return (
        "sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then " +
        `    ${helper}; else    ${netcat}; fi'`
      );
    case "netcat":
      return `sh -c '${netcat}'`;
    case "native":
      return `sh -c '${helper}'`;
  }
}

/** The characters for which libvirt's virBufferEscapeShell quotes a string. */
const SHELL_META = /[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/;

/** Quotes `s` for /bin/sh exactly as libvirt's virBufferEscapeShell does. */
export function escapeShell(s: string): string {
  if (s === "") return "''";
  if (!SHELL_META.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** Two levels: sshd's shell runs `sh -c '…'`, which parses the string once more. */
function doubleEscape(s: string): string {
  return escapeShell(escapeShell(s));
}

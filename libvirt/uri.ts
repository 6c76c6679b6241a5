/**
 * libvirt connection URIs (https://libvirt.org/uri.html):
 *   driver[+transport]://[user@][host][:port]/path[?param=value&…]
 * e.g. qemu:///system, qemu+ssh://me@laptop/system?keyfile=~/.ssh/id, test:///default.
 *
 * Parsing follows libvirt's remote driver (src/remote/remote_driver.c
 * doRemoteOpen): the client consumes its own query parameters (socket,
 * keyfile, …) and sends the daemon the URI without transport, user, host and
 * port — the "remote name" of CONNECT_OPEN. Parameters it does not know are
 * passed through unchanged, in their original order and spelling.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { LibvirtUriError } from "./errors";

export type TransportKind = "unix" | "ssh" | "tcp" | "tls" | "libssh" | "libssh2" | "ext";
const TRANSPORTS: readonly TransportKind[] = [
  "unix",
  "ssh",
  "tcp",
  "tls",
  "libssh",
  "libssh2",
  "ext",
];

/** Query parameters libvirt's client consumes itself (never sent to the daemon). */
const CLIENT_PARAMS = new Set([
  "name",
  "command",
  "socket",
  "auth",
  "sshauth",
  "netcat",
  "keyfile",
  "pkipath",
  "known_hosts",
  "known_hosts_verify",
  "tls_priority",
  "mode",
  "proxy",
  "no_sanity",
  "no_verify",
  "no_tty",
  "authfile",
]);

/** Which daemon socket to use locally: libvirt's `mode` parameter. */
export type DaemonMode = "auto" | "legacy" | "direct";
/** How ssh reaches the daemon on the far side: libvirt's `proxy` parameter. */
export type ProxyMode = "auto" | "native" | "netcat";

export interface LibvirtUri {
  /** The URI as given. */
  readonly uri: string;
  /** Hypervisor driver: "qemu", "test", "lxc", … */
  readonly driver: string;
  readonly transport: TransportKind;
  readonly user?: string;
  /** Host name or address, IPv6 without brackets. */
  readonly host?: string;
  readonly port?: number;
  /** "/system", "/session", "/default", or "" */
  readonly path: string;
  /** Every query parameter, decoded, in order (a repeated name: the last one wins). */
  readonly params: ReadonlyMap<string, string>;
  /** The name sent in CONNECT_OPEN, e.g. "qemu:///system". */
  readonly remoteName: string;
  /** Explicit daemon socket (`socket=`); otherwise chosen by resolveUnixSocket. */
  readonly socket?: string;
  readonly mode: DaemonMode;
  readonly proxy: ProxyMode;
  readonly keyfile?: string;
  /** `netcat=`: path of nc on the remote host. */
  readonly netcat?: string;
  /** `no_verify=1`: do not check the ssh host key. */
  readonly noVerify: boolean;
  /** `no_tty=1`: ssh must never prompt. */
  readonly noTty: boolean;
}

// scheme ":" ["//" authority] path ["?" query] ["#" fragment] (RFC 3986, appendix B).
const URI_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/;

export function parseUri(uri: string): LibvirtUri {
  const m = URI_SHAPE.exec(uri);
  if (m === null)
    throw new LibvirtUriError(uri, "scheme", "is not of the form driver[+transport]://…");
  const [, scheme = "", authority, rawPath = "", rawQuery, fragment] = m;
  if (fragment !== undefined)
    throw new LibvirtUriError(uri, "fragment", "must not have a #fragment");

  const plus = scheme.indexOf("+");
  const driver = (plus < 0 ? scheme : scheme.slice(0, plus)).toLowerCase();
  const { user, host, port } = parseAuthority(uri, authority ?? "");
  const transport = parseTransport(uri, plus < 0 ? undefined : scheme.slice(plus + 1), host);

  const pairs = parseQuery(uri, rawQuery);
  const params = new Map(pairs.map((p) => [p.name, p.value]));
  const passed = pairs.filter((p) => !CLIENT_PARAMS.has(p.name.toLowerCase()));
  const query = passed.length > 0 ? `?${passed.map((p) => p.raw).join("&")}` : "";
  const path = decode(uri, "path", rawPath);

  return {
    uri,
    driver,
    transport,
    ...(user !== undefined && { user }),
    ...(host !== undefined && { host }),
    ...(port !== undefined && { port }),
    path,
    params,
    remoteName: params.get("name") ?? `${driver}://${rawPath}${query}`,
    ...optional("socket", params.get("socket")),
    mode: oneOf(uri, "mode", params.get("mode") ?? "auto", ["auto", "legacy", "direct"]),
    proxy: oneOf(uri, "proxy", params.get("proxy") ?? "auto", ["auto", "native", "netcat"]),
    ...optional("keyfile", params.get("keyfile")),
    ...optional("netcat", params.get("netcat")),
    noVerify: flag(uri, "no_verify", params.get("no_verify")),
    noTty: flag(uri, "no_tty", params.get("no_tty")),
  };
}

function parseAuthority(
  uri: string,
  authority: string,
): { user?: string; host?: string; port?: number } {
  const at = authority.lastIndexOf("@");
  const user = at < 0 ? undefined : decode(uri, "user", authority.slice(0, at));
  const hostPort = authority.slice(at + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort);
  const rawHost = hp?.[1] ?? "";
  const rawPort = hp?.[2];
  const host = rawHost.startsWith("[") ? rawHost.slice(1, -1) : decode(uri, "host", rawHost);
  let port: number | undefined;
  if (rawPort !== undefined && rawPort !== "") {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port < 1 || port > 65535) {
      throw new LibvirtUriError(uri, "port", `port ${JSON.stringify(rawPort)} is not 1-65535`);
    }
  }
  if (host === "" && (user !== undefined || port !== undefined)) {
    throw new LibvirtUriError(uri, "host", "has a user or port but no host");
  }
  return {
    ...(user !== undefined && { user }),
    ...(host !== "" && { host }),
    ...(port !== undefined && { port }),
  };
}

function parseTransport(uri: string, given: string | undefined, host?: string): TransportKind {
  // libvirt: no transport means unix without a host and TLS with one.
  if (given === undefined) return host === undefined ? "unix" : "tls";
  const t = given.toLowerCase();
  if (!(TRANSPORTS as readonly string[]).includes(t)) {
    throw new LibvirtUriError(uri, "transport", `unknown transport ${JSON.stringify(given)}`);
  }
  if (t === "unix" && host !== undefined) {
    throw new LibvirtUriError(uri, "host", "the unix transport cannot reach a host");
  }
  return t as TransportKind;
}

interface QueryPair {
  name: string;
  value: string;
  raw: string;
}

/** libvirt's virURIParseParams: `&`-separated, no `+`-as-space, empty items skipped. */
function parseQuery(uri: string, query: string | undefined): QueryPair[] {
  if (query === undefined || query === "") return [];
  return query
    .split("&")
    .filter((raw) => raw !== "")
    .map((raw) => {
      const eq = raw.indexOf("=");
      const name = decode(uri, "query", eq < 0 ? raw : raw.slice(0, eq));
      const value = eq < 0 ? "" : decode(uri, name, raw.slice(eq + 1));
      return { name, value, raw };
    });
}

function decode(uri: string, part: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new LibvirtUriError(uri, part, `bad percent-encoding in ${JSON.stringify(text)}`);
  }
}

function oneOf<T extends string>(uri: string, name: string, value: string, allowed: T[]): T {
  if ((allowed as string[]).includes(value)) return value as T;
  throw new LibvirtUriError(uri, name, `${name} must be one of ${allowed.join(", ")}`);
}

/** libvirt's boolean parameters take an integer: 0 is false, anything else true. */
function flag(uri: string, name: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (!/^-?\d+$/.test(value)) throw new LibvirtUriError(uri, name, `${name} must be 0 or 1`);
  return Number(value) !== 0;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

export interface SocketEnv {
  /** Defaults to fs.existsSync. */
  exists?: (path: string) => boolean;
  /** Defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to os.homedir(). */
  home?: string;
}

/**
 * The local daemon socket for a unix-transport URI, as libvirt's
 * remote_sockets.c picks it: the `socket=` parameter; else the modular
 * daemon's socket (virtqemud-sock for qemu) when it exists or `mode=direct`,
 * else the monolithic libvirtd's (libvirt-sock). System sockets live in
 * /var/run/libvirt with a "-ro" twin for read-only access; session sockets
 * in $XDG_RUNTIME_DIR/libvirt (or ~/.cache/libvirt without it).
 */
export function resolveUnixSocket(u: LibvirtUri, readOnly: boolean, sys: SocketEnv = {}): string {
  if (u.socket !== undefined) return u.socket;
  const exists = sys.exists ?? existsSync;
  const env = sys.env ?? process.env;
  let dir: string;
  let suffix = "";
  if (u.path === "/session") {
    const runtime = env.XDG_RUNTIME_DIR;
    dir = runtime ? join(runtime, "libvirt") : join(sys.home ?? homedir(), ".cache", "libvirt");
  } else {
    dir = "/var/run/libvirt";
    if (readOnly) suffix = "-ro";
  }
  const direct = join(dir, `virt${u.driver}d-sock${suffix}`);
  const legacy = join(dir, `libvirt-sock${suffix}`);
  if (u.mode === "direct") return direct;
  if (u.mode === "legacy") return legacy;
  return exists(direct) ? direct : legacy;
}

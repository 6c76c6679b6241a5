import { LibvirtUriError } from "../../../libvirt/errors";
import { parseUri, resolveUnixSocket } from "../../../libvirt/uri";

describe("parseUri", () => {
  test.each([
    [
      "qemu:///system",
      { driver: "qemu", transport: "unix", path: "/system", remoteName: "qemu:///system" },
    ],
    [
      "qemu:///session",
      { driver: "qemu", transport: "unix", path: "/session", remoteName: "qemu:///session" },
    ],
    [
      "test:///default",
      { driver: "test", transport: "unix", path: "/default", remoteName: "test:///default" },
    ],
    [
      "qemu+ssh://me@host/system?keyfile=x",
      {
        driver: "qemu",
        transport: "ssh",
        user: "me",
        host: "host",
        keyfile: "x",
        remoteName: "qemu:///system",
      },
    ],
    [
      "qemu+ssh://me@laptop:2222/system?no_verify=1&no_tty=1&proxy=netcat&netcat=/bin/nc",
      {
        transport: "ssh",
        port: 2222,
        noVerify: true,
        noTty: true,
        proxy: "netcat",
        netcat: "/bin/nc",
        remoteName: "qemu:///system",
      },
    ],
    [
      "qemu+tcp://10.0.0.2/system",
      { transport: "tcp", host: "10.0.0.2", remoteName: "qemu:///system", noVerify: false },
    ],
    ["qemu+ssh://[::1]:22/system", { host: "::1", port: 22, remoteName: "qemu:///system" }],
    // No transport but a host: libvirt means TLS.
    ["qemu://host/system", { transport: "tls", host: "host" }],
    [
      "qemu:///system?socket=/tmp/s&mode=legacy",
      { socket: "/tmp/s", mode: "legacy", remoteName: "qemu:///system" },
    ],
    // Parameters libvirt's client does not consume travel to the daemon unchanged.
    ["qemu:///embed?root=/tmp/x%20y&socket=/s", { remoteName: "qemu:///embed?root=/tmp/x%20y" }],
    // name= overrides the remote name entirely.
    ["qemu+ssh://h/system?name=qemu:///session", { remoteName: "qemu:///session" }],
    ["QEMU+SSH://h/system", { driver: "qemu", transport: "ssh" }],
  ])("%s", (uri, expected) => {
    expect(parseUri(uri)).toMatchObject({ uri, ...expected });
  });

  test("keeps every parameter, decoded", () => {
    const u = parseUri("qemu+ssh://h/system?keyfile=%2Froot%2Fk&foo=a+b");
    expect(u.params.get("keyfile")).toBe("/root/k");
    expect(u.params.get("foo")).toBe("a+b"); // libvirt does not turn + into a space
    expect(u.keyfile).toBe("/root/k");
  });

  test.each([
    ["system", "scheme"],
    ["qemu+carrier-pigeon://h/system", "transport"],
    ["qemu+unix://host/system", "host"],
    ["qemu+ssh://h:99999/system", "port"],
    ["qemu+ssh://h:abc/system", "port"],
    ["qemu+ssh://me@:22/system", "host"],
    ["qemu:///system?mode=sideways", "mode"],
    ["qemu:///system?proxy=socks", "proxy"],
    ["qemu+ssh://h/system?no_verify=yes", "no_verify"],
    ["qemu:///system#frag", "fragment"],
    ["qemu:///sys%zztem", "path"],
  ])("rejects %s, naming the %s", (uri, part) => {
    let caught: unknown;
    try {
      parseUri(uri);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LibvirtUriError);
    expect(caught).toMatchObject({ uri, part });
  });
});

describe("resolveUnixSocket", () => {
  const none = { exists: () => false, env: {}, home: "/home/me" };
  const modular = { exists: (p: string) => p.includes("virtqemud"), env: {}, home: "/home/me" };

  test.each([
    ["qemu:///system", false, none, "/var/run/libvirt/libvirt-sock"],
    ["qemu:///system", true, none, "/var/run/libvirt/libvirt-sock-ro"],
    ["qemu:///system", false, modular, "/var/run/libvirt/virtqemud-sock"],
    ["qemu:///system", true, modular, "/var/run/libvirt/virtqemud-sock-ro"],
    ["qemu:///system?mode=legacy", false, modular, "/var/run/libvirt/libvirt-sock"],
    ["qemu:///system?mode=direct", false, none, "/var/run/libvirt/virtqemud-sock"],
    ["qemu:///system?socket=/tmp/x.sock", false, modular, "/tmp/x.sock"],
    [
      "qemu:///session",
      false,
      { ...none, env: { XDG_RUNTIME_DIR: "/run/user/1000" } },
      "/run/user/1000/libvirt/libvirt-sock",
    ],
    ["qemu:///session", false, none, "/home/me/.cache/libvirt/libvirt-sock"],
    [
      "qemu:///session",
      false,
      { ...modular, env: { XDG_RUNTIME_DIR: "/run/user/1000" } },
      "/run/user/1000/libvirt/virtqemud-sock",
    ],
  ])("%s (readOnly %s)", (uri, readOnly, env, expected) => {
    expect(resolveUnixSocket(parseUri(uri), readOnly, env)).toBe(expected);
  });
});

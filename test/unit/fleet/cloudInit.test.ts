/** `cloudInit`: from the fleet entry to the seed's files, and every way it can be wrong. */
import { parse } from "yaml";
import { seedFiles } from "../../../fleet/cloudInit";
import type { CloudInitFields } from "../../../fleet/cloudInit";
import type { IssueCase } from "./helpers";
import { expectIssues, parseOne, yaml } from "./helpers";

const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample me@desk";

function files(ci: CloudInitFields, guest = "fedora"): Record<string, string> {
  const made = seedFiles(guest, ci);
  if (!("files" in made)) throw new Error(JSON.stringify(made.problems));
  return made.files;
}

/** user-data without its first line, parsed. */
function cloudConfig(ci: CloudInitFields): unknown {
  const text = files(ci)["user-data"];
  expect(text.startsWith("#cloud-config\n")).toBe(true);
  return parse(text);
}

describe("seedFiles", () => {
  it("makes a user with sudo and keys, and the packages, as cloud-config", () => {
    expect(cloudConfig({ user: "me", sshKeys: [KEY], packages: ["spice-vdagent"] })).toEqual({
      users: [
        {
          name: "me",
          sudo: "ALL=(ALL) NOPASSWD:ALL",
          shell: "/bin/bash",
          lock_passwd: true,
          ssh_authorized_keys: [KEY],
        },
      ],
      packages: ["spice-vdagent"],
    });
  });

  it("gives the keys to the image's default user when no user is named", () => {
    expect(cloudConfig({ sshKeys: [KEY] })).toEqual({ ssh_authorized_keys: [KEY] });
  });

  it("writes an empty cloud-config for an empty entry, and the guest's name as host name", () => {
    const seed = files({}, "tools");
    expect(seed["user-data"]).toBe("#cloud-config\n{}\n");
    expect(seed["meta-data"]).toMatch(/^instance-id: tools-[0-9a-f]{12}\nlocal-hostname: tools\n$/);
    expect(seed).not.toHaveProperty("network-config");
  });

  it("names the host as declared", () => {
    expect(files({ hostname: "desk-1" })["meta-data"]).toMatch(/local-hostname: desk-1\n$/);
  });

  it("keeps raw user-data byte for byte when nothing is merged into it", () => {
    const script = "#!/bin/sh\necho hello > /etc/motd\n";
    expect(files({ userData: script })["user-data"]).toBe(script);
    const config = "#cloud-config\n# my comment\nruncmd: [[touch, /x]]\n";
    expect(files({ userData: config })["user-data"]).toBe(config);
  });

  it("merges the short keys into raw cloud-config", () => {
    expect(
      cloudConfig({ userData: "#cloud-config\nruncmd: [[touch, /x]]\n", packages: ["vim"] }),
    ).toEqual({ runcmd: [["touch", "/x"]], packages: ["vim"] });
  });

  it("writes network-config as declared", () => {
    const net = "version: 2\nethernets:\n  eth0: { dhcp4: true }\n";
    expect(files({ networkConfig: net })["network-config"]).toBe(net);
  });

  it("changes the instance-id exactly when what the seed says changes", () => {
    const id = (ci: CloudInitFields) => /instance-id: (\S+)/.exec(files(ci)["meta-data"])?.[1];
    const base = id({ user: "me" });
    expect(id({ user: "me" })).toBe(base);
    expect(id({ user: "me", pool: "other" })).toBe(base); // where the volume lives is not content
    for (const changed of [
      { user: "you" },
      { user: "me", packages: ["vim"] },
      { user: "me", hostname: "other" },
      { user: "me", networkConfig: "version: 2\n" },
    ]) {
      expect(id(changed)).not.toBe(base);
    }
  });

  it.each([
    [
      { userData: "#!/bin/sh\ntrue\n", user: "me", packages: ["vim"] },
      [
        {
          key: "userData",
          message:
            "is not #cloud-config, so user, packages cannot be merged into it; write them into userData, or start it with #cloud-config",
        },
      ],
    ],
    [
      { userData: "#cloud-config\npackages: [git]\nusers: []\n", user: "me", packages: ["vim"] },
      [
        { key: "user", message: "userData sets users already; say it in one place" },
        { key: "packages", message: "userData sets packages already; say it in one place" },
      ],
    ],
    [
      { userData: "#cloud-config\nssh_authorized_keys: []\n", sshKeys: [KEY] },
      [
        {
          key: "sshKeys",
          message: "userData sets ssh_authorized_keys already; say it in one place",
        },
      ],
    ],
    [
      { userData: "#cloud-config\n- a list\n" },
      [{ key: "userData", message: "is not a YAML mapping" }],
    ],
    [
      { userData: "#cloud-config\nruncmd: [unclosed\n" },
      [{ key: "userData", message: expect.stringMatching(/^is not valid YAML: /) as string }],
    ],
    [
      { networkConfig: "version: [2\n" },
      [{ key: "networkConfig", message: expect.stringMatching(/^is not valid YAML: /) as string }],
    ],
  ])("refuses %j", (ci, problems) => {
    expect(seedFiles("g", ci as CloudInitFields)).toEqual({ problems });
  });
});

describe("cloudInit in a fleet file", () => {
  const fleet = (...guest: string[]) =>
    yaml(
      "pools:",
      "  vms: { path: /var/lib/deskfleet/vms }",
      "  other: { path: /var/lib/deskfleet/other }",
      "guests:",
      "  fedora:",
      "    memory: 1GiB",
      "    disks:",
      "      root: { size: 10GiB, pool: other }",
      ...guest,
    );

  it("puts the seed in the pool of the first disk, named after the guest, after the CD-ROMs", () => {
    const [guest] = parseOne(fleet("    cloudInit: { user: me }")).guests;
    expect(guest.seed).toMatchObject({ pool: "other", volume: "fedora-cidata.iso" });
    expect(Object.keys(guest.seed?.files ?? {})).toEqual(["meta-data", "user-data"]);
  });

  it("puts it where `pool` says", () => {
    const [guest] = parseOne(fleet("    cloudInit: { pool: vms }")).guests;
    expect(guest.seed).toMatchObject({ pool: "vms", volume: "fedora-cidata.iso" });
  });

  it("has no seed without cloudInit", () => {
    expect(parseOne(fleet()).guests[0].seed).toBeUndefined();
  });

  const cases: IssueCase[] = [
    [
      "a bad key, a bad user name, a key that is no key",
      [
        ...fleet(
          "    cloudInit:",
          "      user: Me",
          "      sshKeys: [not-a-key]",
          "      password: x",
        )
          .trimEnd()
          .split("\n"),
      ],
      [
        [
          10,
          "Me",
          "guests.fedora.cloudInit.user",
          "invalid_value",
          "expected a Linux user name, like me",
        ],
        [
          11,
          "not-a-key",
          "guests.fedora.cloudInit.sshKeys[0]",
          "invalid_value",
          "expected an OpenSSH public key line, like ssh-ed25519 AAAA… me@desk",
        ],
        [12, "password", "guests.fedora.cloudInit.password", "unknown_key", expect.any(String)],
      ],
    ],
    [
      "short keys beside raw cloud-config that sets them, reported at the short key",
      [
        ...fleet(
          "    cloudInit:",
          "      packages: [vim]",
          '      userData: "#cloud-config\\npackages: [git]\\n"',
        )
          .trimEnd()
          .split("\n"),
      ],
      [
        [
          10,
          "[vim]",
          "guests.fedora.cloudInit.packages",
          "invalid_value",
          "userData sets packages already; say it in one place",
        ],
      ],
    ],
    [
      "an unknown pool",
      [...fleet("    cloudInit: { pool: nowhere }").trimEnd().split("\n")],
      [[9, "nowhere", "guests.fedora.cloudInit.pool", "unknown_reference", expect.any(String)]],
    ],
  ];
  it.each(cases)("%s", expectIssues);
});

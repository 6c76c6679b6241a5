import * as pulumi from "@pulumi/pulumi";
import { FLEET } from "./spec.fixture";
import { GUEST_SETTINGS_DEFAULTS } from "../../../xml/guestSettings";

interface Registered {
  type: string;
  name: string;
  parent?: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
        });
        return {
          id: args.custom ? `${args.name}-id` : "",
          state: {
            ...(args.inputs as object),
            uuid: `${args.name}-uuid`,
            state: "running",
            addresses: [],
          },
        };
      },
      call: () => ({}),
    },
    "deskfleet",
    "test",
    false,
  );
});

it("registers exactly the fleet's components and libvirt resources", async () => {
  const { Fleet } = await import("../../../components/fleet");
  const fleet = new Fleet("fleet", { spec: FLEET, uri: "qemu:///system" });
  const guests = await new Promise((resolve) => fleet.guestSummaries().apply(resolve));

  // Registration order depends on when dependencies resolve: compare as sets.
  expect(registered.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
    [
      "deskfleet:fleet:Fleet fleet",
      "deskfleet:fleet:StoragePool deskfleet",
      "deskfleet:libvirt:StoragePool deskfleet",
      "deskfleet:libvirt:Volume deskfleet-appliance",
      "deskfleet:fleet:Network demo-net",
      "deskfleet:libvirt:Network demo-net",
      "deskfleet:fleet:Guest demo",
      "deskfleet:libvirt:Volume demo-root",
      "deskfleet:libvirt:Domain demo",
      "deskfleet:fleet:Guest work",
      "deskfleet:libvirt:Volume work-root",
      "deskfleet:libvirt:Volume work-data",
      "deskfleet:libvirt:Domain work",
    ].sort(),
  );
  const inputs = (type: string, name: string) =>
    registered.find((r) => r.type === type && r.name === name)?.inputs;
  expect(inputs("deskfleet:libvirt:Volume", "demo-root")).toEqual({
    uri: "qemu:///system",
    pool: "deskfleet",
    name: "demo-root.qcow2",
    format: "qcow2",
    capacity: 1024 ** 3,
    backingVolume: "appliance.qcow2",
    retain: false,
  });
  expect(inputs("deskfleet:libvirt:Domain", "demo")).toEqual({
    ...GUEST_SETTINGS_DEFAULTS,
    uri: "qemu:///system",
    name: "demo",
    type: "qemu",
    memory: 256 * 1024 ** 2,
    vcpus: 1,
    machine: "pc",
    firmware: "bios",
    disks: [
      {
        pool: "deskfleet",
        volume: "demo-root.qcow2",
        format: "qcow2",
        keep: false,
        base: "appliance.qcow2",
      },
    ],
    interfaces: [{ network: "demo-net" }],
    graphics: "none",
    running: true,
    autostart: false,
    cdroms: [],
  });
  expect(guests).toEqual({
    demo: { uuid: "demo-uuid", state: "running", addresses: [] },
    work: { uuid: "work-uuid", state: "running", addresses: [] },
  });
});

it("places each host's pools, networks and guests on that host, named <host>/<name>", async () => {
  registered.length = 0;
  const { Fleet } = await import("../../../components/fleet");
  const [demo, work] = FLEET.guests;
  const laptop = "qemu+ssh://me@laptop/system";
  const spec = {
    ...FLEET,
    hosts: [
      { name: "desk", uri: "qemu:///system" },
      { name: "laptop", uri: laptop },
    ],
    pools: FLEET.pools.map((p) => ({ ...p, hosts: ["desk", "laptop"] })),
    networks: FLEET.networks.map((n) => ({ ...n, hosts: ["desk"] })),
    images: FLEET.images.map((i) => ({ ...i, hosts: ["desk", "laptop"] })),
    guests: [
      { ...demo, host: "laptop", interfaces: [] },
      { ...work, host: "desk" },
    ],
  };
  const fleet = new Fleet("fleet", { spec, uri: "qemu:///system" });
  const guests = await new Promise((resolve) => fleet.guestSummaries().apply(resolve));
  const names = registered.map((r) => `${r.type} ${r.name}`);
  expect(names.filter((n) => !n.includes(":Guest") && !n.includes(":Fleet ")).sort()).toEqual(
    [
      "deskfleet:fleet:StoragePool desk/deskfleet",
      "deskfleet:libvirt:StoragePool desk/deskfleet",
      "deskfleet:fleet:StoragePool laptop/deskfleet",
      "deskfleet:libvirt:StoragePool laptop/deskfleet",
      "deskfleet:libvirt:Volume laptop/deskfleet-appliance",
      "deskfleet:libvirt:Volume desk/deskfleet-appliance",
      "deskfleet:fleet:Network desk/demo-net",
      "deskfleet:libvirt:Network desk/demo-net",
      "deskfleet:libvirt:Volume demo-root",
      "deskfleet:libvirt:Domain demo",
      "deskfleet:libvirt:Volume work-root",
      "deskfleet:libvirt:Volume work-data",
      "deskfleet:libvirt:Domain work",
    ].sort(),
  );
  const uriOf = (type: string, name: string) =>
    registered.find((r) => r.type === type && r.name === name)?.inputs.uri;
  expect(uriOf("deskfleet:libvirt:StoragePool", "laptop/deskfleet")).toBe(laptop);
  expect(uriOf("deskfleet:libvirt:Volume", "laptop/deskfleet-appliance")).toBe(laptop);
  expect(uriOf("deskfleet:libvirt:Domain", "demo")).toBe(laptop);
  expect(uriOf("deskfleet:libvirt:Volume", "demo-root")).toBe(laptop);
  expect(uriOf("deskfleet:libvirt:Domain", "work")).toBe("qemu:///system");
  expect(guests).toMatchObject({ demo: { host: "laptop" }, work: { host: "desk" } });
});

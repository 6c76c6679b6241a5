/** Baselines and schedules under Pulumi mocks: exactly which resources, with which inputs. */
import * as pulumi from "@pulumi/pulumi";
import { planBaseline, planSnapshotSchedule } from "../../../components/plan";
import type { FleetSpec, SnapshotScheduleSpec } from "../../../fleet/spec";
import { DEFAULT_POLICY } from "../../../snapshots/policy";
import { FLEET } from "./spec.fixture";

const WORKSTATION: SnapshotScheduleSpec = {
  ...DEFAULT_POLICY,
  name: "workstation",
  hourly: 2,
  daily: 7,
  at: { ...DEFAULT_POLICY.at, daily: "03:00" },
};

const SPEC: FleetSpec = {
  ...FLEET,
  snapshotSchedules: [WORKSTATION],
  guests: [
    {
      ...FLEET.guests[0],
      snapshotSchedule: "workstation",
      baseline: "post-install",
      revertGeneration: 2,
    },
    { ...FLEET.guests[1], snapshotSchedule: "workstation" },
  ],
};

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  parent?: string;
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
        return { id: args.custom ? `${args.name}-id` : "", state: { ...(args.inputs as object) } };
      },
      call: () => ({}),
    },
    "deskfleet",
    "test",
    false,
  );
});

test("plans: a baseline with its generation, a schedule with every policy field", () => {
  expect(planBaseline(SPEC.guests[0], "qemu:///system")).toEqual({
    uri: "qemu:///system",
    domain: "demo",
    name: "post-install",
    revertGeneration: 2,
  });
  expect(planBaseline(SPEC.guests[1], "qemu:///system")).toBeUndefined();
  expect(planSnapshotSchedule(SPEC.guests[1], SPEC.snapshotSchedules, "qemu:///system")).toEqual({
    uri: "qemu:///system",
    domain: "work",
    schedule: "workstation",
    frequently: 0,
    hourly: 2,
    daily: 7,
    weekly: 0,
    monthly: 0,
    yearly: 0,
    frequentPeriod: 15,
    at: {
      hourly: 0,
      daily: "03:00",
      weekly: "mon 23:30",
      monthly: "1 00:00",
      yearly: "01-01 00:00",
    },
    autosnap: true,
    autoprune: true,
    maxPoolUsage: 95,
    memory: false,
  });
  expect(planSnapshotSchedule(FLEET.guests[0], [], "qemu:///system")).toBeUndefined();
  expect(() =>
    planSnapshotSchedule({ ...FLEET.guests[0], snapshotSchedule: "gone" }, [], "qemu:///system"),
  ).toThrow('guests.demo.snapshotSchedule: unknown schedule "gone"');
});

test("a guest gets one Snapshot for its baseline and one SnapshotSchedule", async () => {
  const { Fleet } = await import("../../../components/fleet");
  const fleet = new Fleet("fleet", { spec: SPEC, uri: "qemu:///system" });
  await new Promise((resolve) => fleet.guestSummaries().apply(resolve));
  const snapshots = registered
    .filter((r) => r.type.startsWith("deskfleet:libvirt:Snapshot"))
    .map((r) => `${r.type} ${r.name}`)
    .sort();
  expect(snapshots).toEqual([
    "deskfleet:libvirt:Snapshot demo-post-install",
    "deskfleet:libvirt:SnapshotSchedule demo-snapshot-schedule",
    "deskfleet:libvirt:SnapshotSchedule work-snapshot-schedule",
  ]);
  const inputs = (type: string, name: string) =>
    registered.find((r) => r.type === type && r.name === name)?.inputs;
  expect(inputs("deskfleet:libvirt:Snapshot", "demo-post-install")).toEqual({
    uri: "qemu:///system",
    domain: "demo",
    name: "post-install",
    revertGeneration: 2,
  });
  expect(inputs("deskfleet:libvirt:SnapshotSchedule", "demo-snapshot-schedule")).toMatchObject({
    domain: "demo",
    schedule: "workstation",
    hourly: 2,
    daily: 7,
  });
  expect(fleet.guests.demo.baseline).toBeDefined();
  expect(fleet.guests.work.baseline).toBeUndefined();
  // 13 resources without snapshots (fleet.test.ts) + 3.
  expect(registered).toHaveLength(16);
});

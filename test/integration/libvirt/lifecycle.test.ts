/**
 * Domain lifecycle events from the real daemon, and the provider's graceful
 * shutdown that waits for them (provider/resources/domainLifecycle.ts):
 * the test appliance powers off on the ACPI button; a guest without an OS
 * ignores it and is forced off at the deadline, and so is one whose QEMU
 * never answers (stopped with SIGSTOP). Objects: test-libvirt-life-*.
 */
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DomainEventStartedDetail,
  DomainEventStoppedDetail,
  DomainEventType,
  DomainUndefineFlags,
} from "../../../libvirt";
import type { DomainLifecycleEvent, DomainRef, LibvirtClient } from "../../../libvirt";
import { shutDownGracefully } from "../../../guests/lifecycle";
import { requireAppliance } from "../../support/host";
import { waitFor } from "../../support/wait";
import { connectClean, sweep } from "./sweep";

// Guests start and stop; tests that boot the appliance or wait for a shutdown deadline say
// their own longer bound.
jest.setTimeout(30_000);

const PREFIX = "test-libvirt-life-";

let client: LibvirtClient;
let work: string;

beforeAll(async () => {
  client = await connectClean(PREFIX);
  work = mkdtempSync(join(tmpdir(), PREFIX));
  chmodSync(work, 0o755);
});

afterAll(async () => {
  if (client !== undefined) {
    await sweep(client, PREFIX);
    await client.close();
  }
  rmSync(work, { recursive: true, force: true });
});

/** Plain emulation with ACPI; with a disk, the appliance boots from it. */
function domainXml(name: string, disk?: string): string {
  const diskXml = disk
    ? `<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>` +
      `<source file='${disk}'/><target dev='vda' bus='virtio'/></disk>`
    : "";
  return `<domain type='qemu'><name>${name}</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
    <os><type arch='x86_64'>hvm</type><boot dev='hd'/></os><features><acpi/><apic/></features>
    <devices>${diskXml}<graphics type='vnc' autoport='yes' listen='127.0.0.1'/></devices></domain>`;
}

/** Records the events of one domain; `of(type)` lists the details seen for that event type. */
async function record(dom: DomainRef | null) {
  const events: DomainLifecycleEvent[] = [];
  const reg = await client.domainEventLifecycleRegister(dom, (e) => events.push(e));
  const of = (type: number): number[] =>
    events.filter((e) => e.event === type).map((e) => e.detail);
  return { events, reg, of };
}

test("define, start, destroy, undefine: one event each, in order, to both registrations", async () => {
  const all = await record(null);
  const dom = await client.domainDefineXml(domainXml(`${PREFIX}events`));
  const one = await record(dom);
  await client.domainCreate(dom);
  await client.domainDestroy(dom);
  await client.domainUndefine(dom);
  await waitFor(
    "UNDEFINED",
    () => (all.of(DomainEventType.Undefined).length > 0 ? true : undefined),
    10_000,
  );

  const mine = all.events.filter((e) => e.dom.name === dom.name).map((e) => e.event);
  expect(mine[0]).toBe(DomainEventType.Defined);
  expect(mine.at(-1)).toBe(DomainEventType.Undefined);
  expect(all.of(DomainEventType.Started)).toEqual([DomainEventStartedDetail.Booted]);
  expect(all.of(DomainEventType.Stopped)).toEqual([DomainEventStoppedDetail.Destroyed]);
  // Registered after the define: sees the rest, for this domain only.
  expect(one.of(DomainEventType.Defined)).toEqual([]);
  expect(one.of(DomainEventType.Stopped)).toEqual([DomainEventStoppedDetail.Destroyed]);
  expect(new Set(one.events.map((e) => e.callbackId))).toEqual(new Set([one.reg.callbackId]));

  await Promise.all([one.reg.deregister(), all.reg.deregister()]);
  const before = all.events.length;
  const again = await client.domainDefineXml(domainXml(`${PREFIX}events`));
  await client.domainUndefine(again);
  expect(await client.getHostname()).toBeTruthy(); // any event would have arrived by now
  expect(all.events.length).toBe(before);
}, 60_000);

test("shutDownGracefully: the appliance powers off on the button; no forced stop", async () => {
  // A throwaway copy the guest may write to, where qemu (user libvirt-qemu) can read it.
  const disk = join(work, "appliance.qcow2");
  copyFileSync(requireAppliance(), disk);
  const dom = await client.domainDefineXml(domainXml(`${PREFIX}graceful`, disk));
  const seen = await record(dom);
  await client.domainCreate(dom);
  await shutDownGracefully(client, dom, 90);
  expect(await client.domainIsActive(dom)).toBe(false);
  // STOPPED with detail SHUTDOWN (the guest's own power-off), never DESTROYED.
  expect(seen.of(DomainEventType.Stopped)).toEqual([DomainEventStoppedDetail.Shutdown]);
  await seen.reg.deregister();
  await client.domainUndefine(dom, DomainUndefineFlags.SnapshotsMetadata);
}, 120_000);

test("shutDownGracefully: a guest that ignores the button is forced off at the deadline", async () => {
  const dom = await client.domainDefineXml(domainXml(`${PREFIX}deaf`)); // no OS: SeaBIOS idles
  const seen = await record(dom);
  await client.domainCreate(dom);
  await shutDownGracefully(client, dom, 3);
  expect(await client.domainIsActive(dom)).toBe(false);
  await waitFor(
    "STOPPED",
    () => (seen.of(DomainEventType.Stopped).length > 0 ? true : undefined),
    5000,
  );
  expect(seen.of(DomainEventType.Stopped)).toEqual([DomainEventStoppedDetail.Destroyed]);
  await seen.reg.deregister();

  // Already off: returns at once, nothing pressed, nothing forced.
  await shutDownGracefully(client, dom, 3);
  await client.domainUndefine(dom);
}, 60_000);

test("shutDownGracefully: a guest whose QEMU never answers the press is forced off at the deadline", async () => {
  // A wedged QEMU (seen: QEMU 10, TCG, virtio-gpu reset against the SPICE refresh) answers no
  // monitor command, so the daemon never answers the press; a stopped one answers none either.
  const name = `${PREFIX}wedged`;
  const dom = await client.domainDefineXml(domainXml(name));
  await client.domainCreate(dom);
  const pid = Number(readFileSync(`/run/libvirt/qemu/${name}.pid`, "utf8"));
  process.kill(pid, "SIGSTOP");
  try {
    // Without the deadline on the press this never returns (the test times out).
    expect(await shutDownGracefully(client, dom, 3)).toBe("forced off");
    expect(await client.domainIsActive(dom)).toBe(false);
  } finally {
    try {
      process.kill(pid, "SIGCONT");
    } catch {
      /* killed by the destroy */
    }
    await client.domainDestroy(dom).catch(() => undefined);
    await client.domainUndefine(dom);
  }
}, 90_000);

/** What a restore as a new guest changes in the definition, and which backup a restore picks. */
import { asNewGuest } from "../../../backups/restore";
import { pickBackup } from "../../../backups/commands";
import type { Manifest } from "../../../backups/manifest";

const DEFINITION = `<domain type='qemu'>
  <name>mail</name>
  <uuid>0b5d6f3e-0000-4000-8000-000000000001</uuid>
  <metadata>
    <deskfleet-owner:owner xmlns:deskfleet-owner="https://deskfleet.invalid/xmlns/owner/1">urn:x</deskfleet-owner:owner>
    <deskfleet:schedule xmlns:deskfleet="https://deskfleet.invalid/xmlns/snapshot-schedule/1" name="nightly"><keep daily="7"/></deskfleet:schedule>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0"><libosinfo:os id="x"/></libosinfo:libosinfo>
  </metadata>
  <os><type arch='x86_64' machine='pc'>hvm</type><nvram>/var/lib/libvirt/qemu/nvram/mail_VARS.fd</nvram></os>
  <devices>
    <disk type='volume' device='disk'><source pool='default' volume='mail-root.qcow2'/><target dev='vda'/></disk>
    <disk type='volume' device='disk'><source pool='default' volume='shared.qcow2'/><target dev='vdb'/></disk>
    <interface type='network'><mac address='52:54:00:12:34:56'/><source network='lan'/></interface>
    <serial type='pty'><log file='/var/log/libvirt/qemu/mail-console.log' append='off'/></serial>
  </devices>
</domain>`;

test("a restore as a new guest: its name, no UUID or MACs, its volumes and NVRAM, no deskfleet metadata", () => {
  const rename = (v: string) => (v.startsWith("mail-") ? `post-${v.slice(5)}` : `post-${v}`);
  const out = asNewGuest(DEFINITION, { guest: "mail" }, "post", rename);
  expect(out).toContain("<name>post</name>");
  expect(out).not.toContain("<uuid>");
  expect(out).not.toContain("mac address");
  expect(out).toContain("volume='post-root.qcow2'");
  expect(out).toContain("volume='post-shared.qcow2'");
  expect(out).toContain("<nvram>/var/lib/libvirt/qemu/nvram/post_VARS.fd</nvram>");
  expect(out).toContain("/var/log/libvirt/qemu/post-console.log");
  expect(out).not.toContain("deskfleet");
  expect(out).toContain('<libosinfo:os id="x"/>'); // other tools' metadata stays
});

const m = (guest: string, time: string) => ({ guest, time }) as Manifest;

test("a restore picks the newest backup, or the newest at or before --at", () => {
  const all = [
    m("mail", "2026-12-01T02:30:00.000Z"),
    m("mail", "2026-12-02T02:30:00.000Z"),
    m("desk", "2026-12-03T02:30:00.000Z"),
  ];
  expect(pickBackup(all, "mail").time).toBe("2026-12-02T02:30:00.000Z");
  expect(pickBackup(all, "mail", Date.parse("2026-12-01T12:00Z")).time).toBe(
    "2026-12-01T02:30:00.000Z",
  );
  expect(() => pickBackup(all, "mail", Date.parse("2026-11-30T00:00Z"))).toThrow(
    'no backup of guest "mail" at or before 2026-11-30T00:00:00.000Z',
  );
  expect(() => pickBackup(all, "tools")).toThrow('no backup of guest "tools"');
});

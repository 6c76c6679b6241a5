/** The pure parts of a move: its preview note, a snapshot's XML given the target's definition of the guest. */
import { moveNote, withDefinition } from "../../../provider/resources/domainMove";

test("the note says roughly how much data travels: disks hold odd byte counts", () => {
  const survey = { allocated: 3_328_573_440, disks: 2, snapshots: 1, problems: [], first: [] };
  expect(moveNote("mail", "qemu:///system", "qemu+ssh://me@laptop/system", survey)).toBe(
    "move mail qemu:///system → qemu+ssh://me@laptop/system (cold: the guest stops while its 2 disks " +
      "(3.1 GiB allocated) are copied and verified, 1 snapshot with them; " +
      "UUID, MACs, NVRAM and TPM state kept; removed from the old host only once it runs on the new one)",
  );
  const cannot = { ...survey, problems: ["its disk d is a block device"] };
  expect(moveNote("mail", "a", "b", cannot)).toBe(
    "guest mail cannot move a → b: its disk d is a block device",
  );
});

const snapshot = (domains: string) =>
  "<domainsnapshot>\n  <name>good</name>\n  <state>running</state>\n" +
  `  <memory snapshot='internal'/>\n${domains}  <active>0</active>\n</domainsnapshot>\n`;

test("the recorded definition is replaced whole, the rest of the snapshot kept", () => {
  const old =
    "  <domain type='qemu'>\n    <name>g</name>\n    <devices><watchdog model='itco'/></devices>\n  </domain>\n";
  expect(withDefinition(snapshot(old), "<domain type='qemu'><name>g</name></domain>\n")).toBe(
    snapshot("  <domain type='qemu'><name>g</name></domain>\n"),
  );
});

test("a running snapshot's inactive definition goes too (the target's stands for both)", () => {
  const old =
    "  <domain type='qemu'><name>g</name></domain>\n" +
    "  <inactiveDomain type='qemu'><name>g</name><memory>1</memory></inactiveDomain>\n";
  expect(withDefinition(snapshot(old), "<domain type='kvm'><name>g</name></domain>")).toBe(
    snapshot("  <domain type='kvm'><name>g</name></domain>\n"),
  );
});

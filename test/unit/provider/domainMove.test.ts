/** The pure part of a move: a snapshot's XML given the target's definition of the guest. */
import { withDefinition } from "../../../provider/resources/domainMove";

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

/**
 * What a guest's update would do that its fleet must acknowledge, as check()
 * adds it to the inputs for the policies (pendingChange.ts), and that diff
 * never counts it as a change.
 */
import { domain } from "../../../provider/resources/domain";
import type { DomainInputs } from "../../../provider/resources/domain";
import { pendingChange } from "../../../provider/resources/pendingChange";

const DESK = "qemu:///system";
const LAPTOP = "qemu+ssh://me@laptop/system";
const MiB = 1024 * 1024;
const root = (base: string) => ({ pool: "images", volume: "mail-root.qcow2", base });
/** Checked inputs of the guest mail, as the engine stores them. */
const guest = (over: Record<string, unknown> = {}): DomainInputs & Record<string, unknown> => ({
  ...domain.check(
    {},
    { uri: DESK, name: "mail", memory: 256 * MiB, disks: [root("deb13.qcow2")], ...over },
  ).inputs,
});

describe("pendingChange", () => {
  it("nothing for a new guest, or for an update that neither moves nor rebuilds", () => {
    expect(pendingChange({}, guest())).toBeUndefined();
    expect(pendingChange(guest(), guest({ memory: 512 * MiB }))).toBeUndefined();
  });
  it("a new host is a move from the stored one", () => {
    expect(pendingChange(guest(), guest({ uri: LAPTOP }))).toEqual({ move: { from: DESK } });
  });
  it("a disk on a new image is a rebuild not asked for; a raised rebuild is one asked for", () => {
    expect(pendingChange(guest(), guest({ disks: [root("deb14.qcow2")] }))).toEqual({
      rebuild: { disks: ["images/mail-root.qcow2 from deb14.qcow2"], raised: false },
    });
    expect(pendingChange(guest(), guest({ rebuild: 1 }))).toEqual({
      rebuild: { disks: ["images/mail-root.qcow2 from deb13.qcow2"], raised: true },
    });
    expect(pendingChange(guest(), guest({ rebuild: 1, uri: LAPTOP }))).toEqual({
      move: { from: DESK },
      rebuild: { disks: ["images/mail-root.qcow2 from deb13.qcow2"], raised: true },
    });
  });
  it("stored inputs of any shape are read safely (an old state, a hand edit)", () => {
    expect(pendingChange({ uri: DESK, rebuild: "x", disks: "y" }, guest())).toBeUndefined();
    expect(pendingChange({ uri: 7 }, guest())).toBeUndefined();
  });
});

describe("domain.check adds it; diff never sees it", () => {
  it("check puts pendingChange in the checked inputs of a move, and none otherwise", () => {
    expect(domain.check(guest(), { ...guest(), uri: LAPTOP }).inputs.pendingChange).toEqual({
      move: { from: DESK },
    });
    expect(domain.check(guest(), guest()).inputs).not.toHaveProperty("pendingChange");
    // Bad inputs get their failures, not a pending change.
    const bad = domain.check(guest(), { ...guest(), uri: LAPTOP, memory: 1 });
    expect(bad.failures.length).toBeGreaterThan(0);
    expect(bad.inputs).not.toHaveProperty("pendingChange");
  });
  it("a stored pendingChange from the last up is no change at the next", () => {
    const stored = { ...guest(), pendingChange: { move: { from: LAPTOP } } };
    expect(domain.diff("id", stored, guest()).changes).toBe(false);
  });
  it("movedFrom is deskfleet's own: it changes nothing on the guest", () => {
    const diff = domain.diff("id", guest(), guest({ movedFrom: LAPTOP }));
    expect(diff.changes).toBe(true);
    expect(diff.replaces).toEqual([]);
  });
});

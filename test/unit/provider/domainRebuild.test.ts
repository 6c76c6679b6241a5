/** Which disks a rebuild makes anew, and what the preview says of it. */
import { disksToRebuild, rebuildNote } from "../../../provider/resources/domainRebuild";

const root = { pool: "p", volume: "g-root.qcow2", base: "debian-13.qcow2" };
const data = { pool: "p", volume: "g-data.qcow2" };
const disks = [root, data];

describe("disksToRebuild", () => {
  it.each([
    ["nothing changed", { rebuild: 0, disks }, { rebuild: 0, disks }, []],
    [
      "rebuild raised: every overlay, no blank disk",
      { rebuild: 1, disks },
      { rebuild: 2, disks },
      [root],
    ],
    ["rebuild lowered: nothing", { rebuild: 2, disks }, { rebuild: 1, disks }, []],
    [
      "a new base for one disk",
      { rebuild: 0, disks },
      { rebuild: 0, disks: [{ ...root, base: "debian-14.qcow2" }, data] },
      [{ ...root, base: "debian-14.qcow2" }],
    ],
    [
      "a base recorded for the first time (older state): not a rebuild",
      { rebuild: 0, disks: [{ pool: "p", volume: "g-root.qcow2" }, data] },
      { rebuild: 0, disks },
      [],
    ],
    [
      "a disk new to the guest: its Volume makes it",
      { rebuild: 0, disks: [data] },
      { rebuild: 1, disks },
      [],
    ],
    ["no rebuild recorded before (older state), now 1", { disks }, { rebuild: 1, disks }, [root]],
  ])("%s", (_name, olds, news, expected) => {
    expect(disksToRebuild(olds, news)).toEqual(expected);
  });
});

describe("rebuildNote", () => {
  it("names the disks and bases, the restart and the snapshots that go", () => {
    expect(rebuildNote("g", [root], ["good", "autosnap_x"], true)).toBe(
      "rebuild g: p/g-root.qcow2 from debian-13.qcow2 made anew (its other disks, UUID, MACs, NVRAM and TPM state kept; the guest restarts gracefully; its snapshots good, autosnap_x are deleted (they hold the old disks))",
    );
  });

  it("says no restart for a guest that is off, and nothing of snapshots it has none of", () => {
    expect(rebuildNote("g", [root], [], false)).toBe(
      "rebuild g: p/g-root.qcow2 from debian-13.qcow2 made anew (its other disks, UUID, MACs, NVRAM and TPM state kept)",
    );
  });
});

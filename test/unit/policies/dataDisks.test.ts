import type { ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { dataDisksAreKept, VOLUME_TYPE } from "../../../policies/dataDisks";

/** Runs the policy on one resource the way the policy engine would, collecting violations. */
function violations(type: string, props: Record<string, unknown>): string[] {
  const found: string[] = [];
  const validate = dataDisksAreKept().validateResource as ResourceValidation;
  const args = {
    type,
    name: "r",
    props,
    urn: "urn",
    opts: {},
    isType: () => false,
    asType: () => undefined,
    getConfig: () => ({}),
  };
  void validate(args as unknown as ResourceValidationArgs, (m: string) => found.push(m));
  return found;
}

describe("data-disks-are-kept", () => {
  it("flags a blank volume that is not retained", () => {
    expect(
      violations(VOLUME_TYPE, { name: "work-data.qcow2", capacity: 1, retain: false }),
    ).toEqual([
      'volume "work-data.qcow2" holds data but is not kept: declare the disk with `keep: true`',
    ]);
  });

  it.each([
    ["a retained blank volume", { name: "d", capacity: 1, retain: true }],
    ["an overlay", { name: "o", backingVolume: "base.qcow2", retain: false }],
    ["an uploaded base image", { name: "b", source: "/x.qcow2", retain: false }],
  ])("accepts %s", (_what, props) => {
    expect(violations(VOLUME_TYPE, props)).toEqual([]);
  });

  it("ignores other resource types", () => {
    expect(violations("deskfleet:libvirt:Domain", { name: "x" })).toEqual([]);
  });
});

import { closest, didYouMean, editDistance } from "../../../fleet/suggest";

describe("editDistance", () => {
  test.each([
    ["", "", 0],
    ["memory", "memory", 0],
    ["memroy", "memory", 1],
    ["memry", "memory", 1],
    ["memoryy", "memory", 1],
    ["mamory", "memory", 1],
    ["kitten", "sitting", 3],
    ["", "abc", 3],
  ])("%j → %j is %d", (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe("closest", () => {
  const keys = [
    "type",
    "memory",
    "vcpus",
    "machine",
    "firmware",
    "disks",
    "interfaces",
    "networks",
  ];
  test.each([
    ["memroy", "memory"],
    ["Memory", "memory"],
    ["vcpu", "vcpus"],
    ["disk", "disks"],
    ["interface", "interfaces"],
    ["firmwear", "firmware"],
    ["typ", "type"],
    ["colour", undefined],
    ["m", undefined],
    ["network", "networks"],
  ])("%j → %j", (word, match) => {
    expect(closest(word, keys)).toBe(match);
  });

  test("the first of equally close candidates wins", () => {
    expect(closest("cat", ["bat", "car"])).toBe("bat");
  });

  test("didYouMean", () => {
    expect(didYouMean("lna", ["lan", "wan"])).toBe(' (did you mean "lan"?)');
    expect(didYouMean("zzz", ["lan"])).toBe("");
  });
});

import { changedProperties, diffInputs } from "../../../provider/diff";
import { UNKNOWN, containsUnknown, deepEqual, validateInputs } from "../../../provider/inputs";
import { typeOfUrn } from "../../../provider/index";
import { z } from "zod";

const rules = {
  inputs: ["name", "uri", "memory", "a", "b", "c"],
  replaceOn: ["name", "uri"],
  deleteBeforeReplace: true,
};

describe("diffInputs", () => {
  it("reports no change for equal inputs, key order and undefined aside", () => {
    expect(
      diffInputs({ a: 1, b: { x: [1, 2] }, c: undefined }, { b: { x: [1, 2] }, a: 1 }, rules),
    ).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("names an in-place change without replacing", () => {
    expect(diffInputs({ name: "demo", memory: 1 }, { name: "demo", memory: 2 }, rules)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("replaces, deleting first, when a replace property changes", () => {
    expect(diffInputs({ name: "a", memory: 1 }, { name: "b", memory: 2 }, rules)).toEqual({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: true,
    });
  });

  it("ignores computed outputs: the engine sends old outputs as olds", () => {
    const olds = { name: "demo", memory: 1, uuid: "u", state: "running", addresses: ["10.0.0.2"] };
    expect(diffInputs(olds, { name: "demo", memory: 1 }, rules).changes).toBe(false);
  });

  it("treats an unknown value as a change", () => {
    expect(changedProperties({ name: "a", x: [1] }, { name: "a", x: [UNKNOWN] })).toEqual(["x"]);
    expect(diffInputs({ name: "a" }, { name: UNKNOWN }, rules).replaces).toEqual(["name"]);
  });

  it("lists changed properties sorted, including added and removed ones", () => {
    expect(changedProperties({ b: 1, a: 1, gone: 1 }, { b: 2, a: 1, added: 1 })).toEqual([
      "added",
      "b",
      "gone",
    ]);
  });
});

describe("deepEqual and containsUnknown", () => {
  it.each([
    [[1, 2], [1, 2], true],
    [[1, 2], [2, 1], false],
    [{ a: [{ b: 1 }] }, { a: [{ b: 1 }] }, true],
    [{ a: 1 }, { a: "1" }, false],
    [[], {}, false],
    [null, null, true],
    [null, {}, false],
  ])("deepEqual(%j, %j) is %s", (a, b, expected) => {
    expect(deepEqual(a, b)).toBe(expected);
  });

  it("finds unknowns at any depth", () => {
    expect(containsUnknown({ a: [{ b: UNKNOWN }] })).toBe(true);
    expect(containsUnknown({ a: [{ b: "x" }] })).toBe(false);
  });
});

describe("validateInputs", () => {
  const schema = z.object({ name: z.string().min(1), size: z.number().default(5) });

  it("fills defaults", () => {
    expect(validateInputs(schema, { name: "x" })).toEqual({
      inputs: { name: "x", size: 5 },
      failures: [],
    });
  });

  it("reports each failure with its property", () => {
    expect(
      validateInputs(schema, { name: "", size: "big" }).failures.map((f) => f.property),
    ).toEqual(["name", "size"]);
  });

  it("accepts unknown values during preview", () => {
    expect(validateInputs(schema, { name: UNKNOWN, size: 3 }).failures).toEqual([]);
  });

  it("unwraps secrets", () => {
    const secret = {
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: "s",
    };
    expect(validateInputs(schema, { name: secret }).inputs).toEqual({ name: "s", size: 5 });
  });
});

describe("typeOfUrn", () => {
  it.each([
    ["urn:pulumi:example::deskfleet::deskfleet:libvirt:Domain::demo", "deskfleet:libvirt:Domain"],
    [
      "urn:pulumi:example::deskfleet::deskfleet:fleet:Fleet$deskfleet:fleet:Guest$deskfleet:libvirt:Volume::demo-root",
      "deskfleet:libvirt:Volume",
    ],
  ])("%s → %s", (urn, token) => {
    expect(typeOfUrn(urn)).toBe(token);
  });
});

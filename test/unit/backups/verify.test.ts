/** `backup restore --verify`: the scratch guest's name, and its network links unplugged. */
import { scratchName, unplugged } from "../../../backups/verify";

test("the scratch name is the guest's, marked, with the backup's time to the second", () => {
  expect(scratchName({ guest: "mail", time: "2026-12-05T02:30:07.123Z" })).toBe(
    "mail-verify-20261205-023007",
  );
});

test("every interface's link is down; a link state it had is replaced, not doubled", () => {
  const definition = [
    "<domain><devices>",
    "<interface type='network'><source network='lan'/><model type='virtio'/></interface>",
    "<interface type='bridge'><source bridge='br0'/><link state='up'/></interface>",
    "<disk type='file'><target dev='vda'/></disk>",
    "</devices></domain>",
  ].join("");
  const out = unplugged(definition);
  expect(out).toBe(
    [
      "<domain><devices>",
      "<interface type='network'><source network='lan'/><model type='virtio'/><link state='down'/></interface>",
      "<interface type='bridge'><source bridge='br0'/><link state='down'/></interface>",
      "<disk type='file'><target dev='vda'/></disk>",
      "</devices></domain>",
    ].join(""),
  );
  expect(unplugged(out)).toBe(out);
});

test("a guest without interfaces is left as it is", () => {
  const definition = "<domain><devices><disk type='file'/></devices></domain>";
  expect(unplugged(definition)).toBe(definition);
});

/**
 * A resource made before its kind gained an input has none stored: at its
 * default, that input is no change (no one-time update after an upgrade).
 */
import { DeskfleetProvider } from "../../../provider/index";
import { domain } from "../../../provider/resources/domain";

const URN = "urn:pulumi:s::p::deskfleet:fleet:Guest$deskfleet:libvirt:Domain::g";
const declared = { uri: "qemu:///system", name: "g", memory: 64 * 1024 ** 2 };

function madeBefore(): Record<string, unknown> {
  const { restart: _r, restartGeneration: _g, ...older } = domain.check({}, declared).inputs;
  return { ...older, uuid: "5f0c1a4e-0000-4000-8000-000000000001", state: "running" };
}

test("new inputs at their defaults are no change", async () => {
  const news = domain.check({}, declared).inputs;
  const diff = await new DeskfleetProvider().diff("id", URN, madeBefore(), news);
  expect(diff.changes).toBe(false);
});

test("new inputs set otherwise are a change", async () => {
  const news = domain.check({}, { ...declared, restart: "allowed" }).inputs;
  const diff = await new DeskfleetProvider().diff("id", URN, madeBefore(), news);
  expect(diff.changes).toBe(true);
});

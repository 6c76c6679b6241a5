/**
 * The provider's notes to the engine (provider/engineLog.ts): where the
 * engine's address is among the plugin's arguments, and a note that has no
 * engine to reach is dropped without failing the operation it describes.
 */
import { engineAddress, noteOnResource } from "../../../provider/engineLog";

describe("engineAddress", () => {
  it.each([
    [["127.0.0.1:4000"], "127.0.0.1:4000"],
    [["--logtostderr", "-v=9", "127.0.0.1:4000"], "127.0.0.1:4000"],
    [["--tracing", "tcp://tracer:1", "127.0.0.1:4000"], "127.0.0.1:4000"],
    [["--logtostderr"], undefined],
    [[], undefined],
  ])("%j → %s", (args, expected) => {
    expect(engineAddress(args)).toBe(expected);
  });
});

it("a note with no engine connected is dropped, and its words are not even worked out", async () => {
  const words = jest.fn(() => Promise.resolve("never shown"));
  await expect(noteOnResource("urn:pulumi:s::p::t::n", words)).resolves.toBeUndefined();
  expect(words).not.toHaveBeenCalled();
});

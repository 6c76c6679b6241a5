import { defaultUri } from "../../../provider/config";

describe("defaultUri", () => {
  it.each([
    [{}, "qemu:///system"],
    [
      { PULUMI_CONFIG: JSON.stringify({ uri: "qemu+ssh://me@laptop/system" }) },
      "qemu+ssh://me@laptop/system",
    ],
    [{ PULUMI_CONFIG: JSON.stringify({ "deskfleet:uri": "qemu:///session" }) }, "qemu:///session"],
    [{ PULUMI_CONFIG: "{not json", DESKFLEET_URI: "test:///default" }, "test:///default"],
    [{ PULUMI_CONFIG: JSON.stringify({ other: 1 }) }, "qemu:///system"],
  ])("from %j → %s", (env, uri) => {
    expect(defaultUri(env as NodeJS.ProcessEnv)).toBe(uri);
  });
});

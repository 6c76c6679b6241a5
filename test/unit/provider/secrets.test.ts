/** Secret inputs stay secrets in everything the provider hands back to the engine. */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { DeskfleetProvider } from "../../../provider/index";
import { wrapSecrets } from "../../../provider/inputs";

const URN = "urn:pulumi:s::p::deskfleet:fleet:Guest$deskfleet:libvirt:Domain::g";
const secret = (value: unknown) => ({ [rpc.specialSigKey]: rpc.specialSecretSig, value });

test("check returns a console password as a secret, never in plaintext", async () => {
  const news = {
    uri: "qemu:///system",
    name: "g",
    memory: 64 * 1024 ** 2,
    graphics: "spice",
    graphicsPassword: secret("s3cret"),
  };
  const result = await new DeskfleetProvider().check(URN, {}, news);
  const inputs = result.inputs as Record<string, unknown>;
  const failures = result.failures;
  expect(failures).toEqual([]);
  const password = inputs.graphicsPassword;
  expect(rpc.isRpcSecret(password)).toBe(true);
  expect(rpc.unwrapRpcSecret(password)).toBe("s3cret");
  expect(JSON.stringify({ ...inputs, graphicsPassword: undefined })).not.toContain("s3cret");
});

test("wrapSecrets wraps what is there and plain, and leaves the rest", () => {
  const unknown = rpc.unknownValue;
  expect(wrapSecrets({ a: "x", b: 1, c: secret("y"), d: unknown }, ["a", "c", "d", "e"])).toEqual({
    a: secret("x"),
    b: 1,
    c: secret("y"),
    d: unknown,
  });
});

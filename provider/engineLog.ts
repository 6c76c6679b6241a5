/**
 * Notes the provider attaches to a resource in the engine's output: `pulumi
 * preview` lists them under that resource's name, so a reviewer reads what a
 * change will do, not only that it changes. The Node SDK's provider server
 * gives a resource's calls no logger (pulumi.log reaches the engine only in
 * programs), so this speaks to the engine's Log endpoint itself, at the
 * address the engine passes as the plugin's first argument.
 */
import * as grpc from "@grpc/grpc-js";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";

let engine: engrpc.EngineClient | undefined;

/** The engine's address among the plugin's arguments: the first that is not a flag or `--tracing`'s value. */
export function engineAddress(args: readonly string[]): string | undefined {
  return args.find((a, i) => !a.startsWith("-") && args[i - 1] !== "--tracing");
}

export function connectEngine(args: readonly string[]): void {
  const address = engineAddress(args);
  if (address === undefined) return;
  engine = new engrpc.EngineClient(address, grpc.credentials.createInsecure());
}

/** How long a note may wait for the host before the operation goes on without it. */
const NOTE_TIMEOUT_MS = 10_000;

/**
 * Shows what `words` returns under the resource `urn` as an info diagnostic.
 * Never fails or stalls the operation it describes: a note that cannot be
 * worked out (an unreachable host) or delivered in time is dropped.
 */
export async function noteOnResource(
  urn: string,
  words: () => Promise<string | undefined>,
  severity: "info" | "warning" = "info",
): Promise<void> {
  const client = engine;
  if (!client) return;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, NOTE_TIMEOUT_MS);
  });
  const note = (async () => {
    const message = await words().catch(() => undefined);
    if (message === undefined) return;
    const req = new engproto.LogRequest();
    req.setSeverity(
      severity === "warning" ? engproto.LogSeverity.WARNING : engproto.LogSeverity.INFO,
    );
    req.setUrn(urn);
    req.setMessage(message);
    await new Promise<void>((resolve) => client.log(req, () => resolve()));
  })();
  await Promise.race([note, deadline]);
  clearTimeout(timer);
}

/**
 * Shows `message` as the resource's status line while an operation runs (an
 * ephemeral diagnostic: the progress display shows it, the final output does
 * not keep it). Fire and forget: progress never waits for the engine.
 */
export function statusOnResource(urn: string, message: string): void {
  const client = engine;
  if (!client) return;
  const req = new engproto.LogRequest();
  req.setSeverity(engproto.LogSeverity.INFO);
  req.setUrn(urn);
  req.setMessage(message);
  req.setEphemeral(true);
  client.log(req, () => undefined);
}

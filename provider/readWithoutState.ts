/**
 * `pulumi import` (and an import-pending-create) asks the provider to read an
 * object it knows only by id: the Read request carries no properties. The
 * Node SDK's provider server (3.259) calls `getProperties().toJavaScript()`
 * on it unguarded and crashes with "Cannot read properties of undefined
 * (reading 'toJavaScript')" before our read() runs. Absent properties are an
 * empty state here, which every kind's read handles (defaults from config).
 */
import * as provproto from "@pulumi/pulumi/proto/provider_pb";

type Properties = ReturnType<provproto.ReadRequest["getProperties"]>;
const EMPTY = { toJavaScript: () => ({}) } as unknown as Properties;

export function readWithoutState(): void {
  const proto = provproto.ReadRequest.prototype;
  const original = Object.getOwnPropertyDescriptor(proto, "getProperties")?.value as (
    this: provproto.ReadRequest,
  ) => Properties | undefined;
  proto.getProperties = function (this: provproto.ReadRequest) {
    return original.call(this) ?? EMPTY;
  };
}

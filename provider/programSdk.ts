/**
 * The parts of Pulumi's SDK a deskfleet program uses, taken from the SDK's
 * own modules. The package's index (`@pulumi/pulumi`) also loads the
 * automation API, closure serialization (@npmcli/arborist) and OpenTelemetry:
 * about 780 more modules and 350 ms on every preview and `up`, for nothing
 * the program calls (measured with `npm run bench:fleet`: the program's load
 * went from 586 ms to about 200 ms).
 */
export { ComponentResource, CustomResource, Resource } from "@pulumi/pulumi/resource";
export type { ComponentResourceOptions, CustomResourceOptions } from "@pulumi/pulumi/resource";
export { Config } from "@pulumi/pulumi/config";
export { RunError } from "@pulumi/pulumi/errors";
export { all, Output } from "@pulumi/pulumi/output";
export type { Input } from "@pulumi/pulumi/output";
